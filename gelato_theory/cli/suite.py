"""``gelato suite``: run the regression suite of scenarios and guarantees (SPEC §6).

The default manifest is the suite shipped inside the package (``gelato_theory/scenario/suite/``),
so the command works from any folder; a manifest's scenario files are resolved relative to it.
"""

from __future__ import annotations

import argparse
import sys

from gelato_theory.cli.common import Outputs, add_progress_arg, run_progress


def default_manifest() -> str:
    """Path of the packaged suite manifest."""
    from importlib import resources

    return str(resources.files("gelato_theory.scenario.suite").joinpath("suite.toml"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "suite", help="run a regression suite of scenarios (default: the packaged suite)"
    )
    p.add_argument(
        "manifest",
        nargs="?",
        default=None,
        help="suite manifest (TOML; default: the suite shipped with gelato-theory)",
    )
    p.add_argument(
        "--junit", default=None, metavar="DIR", help="write one JUnit XML per case into DIR"
    )
    add_progress_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gelato_theory.verification.engine import DEFAULT_POLICIES
    from gelato_theory.verification.report import to_junit
    from gelato_theory.verification.suite import load_suite, run_suite

    manifest = args.manifest or default_manifest()
    cases = load_suite(manifest)
    outputs = Outputs()
    junit = outputs.folder("--junit", args.junit, tuple(f"{c.scenario.name}.xml" for c in cases))
    n = len(cases)
    print(f"suite {manifest}: {n} case(s)")

    def case_progress(i, case):
        return run_progress(
            args,
            len(DEFAULT_POLICIES),
            case.scenario.verification.horizon,
            label=f"case {i + 1} of {n} ({case.label})",
        )

    results = run_suite(cases, progress=print, case_progress=case_progress)
    if junit is not None:
        for r in results:
            outputs.files[junit / f"{r.case.scenario.name}.xml"] = to_junit(r.report)
        outputs.write()
    failed = [r for r in results if not r.met]
    print(f"{len(results) - len(failed)} of {len(results)} cases meet their guarantees")
    if failed:
        print(f"gelato suite: FAIL: {failed[0].case.label}: {failed[0].reason}", file=sys.stderr)
        return 1
    return 0
