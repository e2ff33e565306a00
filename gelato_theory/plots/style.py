"""Shared look of every figure (SPEC §7): font sizes >= 10 pt, 150 dpi, one colour per policy."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib as mpl
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DPI = 150
FIGSIZE = (7.0, 4.6)

RC: dict[RcKeyType, Any] = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "figure.titlesize": 12,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.framealpha": 0.9,
    "savefig.dpi": DPI,
    "svg.hashsalt": "gelato-theory",
    "svg.fonttype": "path",
}

#: colour and marker per policy; other policies get the next colour of the default cycle
POLICY_STYLE = {
    "gelato": ("tab:blue", "o"),
    "gelato-exact": ("tab:orange", "s"),
    "gelato-running": ("tab:green", "D"),
}
_CYCLE = ["tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:red"]

#: reference lines (bounds, optimum) are black/grey so that data stays in colour
BOUND = {"color": "black", "linewidth": 1.6}
REFERENCE: dict[str, Any] = {"color": "0.35", "linewidth": 1.3, "linestyle": "--"}

F = TypeVar("F", bound=Callable[..., Figure])


def policy_style(name: str, index: int = 0) -> tuple[str, str]:
    """(colour, marker) of a policy."""
    return POLICY_STYLE.get(name, (_CYCLE[index % len(_CYCLE)], "o"))


@contextlib.contextmanager
def context() -> Iterator[None]:
    """Matplotlib rc settings of the toolkit's figures (artists read them when they are created)."""
    with mpl.rc_context(RC):
        yield


def styled(fn: F) -> F:
    """Build the figure inside :func:`context`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with context():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(nrows: int = 1, figsize: tuple[float, float] = FIGSIZE, **kw) -> tuple[Figure, list]:
    """A pyplot-free figure (no global state, no display) and its axes as a list."""
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, 1, squeeze=False, **kw)[:, 0]
    return fig, list(axes)
