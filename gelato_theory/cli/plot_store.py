"""``gelato plot --store STORE``: figures of a sweep store (SPEC §7; :mod:`gelato_theory.plots.sweep`).

The claim (``--claim``, default theorem2_backlog) along one axis (``--axis``, default the first)
with its bound, and with two or more axes the tightness and verdict maps over ``--heatmap X,Y``
(default the first two axes), for one policy (``--policy``, default the first) and, for the maps,
one V (``--V``, default the largest). Files are written all-or-nothing.
"""

from __future__ import annotations

import argparse

from gelato_theory.errors import ScenarioError

DEFAULT_CLAIM = "theorem2_backlog"


def add_store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store", default=None, metavar="FILE", help="plot a sweep store instead of a scenario"
    )
    p.add_argument(
        "--claim",
        default=DEFAULT_CLAIM,
        help=f"with --store: claim to plot (default {DEFAULT_CLAIM})",
    )
    p.add_argument(
        "--axis", default=None, help="with --store: the axis of the bound-vs-measurement figure"
    )
    p.add_argument(
        "--heatmap", default=None, metavar="X,Y", help="with --store: two axes of the maps"
    )


def run(args: argparse.Namespace) -> int:
    from gelato_theory.cli.common import parse_float_list
    from gelato_theory.plots.save import parse_formats, save_all
    from gelato_theory.plots.sweep import sweep_figures
    from gelato_theory.sweep.frames import load_results

    formats = parse_formats(args.format)
    heatmap = None
    if args.heatmap:
        parts = tuple(a.strip() for a in args.heatmap.split(","))
        if len(parts) != 2:
            raise ScenarioError("--heatmap", args.heatmap, "must be two axes 'X,Y'")
        heatmap = parts
    V = None
    if args.V is not None:
        values = parse_float_list("--V", args.V)
        if len(values) != 1:
            raise ScenarioError("--V", args.V, "with --store: one V value")
        V = values[0]
    policy = args.policy[0] if args.policy else None
    verdicts = load_results(args.store, "verdicts")
    figs = sweep_figures(verdicts, args.claim, args.axis, heatmap, policy, V)
    for path in save_all(figs, args.out, formats):
        print(f"wrote {path}")
    return 0
