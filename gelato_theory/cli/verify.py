"""``gelato verify``: simulate, judge every claim, write reports (SPEC §6, §7).

Exit 0 when no claim fails (inconclusive claims do not fail a run), 1 when one does (the reason on
one line of stderr), 2 on bad input or a solver failure. Every output path is checked before the
run; all outputs are written together, all-or-nothing.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from gelato_theory.cli.common import (
    DEFAULT_POLICIES,
    Outputs,
    add_progress_arg,
    add_scenario_args,
    run_progress,
    scenario_from_args,
)

if TYPE_CHECKING:
    from gelato_theory.verification.engine import VerificationReport

REPORT_FILES = ("report.json", "report.md", "junit.xml")


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
    add_progress_arg(p)
    p.add_argument(
        "--engine",
        choices=("auto", "numpy", "compiled"),
        default="auto",
        help="simulation engine: compiled (numba) when it supports the run, else numpy (default: "
        "auto); both give the same numbers",
    )


def scenario_with_run_args(args: argparse.Namespace):
    """The scenario with --seeds/--horizon applied (validated like any scenario field)."""
    from gelato_theory.simulation.compiled import set_default_engine

    s = scenario_from_args(args)
    set_default_engine(getattr(args, "engine", "auto"))
    changes = {}
    if getattr(args, "seeds", None) is not None:
        changes["verification.seeds"] = args.seeds
    if getattr(args, "horizon", None) is not None:
        changes["verification.horizon"] = args.horizon
    return s.replace(**changes) if changes else s


def run_verification(args: argparse.Namespace) -> VerificationReport:
    from gelato_theory.verification.engine import verify

    s = scenario_with_run_args(args)
    names = tuple(args.policy or DEFAULT_POLICIES)
    bar = run_progress(args, len(names), s.verification.horizon)
    try:
        return verify(s, policy_names=names, progress=bar)
    finally:
        if bar:
            bar.close()


def run(args: argparse.Namespace) -> int:
    outputs = Outputs()
    out = outputs.folder("--out", args.out, REPORT_FILES)
    json_path = outputs.file("--json", args.json)
    junit_path = outputs.file("--junit", args.junit)
    md_path = outputs.file("--markdown", args.markdown)

    from gelato_theory.verification import report as views

    report = run_verification(args)
    print(render(report))
    if out is not None:
        outputs.files[out / "report.json"] = views.to_json_text(report)
        outputs.files[out / "report.md"] = views.to_markdown(report)
        outputs.files[out / "junit.xml"] = views.to_junit(report)
    if json_path is not None:
        outputs.files[json_path] = views.to_json_text(report)
    if junit_path is not None:
        outputs.files[junit_path] = views.to_junit(report)
    if md_path is not None:
        outputs.files[md_path] = views.to_markdown(report)
    outputs.write()
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
        by: dict[str, dict[float | None, str]] = {}
        for v in r.verdicts:
            by.setdefault(v.claim, {})[v.V] = v.status
        for claim, vals in by.items():
            cells = "".join(f"{vals.get(v, ''):>14}" for v in V)
            lines.append(f"{r.policy:<16}{claim:<25}{cells}{vals.get(None, ''):>14}")
    lines += [f"note: {n}" for n in getattr(report, "notes", [])]
    lines += ["", ("PASS: " if report.passed else "FAIL: ") + report.reason()]
    return "\n".join(lines)
