"""``gelato results STORE``: a sweep store as CSV, Parquet or JSON (SPEC §7).

One row per cell x seed (``--kind seeds``, the default), per grid point x policy x claim x V
(``--kind verdicts``) or per cell (``--kind cells``); see :func:`gelato_theory.sweep.load_results`.
CSV and JSON go to stdout unless ``--out`` is given; Parquet needs ``--out``. Files are written
atomically. Exit 2 when the store is missing, corrupted or not a sweep store.
"""

from __future__ import annotations

import argparse
import io
import sys

from gelato_theory.errors import ScenarioError

FORMATS = ("csv", "parquet", "json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("results", help="export a sweep store as CSV, Parquet or JSON")
    p.add_argument("store", metavar="STORE", help="SQLite store written by gelato sweep")
    p.add_argument("--format", default="csv", help="csv, parquet or json (default: csv)")
    p.add_argument(
        "--kind", default="seeds", help="seeds (default), verdicts or cells: what one row is"
    )
    p.add_argument("--out", default=None, metavar="FILE", help="write to FILE (default: stdout)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gelato_theory.atomic import write_atomic
    from gelato_theory.sweep.frames import KINDS, load_results

    if args.format not in FORMATS:
        raise ScenarioError("--format", args.format, f"must be one of {', '.join(FORMATS)}")
    if args.kind not in KINDS:
        raise ScenarioError("--kind", args.kind, f"must be one of {', '.join(KINDS)}")
    if args.format == "parquet" and args.out is None:
        raise ScenarioError("--out", None, "is required with --format parquet (binary output)")
    df = load_results(args.store, args.kind)
    if args.format == "csv":
        data: str | bytes = df.to_csv(index=False)
    elif args.format == "json":
        data = df.to_json(orient="records", indent=1) + "\n"
    else:
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        data = buf.getvalue()
    if args.out is None:
        assert isinstance(data, str)  # parquet (bytes) requires --out, checked above
        sys.stdout.write(data)
    else:
        write_atomic(args.out, data)
        print(f"wrote {args.out} ({len(df)} rows)", file=sys.stderr)
    return 0
