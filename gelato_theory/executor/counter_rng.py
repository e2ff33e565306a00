"""A counter-based uniform generator (SPEC §3): u = f(stream key, round t, column j), random access.

Each trajectory's stream key is a 64-bit hash of (root seed, spawn key). The uniform in column j of
round t is SplitMix64 evaluated at counter n = t·width + j of that stream:

    x = key + (n + 1)·0x9E3779B97F4A7C15 (mod 2^64),   z = mix64(x),   u = (z >> 11)·2^-53 in [0, 1)

(mix64 is Stafford's variant-13 finalizer, the SplitMix64 output function; the sequence passes
BigCrush). A number depends on (root seed, key, width, t, j) only: no state, no order of draws, so a
round may draw just the columns it uses, any batch gives the same numbers, and the same integer
arithmetic evaluated by NumPy (vectorized over a batch) and by a numba kernel agrees bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "CounterStreams",
    "GOLDEN",
    "stream_key",
    "stream_keys",
    "uniform_rows",
    "uniforms_at",
]

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_SCALE = 2.0**-53


def _mix64_int(z: int) -> int:
    """mix64 on a Python int (exact 64-bit arithmetic), for key derivation."""
    z = ((z ^ (z >> 30)) * _C1) & MASK
    z = ((z ^ (z >> 27)) * _C2) & MASK
    return z ^ (z >> 31)


def stream_key(root_seed: int, key: Sequence[int] | int) -> int:
    """The 64-bit stream key of the trajectory with spawn key ``key`` under ``root_seed``.

    A chained hash: h = mix64(root + G), then h = mix64(h ^ mix64(k + G·(i+2))) per key entry i, so
    (5,), (5, 0) and (0, 5) are different streams.
    """
    parts = (int(key),) if isinstance(key, (int, np.integer)) else tuple(int(k) for k in key)
    if int(root_seed) < 0 or any(k < 0 for k in parts):
        raise ValueError(f"root_seed = {root_seed!r}, key = {parts!r}: must be >= 0")
    h = _mix64_int((int(root_seed) + GOLDEN) & MASK)
    for i, k in enumerate(parts):
        h = _mix64_int(h ^ _mix64_int((k + GOLDEN * (i + 2)) & MASK))
    return h


def stream_keys(
    root_seed: int, keys: Sequence[Sequence[int]] | Sequence[int] | np.ndarray
) -> np.ndarray:
    """Stream keys (B,) uint64 of a batch of spawn keys (:func:`stream_key` of each, vectorized
    over keys of one length). An integer array is read as is: (B,) one-entry keys or (B, L) rows,
    without a Python pass over the batch."""
    if isinstance(keys, np.ndarray) and keys.dtype.kind in "iu" and keys.ndim in (1, 2):
        negative = keys.dtype.kind == "i" and bool((keys < 0).any())
        table = (keys[:, None] if keys.ndim == 1 else keys).astype(np.uint64)
    else:
        parts = [
            (int(k),) if isinstance(k, (int, np.integer)) else tuple(int(x) for x in k)
            for k in keys
        ]
        if len({len(p) for p in parts}) > 1:  # mixed lengths: one key at a time
            return np.array([stream_key(root_seed, k) for k in parts], dtype=np.uint64)
        negative = any(x < 0 for p in parts for x in p)
        width = len(parts[0]) if parts else 1
        # entries mod 2^64, as stream_key reads them
        table = np.array([[x & MASK for x in p] for p in parts], dtype=np.uint64)
        table = table.reshape(len(parts), width)
    if int(root_seed) < 0 or negative:
        raise ValueError(f"root_seed = {root_seed!r}, keys: must be >= 0")
    h = np.full(table.shape[0], _mix64_int((int(root_seed) + GOLDEN) & MASK), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(table.shape[1]):
            k = table[:, i] + np.uint64((GOLDEN * (i + 2)) & MASK)
            h = _mix64(h ^ _mix64(k))
    return h


def _mix64(z: np.ndarray) -> np.ndarray:
    """mix64 in place on a uint64 array (wrapping arithmetic); returns it."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(_C1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(_C2)
    z ^= z >> np.uint64(31)
    return z


def uniforms_at(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Uniforms for stream keys and counters n (broadcast together, uint64-compatible), float64."""
    k = np.asarray(keys, dtype=np.uint64)
    n = np.asarray(counters, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = k + (n + np.uint64(1)) * np.uint64(GOLDEN)
        z = _mix64(np.array(z, dtype=np.uint64, copy=True))
    z >>= np.uint64(11)
    out = z.astype(np.float64)
    out *= _SCALE
    return out


def uniform_rows(keys: np.ndarray, t0: int, rounds: int, width: int) -> np.ndarray:
    """Uniforms of rounds t0..t0+rounds-1, every column: shape (rounds, B, width), float64."""
    n = (np.arange(t0, t0 + rounds, dtype=np.uint64)[:, None] * np.uint64(width)) + np.arange(
        width, dtype=np.uint64
    )
    return uniforms_at(np.asarray(keys, dtype=np.uint64)[None, :, None], n[:, None, :])


class CounterStreams:
    """Fixed-width uniform rows from the counter generator: ``next() -> (B, width)``, round t = 0, 1, …

    Row t of trajectory b is ``uniforms_at(stream_key(root_seed, keys[b]), t·width + 0..width-1)``.
    Rounds are evaluated in chunks (by the numba fill when numba is importable, else by NumPy: the
    same bits); the chunk is capped so the buffer stays below ``max_bytes``.
    """

    def __init__(
        self,
        root_seed: int,
        keys: Sequence[Sequence[int]] | Sequence[int],
        width: int,
        chunk: int = 32,
        max_bytes: int = 16 * 2**20,
        compiled: bool | None = None,
    ) -> None:
        if width < 1:
            raise ValueError(f"width = {width!r}: must be >= 1 uniforms per round")
        norm = [tuple(k) if isinstance(k, Sequence) else (int(k),) for k in keys]
        if not norm:
            raise ValueError("keys = []: need at least one trajectory key")
        self.keys = norm
        self.width = int(width)
        self.stream_keys = stream_keys(root_seed, norm)
        per_round = len(norm) * self.width * 8
        self.chunk = max(1, min(int(chunk), max_bytes // per_round))
        self._fill = _compiled_fill() if compiled is None or compiled else None
        if compiled and self._fill is None:
            raise ImportError("numba is not importable: use compiled=None or False")
        self._buf = np.empty((0, len(norm), self.width))
        self._t = 0  # next round to serve
        self._pos = self.chunk

    @property
    def batch(self) -> int:
        return len(self.keys)

    def next(self) -> np.ndarray:
        """The next round's uniforms, shape (B, width): a read-only view into a chunk buffer that
        is never reused (each chunk gets a fresh one), so a row stays valid as long as it is held."""
        if self._pos == self.chunk:
            t0 = self._t
            buf = np.empty((self.chunk, self.batch, self.width))
            if self._fill is not None:
                self._fill(self.stream_keys, t0, self.width, buf)
            else:
                buf[...] = uniform_rows(self.stream_keys, t0, self.chunk, self.width)
            buf.flags.writeable = False
            self._buf = buf
            self._pos = 0
        row = self._buf[self._pos]
        self._pos += 1
        self._t += 1
        return row


def _compiled_fill():
    """The numba row filler, or None when numba cannot be imported."""
    try:
        from gelato_theory.executor.counter_kernels import fill_rows
    except ImportError:  # pragma: no cover - numba is a core dependency
        return None
    return fill_rows
