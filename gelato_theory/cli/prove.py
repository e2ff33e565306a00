"""``gelato prove`` (SPEC §5, §7): check every proof obligation and regenerate ``proofs/``.

Prints one row per obligation (and per planted wrong statement, which must be refuted), writes the
Markdown derivations atomically, and exits 1 when an obligation fails or a wrong statement is not
refuted. Without ``--out`` the documents go to a new folder ``gelato-proofs/`` (``gelato-proofs-2/``
... if that one holds files), so a default never overwrites anything. ``--check`` writes nothing,
compares with ``--out`` (default ``proofs/``), lists missing and stale documents and exits 1 if
there are any, and prints a one-line summary either way.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from gelato_theory.atomic import write_all
from gelato_theory.cli.common import Outputs
from gelato_theory.cli.plot import fresh_folder

DEFAULT_OUT = "gelato-proofs"
CHECK_DEFAULT = "proofs"

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
        "--out",
        default=None,
        metavar="DIR",
        help=f"folder of the Markdown documents (default: a new folder {DEFAULT_OUT}/; "
        f"with --check: {CHECK_DEFAULT}/)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the documents in --out differ from freshly generated ones",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.check:
        out = Path(args.out if args.out is not None else CHECK_DEFAULT)
    else:
        out = Outputs().folder(
            "--out", args.out if args.out is not None else fresh_folder(DEFAULT_OUT)
        )

    from gelato_theory.symbolic.render import render_documents

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
    stale = _stale(out, docs)
    summary = (
        f"{len(checked) - len(failed)} of {len(checked)} obligations hold, "
        f"{len(refuted) - len(unrefuted)} of {len(refuted)} wrong statements refuted"
    )
    if args.check:
        missing = [n for n in stale if n in docs and not (out / n).exists()]
        for name in stale:
            print(f"{'missing' if name in missing else 'stale'}: {out / name}")
        if stale:
            print(
                f"{summary}; {len(missing)} document(s) missing and {len(stale) - len(missing)} "
                f"stale in {out}: run `gelato prove --out {out}`"
            )
        else:
            print(f"{summary}; all {len(docs)} document(s) in {out} are up to date")
    else:
        writes = {out / n: docs[n].encode("utf-8") for n in stale if n in docs}
        write_all(writes)
        for name in stale:
            if name not in docs:
                (out / name).unlink()
        print(
            f"{summary}; wrote {len(writes)} of {len(docs)} document(s) to {out.resolve()}"
            if stale
            else f"{summary}; documents in {out.resolve()} are up to date"
        )
    bad = bool(failed or unrefuted or (args.check and stale))
    return EXIT_FAILED if bad else EXIT_OK


def registry():
    """The proof obligations (sympy loads here, not when the parser is built)."""
    from gelato_theory.symbolic import registry as obligations

    return obligations()


def wrong_statements():
    """The planted wrong statements that must be refuted."""
    from gelato_theory.symbolic import wrong_statements as planted

    return planted()


def run_all(obligations):
    from gelato_theory.symbolic import run_all as check

    return check(obligations)


def _stale(out: Path, docs: dict[str, str]) -> list[str]:
    """Documents that are missing or differ, and generated files no obligation produces any more."""
    from gelato_theory.symbolic.render import MARKER

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


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        t.rstrip() for t in [fmt.format(*header), line, *(fmt.format(*r) for r in rows)]
    )
