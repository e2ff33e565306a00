"""``gelato compare``: GELATO against every baseline at one V (SPEC §4, §7).

Prints the Markdown table and headline; ``--json`` and ``--markdown`` write them (all-or-nothing,
paths checked before the run). ``--V`` gives the V to compare at (a list: its largest value;
default: the largest V of the scenario's grid). An n-gram scenario is calibrated first, like in
``verify``. Exit 0 when the comparison ran, 2 on bad input or a solver failure.
"""

from __future__ import annotations

import argparse

from gelato_theory.cli.common import Outputs, add_progress_arg, add_scenario_args, run_progress


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
    add_progress_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    outputs = Outputs()
    json_path = outputs.file("--json", args.json)
    md_path = outputs.file("--markdown", args.markdown)

    from gelato_theory.atomic import to_json
    from gelato_theory.cli.verify import scenario_with_run_args
    from gelato_theory.control.registry import policies
    from gelato_theory.exact.problem import build_problem
    from gelato_theory.simulation.prepare import prepare
    from gelato_theory.verification.compare import compare, to_markdown

    prepared = prepare(scenario_with_run_args(args))
    scenario = prepared.model
    n = len(policies(scenario, build_problem(scenario)))
    bar = run_progress(args, n, scenario.verification.horizon)
    try:
        res = compare(scenario, progress=bar, executor=prepared.executor)
    finally:
        if bar:
            bar.close()
    text = to_markdown(res)
    print(text, end="")
    if json_path is not None:
        outputs.files[json_path] = to_json(res.to_dict())
    if md_path is not None:
        outputs.files[md_path] = text
    outputs.write()
    return 0
