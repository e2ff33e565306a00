"""``gelato compare``: GELATO against every baseline at one V (SPEC §4, §7).

Prints the Markdown table and headline; ``--json`` and ``--markdown`` write them (all-or-nothing).
``--V`` gives the V to compare at (a list: its largest value; default: the largest V of the
scenario's grid). Exit 0 when the comparison ran, 2 on bad input or a solver failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gelato_theory.atomic import to_json, write_all
from gelato_theory.cli.common import add_scenario_args
from gelato_theory.cli.verify import scenario_with_run_args
from gelato_theory.verification.compare import compare, to_markdown


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="GELATO vs every baseline at one V: the headline table")
    add_scenario_args(p)
    p.add_argument(
        "--seeds", type=int, default=None, help="independent seeds (default: scenario's)"
    )
    p.add_argument(
        "--horizon", type=int, default=None, help="rounds per trajectory (default: scenario's)"
    )
    p.add_argument("--json", default=None, metavar="FILE", help="write the result as JSON")
    p.add_argument("--markdown", default=None, metavar="FILE", help="write the Markdown table")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    scenario = scenario_with_run_args(args)
    progress = not args.no_progress and sys.stderr.isatty()
    res = compare(scenario, progress=progress)
    text = to_markdown(res)
    print(text, end="")
    files: dict[Path, str] = {}
    if args.json:
        files[Path(args.json)] = to_json(res.to_dict())
    if args.markdown:
        files[Path(args.markdown)] = text
    write_all(files)
    return 0
