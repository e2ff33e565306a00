"""``gelato sweep SPEC.toml``: run a grid of scenarios x policies x V x seeds as Dask tasks into a
resumable SQLite store (SPEC §7; :mod:`gelato_theory.sweep`).

Exit 0 when every cell is in the store and no claim failed, 1 when a claim failed or some cells
could not be computed (run the same command again to compute only those), 2 on bad input (the spec,
any of its cells, or a store file that is not a sweep store), 130 when interrupted (the finished
cells are kept; the same command resumes).
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="run a sweep spec (scenario grid x policies x V x seeds) on Dask, resumable"
    )
    p.add_argument("spec", metavar="SPEC.toml", help="sweep specification (TOML)")
    p.add_argument(
        "--store",
        default="results.sqlite",
        metavar="FILE",
        help="SQLite store; finished cells in it are not recomputed (default: results.sqlite)",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the local Dask cluster (default: one per core; 0: no Dask, "
        "run in this process)",
    )
    g.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="use an existing Dask scheduler"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gelato_theory.sweep.run import run_sweep
    from gelato_theory.sweep.spec import load_spec

    spec = load_spec(args.spec)
    try:
        out = run_sweep(
            spec,
            args.store,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.no_progress,
            echo=lambda msg: print(msg, flush=True),
        )
    except KeyboardInterrupt:
        print(
            f"gelato sweep: interrupted; finished cells are kept in {args.store}; "
            "run the same command to resume",
            file=sys.stderr,
        )
        return 130
    print(out.summary())
    for line in out.failures[:10]:
        print(f"  {line}", file=sys.stderr)
    if out.failures:
        print(
            f"gelato sweep: FAIL: {len(out.failures)} task(s) failed; run the same command to "
            "compute only the missing cells",
            file=sys.stderr,
        )
        return 1
    if out.statuses.get("fail"):
        print(f"gelato sweep: FAIL: {out.statuses['fail']} verdict(s) fail", file=sys.stderr)
        return 1
    return 0
