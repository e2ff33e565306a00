"""Per-trajectory random streams (SPEC §3: results depend only on (scenario, seed)).

Every trajectory owns a counter-based stream (:mod:`gelato_theory.executor.counter_rng`): the
uniform in column j of round t is SplitMix64 of the trajectory's stream key — a hash of
(root_seed, spawn key) — at counter t·width + j. Its numbers are therefore a function of
(root_seed, key, width) alone: the same key yields the same rounds whatever the batch size, the
other keys in the batch, their order, or the chunk size; and a compiled kernel evaluating single
columns on demand (:mod:`gelato_theory.executor.counter_kernels`) reads the very same numbers.

:class:`TrajectoryStreams` serves them row by row (``next() -> (B, width)``), evaluating chunks of
rounds at once; the chunk is capped so the buffer stays below ``max_bytes``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gelato_theory.executor.counter_rng import CounterStreams, stream_key

__all__ = ["TrajectoryStreams", "stream_key", "trajectory_generator"]


class TrajectoryStreams(CounterStreams):
    """Fixed-width uniform rows, one row per trajectory per round: ``next() -> (B, width)``."""

    def __init__(
        self,
        root_seed: int,
        keys: Sequence[Sequence[int]] | Sequence[int],
        width: int,
        chunk: int = 256,
        max_bytes: int = 16 * 2**20,
        compiled: bool | None = None,
    ) -> None:
        super().__init__(root_seed, keys, width, chunk, max_bytes, compiled)


def trajectory_generator(root_seed: int, key: Sequence[int]) -> np.random.Generator:
    """A NumPy ``Generator`` (PCG64) for spawn key ``key`` under ``root_seed``, for comparisons with
    the per-trajectory generator design (benchmarks); the engines use :class:`TrajectoryStreams`."""
    ss = np.random.SeedSequence(int(root_seed), spawn_key=tuple(int(k) for k in key))
    return np.random.Generator(np.random.PCG64(ss))
