"""Per-trajectory random streams (SPEC §3): a trajectory's numbers depend only on (seed, key)."""

from __future__ import annotations

import numpy as np
import pytest

from gelato_theory.executor import TrajectoryStreams
from gelato_theory.executor.counter_rng import stream_key, uniforms_at


def rows(streams: TrajectoryStreams, n: int) -> np.ndarray:
    return np.stack([streams.next() for _ in range(n)], axis=1)  # (B, n, width)


def test_chunk_size_does_not_change_the_numbers() -> None:
    a = rows(TrajectoryStreams(3, range(5), width=7, chunk=1), 10)
    b = rows(TrajectoryStreams(3, range(5), width=7, chunk=3), 10)
    c = rows(TrajectoryStreams(3, range(5), width=7, chunk=256), 10)
    assert np.array_equal(a, b) and np.array_equal(a, c)


def test_batch_composition_and_order_do_not_matter() -> None:
    big = rows(TrajectoryStreams(9, [(k,) for k in range(50)], width=4), 6)
    small = rows(TrajectoryStreams(9, [(31,), (2,), (17,)], width=4), 6)
    assert np.array_equal(small[0], big[31])
    assert np.array_equal(small[1], big[2])
    assert np.array_equal(small[2], big[17])
    assert not np.array_equal(big[0], big[1])


def test_stream_is_the_counter_generator() -> None:
    got = rows(TrajectoryStreams(5, [(4, 2)], width=3, chunk=2), 5)[0]
    want = uniforms_at(stream_key(5, (4, 2)), np.arange(15, dtype=np.uint64)).reshape(5, 3)
    assert np.array_equal(got, want)
    assert np.array_equal(
        rows(TrajectoryStreams(5, [7], width=3), 2)[0],
        uniforms_at(stream_key(5, (7,)), np.arange(6, dtype=np.uint64)).reshape(2, 3),
    )
    assert not np.array_equal(rows(TrajectoryStreams(6, [7], width=3), 2)[0], want[:2])


def test_memory_cap_shrinks_the_chunk_only() -> None:
    s = TrajectoryStreams(1, range(100), width=10, chunk=256, max_bytes=100 * 10 * 8 * 3)
    assert s.chunk == 3
    assert np.array_equal(rows(s, 7), rows(TrajectoryStreams(1, range(100), 10), 7))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="width"):
        TrajectoryStreams(0, [1], width=0)
    with pytest.raises(ValueError, match="keys"):
        TrajectoryStreams(0, [], width=2)
