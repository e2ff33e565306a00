"""Timing helpers shared by the benchmarks (wall-clock, best of several runs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")


def timed(fn: Callable[[], R]) -> tuple[float, R]:
    """Seconds one call of ``fn`` takes, and its result."""
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def best_of(fn: Callable[[], R], repeat: int = 5) -> tuple[float, R]:
    """The shortest of ``repeat`` timed calls (the machine may be shared), and the last result."""
    best, out = timed(fn)
    for _ in range(repeat - 1):
        t, out = timed(fn)
        best = min(best, t)
    return best, out
