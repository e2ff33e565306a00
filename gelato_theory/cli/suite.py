"""``gelato suite``: run the regression suite of scenarios and guarantees (SPEC §6; verify/suite.toml)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gelato_theory.atomic import write_all
from gelato_theory.verification.report import to_junit
from gelato_theory.verification.suite import load_suite, run_suite


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "suite", help="run a regression suite of scenarios (default verify/suite.toml)"
    )
    p.add_argument("manifest", nargs="?", default="verify/suite.toml", help="suite manifest (TOML)")
    p.add_argument(
        "--junit", default=None, metavar="DIR", help="write one JUnit XML per case into DIR"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cases = load_suite(args.manifest)
    results = run_suite(cases, progress=print)
    if args.junit:
        files = {
            Path(args.junit) / f"{r.case.scenario.name}.xml": to_junit(r.report) for r in results
        }
        write_all(files)
    failed = [r for r in results if not r.met]
    print(f"{len(results) - len(failed)} of {len(results)} cases meet their guarantees")
    if failed:
        print(f"gelato suite: FAIL: {failed[0].case.label}: {failed[0].reason}", file=sys.stderr)
        return 1
    return 0
