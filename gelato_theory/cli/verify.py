"""``gelato verify``: simulate, judge every claim, write reports (SPEC §6, §7).

Exit 0 when no claim fails (inconclusive claims do not fail a run), 1 when one does (the reason on
one line of stderr), 2 on bad input or a solver failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gelato_theory.atomic import write_all
from gelato_theory.cli.common import add_scenario_args, scenario_from_args
from gelato_theory.simulation.compiled import set_default_engine
from gelato_theory.verification import report as views
from gelato_theory.verification.engine import DEFAULT_POLICIES, VerificationReport, verify


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="verify every claim of a scenario (default: the built-in one)"
    )
    add_scenario_args(p)
    add_run_args(p)
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write report.json, report.md and junit.xml into DIR",
    )
    p.add_argument("--json", default=None, metavar="FILE", help="write the JSON report to FILE")
    p.add_argument("--junit", default=None, metavar="FILE", help="write JUnit XML to FILE")
    p.add_argument(
        "--markdown", default=None, metavar="FILE", help="write the Markdown summary to FILE"
    )
    p.set_defaults(func=run)


def add_run_args(p: argparse.ArgumentParser) -> None:
    """--seeds, --horizon, --policy: the simulation settings shared by verify, plot and compare."""
    p.add_argument(
        "--seeds", type=int, default=None, help="independent seeds per V (default: scenario's)"
    )
    p.add_argument(
        "--horizon", type=int, default=None, help="rounds per trajectory (default: scenario's)"
    )
    p.add_argument(
        "--policy",
        action="append",
        default=None,
        help="controller to simulate and judge: a built-in name or a user policy as an import "
        "path module:Name (class or factory taking (scenario, problem)); repeatable "
        f"(default: {', '.join(DEFAULT_POLICIES)})",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument(
        "--engine",
        choices=("auto", "numpy", "compiled"),
        default="auto",
        help="simulation engine: compiled (numba) when it supports the run, else numpy (default: "
        "auto); both give the same numbers",
    )


def scenario_with_run_args(args: argparse.Namespace):
    """The scenario with --seeds/--horizon applied (validated like any scenario field)."""
    s = scenario_from_args(args)
    set_default_engine(getattr(args, "engine", "auto"))
    changes = {}
    if args.seeds is not None:
        changes["verification.seeds"] = args.seeds
    if args.horizon is not None:
        changes["verification.horizon"] = args.horizon
    return s.replace(**changes) if changes else s


def run_verification(args: argparse.Namespace) -> VerificationReport:
    s = scenario_with_run_args(args)
    names = tuple(args.policy or DEFAULT_POLICIES)
    progress = not args.no_progress and sys.stderr.isatty()
    return verify(s, policy_names=names, progress=progress)


def run(args: argparse.Namespace) -> int:
    report = run_verification(args)
    print(render(report))
    files: dict[Path, str] = {}
    if args.out:
        out = Path(args.out)
        files[out / "report.json"] = views.to_json_text(report)
        files[out / "report.md"] = views.to_markdown(report)
        files[out / "junit.xml"] = views.to_junit(report)
    if args.json:
        files[Path(args.json)] = views.to_json_text(report)
    if args.junit:
        files[Path(args.junit)] = views.to_junit(report)
    if args.markdown:
        files[Path(args.markdown)] = views.to_markdown(report)
    write_all(files)
    if not report.passed:
        print(f"gelato verify: FAIL: {report.reason()}", file=sys.stderr)
        return 1
    return 0


def render(report: VerificationReport) -> str:
    """Terminal view: one line per claim and policy, a verdict letter per V."""
    st = report.settings
    V = [b.V for b in report.bounds]
    lines = [
        f"scenario {report.scenario.name}: {st['seeds']} seeds x {st['horizon']} rounds, "
        f"u* = {report.constants.u_star:.6g}, lambda* = {report.constants.lambda_star:.6g}, "
        f"B = {report.constants.B:.4g}",
        "",
    ]
    classes = [(r.policy, getattr(r, "policy_class", None)) for r in report.results]
    lines += [f"policy {name}: assumed class {kind}" for name, kind in classes if kind]
    if any(kind for _, kind in classes):
        lines.append("")
    lines.append(
        f"{'policy':<16}{'claim':<25}"
        + "".join(f"{'V=' + format(v, 'g'):>14}" for v in V)
        + f"{'grid':>14}"
    )
    for r in report.results:
        by = {}
        for v in r.verdicts:
            by.setdefault(v.claim, {})[v.V] = v.status
        for claim, vals in by.items():
            cells = "".join(f"{vals.get(v, ''):>14}" for v in V)
            lines.append(f"{r.policy:<16}{claim:<25}{cells}{vals.get(None, ''):>14}")
    lines += ["", ("PASS: " if report.passed else "FAIL: ") + report.reason()]
    return "\n".join(lines)
