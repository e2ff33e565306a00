"""``gelato prove`` (SPEC §5, §7): check every proof obligation and regenerate ``proofs/``.

Prints one row per obligation (and per planted wrong statement, which must be refuted), writes the
Markdown derivations atomically, and exits 1 when an obligation fails or a wrong statement is not
refuted. ``--check`` writes nothing and exits 1 when the documents in ``--out`` are stale.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gelato_theory.cli.common import write_atomic
from gelato_theory.symbolic import registry, run_all, wrong_statements
from gelato_theory.symbolic.render import MARKER, render_documents

EXIT_OK, EXIT_FAILED = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "prove",
        help="check every proof obligation and regenerate the proofs/ documents",
        description="Check every proof obligation of SPEC §5 with sympy (numeric sampling where "
        "sympy cannot decide a step), show that planted wrong statements are refuted, and "
        "regenerate one Markdown derivation per result.",
    )
    p.add_argument(
        "--out", default="proofs", help="folder of the Markdown documents (default: proofs/)"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the documents in --out differ from freshly generated ones",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    obligations, wrong = registry(), wrong_statements()
    checked = list(zip(obligations, run_all(obligations), strict=True))
    refuted = list(zip(wrong, run_all(w.obligation for w in wrong), strict=True))
    rows = [(ob.name, res.method, "passed" if res.passed else "FAILED") for ob, res in checked]
    print(_table(("obligation", "method", "result"), rows))
    print()
    rows = [
        (w.name, w.obligation.name, "refuted" if not res.passed else "NOT REFUTED")
        for w, res in refuted
    ]
    print(_table(("planted wrong statement", "obligation", "result"), rows))
    failed = [res for _, res in checked if not res.passed]
    for res in failed:
        print(f"FAILED {res.name}: {res.detail}")
    unrefuted = [w for w, res in refuted if res.passed]
    for w in unrefuted:
        print(f"NOT REFUTED {w.name}: {w.description}")

    docs = render_documents(checked, refuted)
    out = Path(args.out)
    stale = _stale(out, docs)
    if args.check:
        for name in stale:
            print(f"stale: {out / name}")
        if stale:
            print(f"{len(stale)} document(s) in {out} are stale; run `gelato prove --out {out}`")
    else:
        for name in stale:
            if name in docs:
                write_atomic(out / name, docs[name].encode("utf-8"))
            else:
                (out / name).unlink()
        print(
            f"wrote {len(stale)} of {len(docs)} document(s) to {out}"
            if stale
            else f"documents in {out} are up to date"
        )
    bad = bool(failed or unrefuted or (args.check and stale))
    return EXIT_FAILED if bad else EXIT_OK


def _stale(out: Path, docs: dict[str, str]) -> list[str]:
    """Documents that are missing or differ, and generated files no obligation produces any more."""
    names = [n for n, text in docs.items() if _read(out / n) != text]
    if out.is_dir():
        names += sorted(
            p.name
            for p in out.glob("*.md")
            if p.name not in docs and (_read(p) or "").startswith(MARKER)
        )
    return names


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        t.rstrip() for t in [fmt.format(*header), line, *(fmt.format(*r) for r in rows)]
    )
