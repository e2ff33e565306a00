"""``gelato verify``: simulate, judge every claim, write reports (SPEC §6, §7).

Exit 0 when no claim fails (inconclusive claims do not fail a run), 1 when one does (the reason on
one line of stderr), 2 on bad input or a solver failure. Every output path is checked before the
run; all outputs are written together, all-or-nothing.

Without --preset, --scenario or --V it runs the *default run*: the ``default`` preset, then
``exit-heavy``, on which the exact controller takes early exits, so that defects visible only when
round energy is random (a queue fed the expected cost, a mis-weighted inner rule) are caught too.
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

#: the presets of ``gelato verify`` without a scenario option (see the module docstring)
DEFAULT_RUN = ("default", "exit-heavy")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="verify every claim of a scenario (default: the built-in default run, presets "
        + " and ".join(DEFAULT_RUN)
        + ")",
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


def scenario_with_run_args(args: argparse.Namespace, s=None):
    """The scenario (``s``, default: the one the arguments choose) with --seeds/--horizon applied
    (validated like any scenario field)."""
    from gelato_theory.simulation.compiled import set_default_engine

    s = scenario_from_args(args) if s is None else s
    set_default_engine(getattr(args, "engine", "auto"))
    changes = {}
    if getattr(args, "seeds", None) is not None:
        changes["verification.seeds"] = args.seeds
    if getattr(args, "horizon", None) is not None:
        changes["verification.horizon"] = args.horizon
    return s.replace(**changes) if changes else s


def run_verification(args: argparse.Namespace) -> VerificationReport:
    """The report of the one scenario chosen by the arguments (plot, and each scenario of verify)."""
    return _verify(scenario_with_run_args(args), args)


def _verify(s, args: argparse.Namespace) -> VerificationReport:
    from gelato_theory.verification.engine import verify

    names = tuple(args.policy or DEFAULT_POLICIES)
    bar = run_progress(args, len(names), s.verification.horizon, label=s.name)
    try:
        return verify(s, policy_names=names, progress=bar)
    finally:
        if bar:
            bar.close()


def run_scenarios(args: argparse.Namespace) -> list:
    """The scenarios of one ``gelato verify``: the chosen one, or the default run's presets (each
    with --seeds/--horizon applied, validated before any simulation)."""
    if args.scenario or args.preset or getattr(args, "V", None) is not None:
        return [scenario_with_run_args(args)]
    from gelato_theory.scenario import preset

    return [scenario_with_run_args(args, preset(name)) for name in DEFAULT_RUN]


def run(args: argparse.Namespace) -> int:
    outputs = Outputs()
    out = outputs.folder("--out", args.out, REPORT_FILES)
    json_path = outputs.file("--json", args.json)
    junit_path = outputs.file("--junit", args.junit)
    md_path = outputs.file("--markdown", args.markdown)

    from gelato_theory.verification import report as views

    reports = [_verify(s, args) for s in run_scenarios(args)]
    print("\n\n".join(render(r) for r in reports))
    if len(reports) > 1:
        passed = all(r.passed for r in reports)
        print(f"\ndefault run ({', '.join(DEFAULT_RUN)}): {'PASS' if passed else 'FAIL'}")
    if out is not None:
        outputs.files[out / "report.json"] = views.run_to_json_text(reports)
        outputs.files[out / "report.md"] = views.run_to_markdown(reports)
        outputs.files[out / "junit.xml"] = views.run_to_junit(reports)
    if json_path is not None:
        outputs.files[json_path] = views.run_to_json_text(reports)
    if junit_path is not None:
        outputs.files[junit_path] = views.run_to_junit(reports)
    if md_path is not None:
        outputs.files[md_path] = views.run_to_markdown(reports)
    outputs.write()
    if not all(r.passed for r in reports):
        print(f"gelato verify: FAIL: {views.run_reason(reports)}", file=sys.stderr)
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
