"""The counter-based generator (SPEC §3): NumPy and numba agree bit for bit; numbers depend only on
(root seed, key, width, round, column)."""

from __future__ import annotations

import numpy as np
import pytest

from gelato_theory.executor.counter_rng import (
    CounterStreams,
    stream_key,
    stream_keys,
    uniform_rows,
    uniforms_at,
)

# SplitMix64 (Vigna) seeded with 0: its first outputs, a published reference sequence
SPLITMIX64_SEED0 = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def rows(s: CounterStreams, n: int) -> np.ndarray:
    return np.stack([s.next() for _ in range(n)], axis=1)  # (B, n, width)


def test_the_generator_is_splitmix64() -> None:
    got = uniforms_at(np.uint64(0), np.arange(3, dtype=np.uint64))
    want = [(z >> 11) * 2.0**-53 for z in SPLITMIX64_SEED0]
    assert got.tolist() == want


def test_numba_and_numpy_agree_bit_for_bit() -> None:
    from gelato_theory.executor.counter_kernels import fill_rows, fill_rows_parallel, uniform

    keys = stream_keys(12, [(s,) for s in range(37)] + [(3, 1), (2**40, 7)])
    ref = uniform_rows(keys, 1000, 5, 11)
    out = np.empty_like(ref)
    fill_rows(keys, 1000, 11, out)
    assert np.array_equal(out, ref)
    out[...] = 0
    fill_rows_parallel(keys, 1000, 11, out)
    assert np.array_equal(out, ref)
    assert uniform(keys[4], np.uint64(1000 * 11 + 3)) == ref[0, 4, 3]
    # a deliberately different rule (counter off by one) is caught
    fill_rows(keys, 1001, 11, out)
    assert not np.array_equal(out, ref)


def test_uniforms_are_in_the_unit_interval_and_look_uniform() -> None:
    u = uniform_rows(stream_keys(0, range(64)), 0, 200, 27).ravel()
    assert u.min() >= 0.0 and u.max() < 1.0
    n = u.size
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / n)
    hist = np.bincount((u * 20).astype(int), minlength=20)
    chi2 = ((hist - n / 20) ** 2 / (n / 20)).sum()
    assert chi2 < 60  # 19 dof: p ~ 1e-6
    # neighbouring streams and columns are uncorrelated
    x = uniform_rows(stream_keys(0, range(2)), 0, 20000, 2)
    assert abs(np.corrcoef(x[:, 0, 0], x[:, 1, 0])[0, 1]) < 0.04
    assert abs(np.corrcoef(x[:, 0, 0], x[:, 0, 1])[0, 1]) < 0.04


def test_keys_separate_streams() -> None:
    ks = {stream_key(0, k) for k in [(5,), (5, 0), (0, 5), (5, 1), (6,), 5]}
    assert len(ks) == 5  # 5 and (5,) are the same key
    assert stream_key(1, (5,)) != stream_key(0, (5,))
    with pytest.raises(ValueError, match="must be >= 0"):
        stream_key(0, (-1,))


@pytest.mark.parametrize("compiled", [False, True])
def test_streams_are_batch_and_chunk_invariant(compiled: bool) -> None:
    big = rows(CounterStreams(9, [(k,) for k in range(50)], 4, chunk=3, compiled=compiled), 7)
    small = rows(CounterStreams(9, [(31,), (2,), (17,)], 4, chunk=256, compiled=compiled), 7)
    assert np.array_equal(small[0], big[31])
    assert np.array_equal(small[1], big[2])
    assert np.array_equal(small[2], big[17])
    assert not np.array_equal(big[0], big[1])
    # round t of key k is the counter t·width + j, by random access
    want = uniforms_at(stream_key(9, (2,)), np.arange(7 * 4, dtype=np.uint64)).reshape(7, 4)
    assert np.array_equal(small[1], want)


def test_streams_memory_cap_and_bad_arguments() -> None:
    assert CounterStreams(3, range(4), width=5, max_bytes=1).chunk == 1
    assert CounterStreams(3, range(4), width=5, max_bytes=4 * 5 * 8 * 3).chunk == 3
    with pytest.raises(ValueError, match="width"):
        CounterStreams(0, [1], width=0)
    with pytest.raises(ValueError, match="keys"):
        CounterStreams(0, [], width=2)


def test_batch_keys_equal_single_keys() -> None:
    for keys in ([(s,) for s in range(40)] + [(2**62 + 3,)], [(s, 1) for s in range(9)], range(6)):
        want = [stream_key(4, k) for k in keys]
        assert stream_keys(4, keys).tolist() == want
        rows = np.array([(k,) if isinstance(k, int) else k for k in keys], dtype=np.int64)
        assert stream_keys(4, rows).tolist() == want  # an integer array: no Python pass
        assert stream_keys(4, rows.astype(np.uint64)).tolist() == want
    assert stream_keys(4, np.arange(6)).tolist() == [stream_key(4, k) for k in range(6)]
    mixed = [(1,), (1, 0), 2]
    assert stream_keys(4, mixed).tolist() == [stream_key(4, k) for k in mixed]
    huge = [(2**63 + 5,), (2**64 - 1,)]  # beyond int64: one key at a time
    assert stream_keys(4, huge).tolist() == [stream_key(4, k) for k in huge]
    assert stream_keys(4, np.array(huge, dtype=np.uint64)).tolist() == [
        stream_key(4, k) for k in huge
    ]
    assert stream_keys(4, np.zeros(0, dtype=np.int64)).shape == (0,)
    with pytest.raises(ValueError, match="must be >= 0"):
        stream_keys(4, [(1,), (-2,)])


def test_rows_are_read_only_and_stay_valid() -> None:
    s = CounterStreams(2, range(3), width=4, chunk=2)
    first = s.next()
    kept = first.copy()
    later = [s.next() for _ in range(5)]  # two chunk refills
    assert np.array_equal(first, kept)
    assert not np.array_equal(first, later[-1])
    with pytest.raises(ValueError, match="read-only"):
        first[0, 0] = 0.5
