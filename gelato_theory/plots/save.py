"""Render figures to bytes and write them all-or-nothing (SPEC §7): PNG (150 dpi), SVG, PDF."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path

from matplotlib.figure import Figure

from gelato_theory.atomic import write_all
from gelato_theory.errors import ScenarioError
from gelato_theory.plots.style import DPI, context

FORMATS = ("png", "svg", "pdf")
DEFAULT_FORMATS = ("png", "svg")
#: no timestamps in the files, so re-running gives byte-identical SVG/PDF
_METADATA = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}


def parse_formats(text: str) -> tuple[str, ...]:
    """'png,svg,pdf' -> ('png', 'svg', 'pdf'); anything else is a ScenarioError naming --format."""
    fmts = tuple(dict.fromkeys(t.strip().lower() for t in text.split(",") if t.strip()))
    bad = [f for f in fmts if f not in FORMATS]
    if not fmts or bad:
        raise ScenarioError(
            "--format", text, f"must be a comma-separated subset of {','.join(FORMATS)}"
        )
    return fmts


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG, SVG or PDF bytes."""
    buf = io.BytesIO()
    with context():
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=_METADATA[fmt])
    return buf.getvalue()


def render_all(
    figures: Mapping[str, Figure], out: str | Path, formats: Iterable[str] = DEFAULT_FORMATS
) -> dict[Path, bytes]:
    """{out/NAME.FMT: bytes} for every figure and format, rendered in memory."""
    out = Path(out)
    return {
        out / f"{name}.{fmt}": render(fig, fmt) for name, fig in figures.items() for fmt in formats
    }


def save_all(
    figures: Mapping[str, Figure], out: str | Path, formats: Iterable[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Render every figure, then write all files at once: an error leaves no file behind."""
    files = render_all(figures, out, formats)
    write_all(files)
    return list(files)
