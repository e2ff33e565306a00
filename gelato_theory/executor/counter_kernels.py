"""numba versions of the counter-based generator of :mod:`gelato_theory.executor.counter_rng`.

Same integer arithmetic, so the same bits: ``uniform(key, n)`` is the uniform at counter n of the
stream with key ``key``; ``fill_rows`` writes whole rounds for a batch (what the array engine reads).
Imported lazily (numba is heavy); compiled once and cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from gelato_theory.executor.counter_rng import _C1, _C2, GOLDEN

_G = np.uint64(GOLDEN)
_M1 = np.uint64(_C1)
_M2 = np.uint64(_C2)
_ONE = np.uint64(1)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_SCALE = 2.0**-53


@njit(cache=True, inline="always")
def uniform(key: np.uint64, n: np.uint64) -> float:
    """SplitMix64 at counter n of stream ``key``: (mix64(key + (n+1)·G) >> 11)·2^-53."""
    z = key + (n + _ONE) * _G
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return float(np.int64(z >> _S11)) * _SCALE  # < 2^53: exact as a signed conversion


@njit(cache=True, parallel=False)
def fill_rows(keys: np.ndarray, t0: int, width: int, out: np.ndarray) -> None:
    """out[r, b, j] = uniform(keys[b], (t0 + r)·width + j) for out of shape (R, B, width)."""
    R, B, W = out.shape
    w = np.uint64(width)
    for r in range(R):
        base = np.uint64(t0 + r) * w
        for b in range(B):
            k = keys[b]
            for j in range(W):
                out[r, b, j] = uniform(k, base + np.uint64(j))


@njit(cache=True, parallel=True)
def fill_rows_parallel(keys: np.ndarray, t0: int, width: int, out: np.ndarray) -> None:
    """:func:`fill_rows` with the batch split across threads (same numbers)."""
    R, B, W = out.shape
    w = np.uint64(width)
    for b in prange(B):
        k = keys[b]
        for r in range(R):
            base = np.uint64(t0 + r) * w
            for j in range(W):
                out[r, b, j] = uniform(k, base + np.uint64(j))
