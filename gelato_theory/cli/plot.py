"""``gelato plot``: run a verification and write the bound-vs-empirical figures (SPEC §1, §7).

Figures (stable names, one file per format): gap_vs_V, backlog_vs_V, tradeoff, queue_trajectories,
per_second_throughput. For a per-round scenario the tokens/s figure comes from a second run on its
per-second companion (:func:`gelato_theory.plots.per_second.per_second_variant`). All files are
rendered in memory first and written together: a failure writes none. Exit 0 when the figures are
written (claim verdicts are summarized on stdout; ``gelato verify`` judges them), 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gelato_theory.cli import plot_store
from gelato_theory.cli.common import Outputs, add_scenario_args
from gelato_theory.cli.verify import add_run_args, run_verification

if TYPE_CHECKING:
    from gelato_theory.verification.engine import VerificationReport

#: equal to gelato_theory.plots.save.DEFAULT_FORMATS (tested); kept here so --help loads no matplotlib
DEFAULT_FORMATS = ("png", "svg")
DEFAULT_OUT = "gelato-figures"


def fresh_folder(base: str) -> Path:
    """``base`` if it does not exist or is empty, else the first free ``base-2``, ``base-3``, ...:
    a default output folder never overwrites files that are already there."""
    p = Path(base)
    i = 1
    while p.exists() and (not p.is_dir() or any(p.iterdir())):
        i += 1
        p = Path(f"{base}-{i}")
    return p


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="verify a scenario and write bound-vs-empirical figures")
    add_scenario_args(p)
    add_run_args(p)
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"output folder (default: a new folder {DEFAULT_OUT}/ in the current folder, "
        f"{DEFAULT_OUT}-2/ etc. if that one holds files)",
    )
    p.add_argument(
        "--format",
        default=",".join(DEFAULT_FORMATS),
        help="comma-separated formats among png, svg, pdf (default: png,svg)",
    )
    plot_store.add_store_args(p)
    p.set_defaults(func=run)


def per_second_report(report: VerificationReport, progress=False) -> VerificationReport:
    """The report itself if per-second, else a run of its per-second companion (same seeds, T)."""
    from gelato_theory.plots.per_second import PER_SECOND_POLICIES, per_second_variant
    from gelato_theory.verification.engine import verify

    if report.problem.kind == "per_second":
        return report
    variant = per_second_variant(report.scenario, report.problem)
    return verify(
        variant,
        policy_names=PER_SECOND_POLICIES,
        seeds=report.settings["seeds"],
        horizon=report.settings["horizon"],
        progress=progress,
    )


def run(args: argparse.Namespace) -> int:
    if args.store is not None:
        return plot_store.run(args)
    from gelato_theory.plots import figures
    from gelato_theory.plots.save import parse_formats, save_all
    from gelato_theory.plots.traces import detail_traces

    formats = parse_formats(args.format)
    out = Outputs().folder("--out", args.out if args.out is not None else fresh_folder(DEFAULT_OUT))
    report = run_verification(args)
    progress = not args.no_progress and sys.stderr.isatty()
    ps = per_second_report(report, progress)
    traced = figures.trace_policy(report)
    V = [float(traced.simulation.V[i]) for i in figures.trace_indices(traced.simulation.V)]
    detail = detail_traces(report, traced.policy, V)
    figs = figures.all_figures(report, ps, detail)
    paths = save_all(figs, out, formats)
    print(f"scenario {report.scenario.name}: {report.reason()}")
    if ps is not report:
        print(
            f"tokens/s figure: per-second companion with power budget "
            f"{ps.scenario.objective.power_budget_w:.4g} W: {ps.reason()}"
        )
    for path in paths:
        print(f"wrote {path}")
    return 0
