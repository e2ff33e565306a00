"""Per-trajectory random streams (SPEC §3: results depend only on (scenario, seed)).

Every trajectory owns a ``numpy.random.Generator`` (PCG64) seeded by
``SeedSequence(root_seed, spawn_key=key)`` — the same child a ``SeedSequence(root_seed).spawn``
tree gives at that key — and consumes exactly ``width`` uniforms in [0, 1) per round. Its numbers
are therefore a function of (root_seed, key, width) alone: the same key yields the same rounds
whatever the batch size, the other keys in the batch, their order, or the chunk size.

Uniforms are drawn in chunks of many rounds (one Python call per trajectory per chunk, not per
round) and served row by row; the chunk is capped so the buffer stays below ``max_bytes``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["TrajectoryStreams", "trajectory_generator"]


def trajectory_generator(root_seed: int, key: Sequence[int]) -> np.random.Generator:
    """The generator of the trajectory with spawn key ``key`` under ``root_seed``."""
    ss = np.random.SeedSequence(int(root_seed), spawn_key=tuple(int(k) for k in key))
    return np.random.Generator(np.random.PCG64(ss))


class TrajectoryStreams:
    """Fixed-width uniform rows, one row per trajectory per round: ``next() -> (B, width)``."""

    def __init__(
        self,
        root_seed: int,
        keys: Sequence[Sequence[int]] | Sequence[int],
        width: int,
        chunk: int = 256,
        max_bytes: int = 16 * 2**20,
    ) -> None:
        if width < 1:
            raise ValueError(f"width = {width!r}: must be >= 1 uniforms per round")
        norm = [tuple(k) if isinstance(k, (tuple, list)) else (int(k),) for k in keys]
        if not norm:
            raise ValueError("keys = []: need at least one trajectory key")
        self.keys = norm
        self.width = int(width)
        per_round = len(norm) * self.width * 8
        self.chunk = max(1, min(int(chunk), max_bytes // per_round))
        self._gens = [trajectory_generator(root_seed, k) for k in norm]
        self._tmp = np.empty((self.chunk, self.width))
        self._buf = np.empty((self.chunk, len(norm), self.width))  # round-major: rows contiguous
        self._pos = self.chunk

    @property
    def batch(self) -> int:
        return len(self.keys)

    def next(self) -> np.ndarray:
        """The next round's uniforms, shape (B, width) (a fresh array)."""
        if self._pos == self.chunk:
            for b, g in enumerate(self._gens):
                g.random(out=self._tmp)
                self._buf[:, b, :] = self._tmp
            self._pos = 0
        row = self._buf[self._pos].copy()
        self._pos += 1
        return row
