"""Speculative sampling (SPEC §3): exact output law, alias tables, and a goodness-of-fit test that
passes for the real sampler and fails for broken ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gelato_theory.executor.sampling import (
    AliasSampler,
    inverse_cdf,
    output_law,
    residual,
    speculative_verify,
)

# ---------------------------------------------------------------- distributions drawn by Hypothesis


@st.composite
def distribution_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A batch of (p, q) pairs over one vocabulary, including the edge cases of the issue."""
    V = draw(st.integers(1, 12))
    weight = st.one_of(st.just(0.0), st.floats(1e-300, 1e-12), st.floats(1e-6, 1.0), st.just(1.0))

    def dist() -> np.ndarray:
        w = np.array(draw(st.lists(weight, min_size=V, max_size=V)))
        if w.sum() == 0:
            w[draw(st.integers(0, V - 1))] = 1.0
        return w / w.sum()

    def one_hot() -> np.ndarray:
        e = np.zeros(V)
        e[draw(st.integers(0, V - 1))] = 1.0
        return e

    pairs = []
    for kind in draw(
        st.lists(st.sampled_from(["free", "equal", "disjoint", "onehot"]), min_size=1, max_size=8)
    ):
        p = dist()
        if kind == "equal":
            q = p.copy()
        elif kind == "disjoint" and V >= 2:
            cut = draw(st.integers(1, V - 1))
            p = np.where(np.arange(V) < cut, p + 1e-3, 0.0)
            q = np.where(np.arange(V) >= cut, dist() + 1e-3, 0.0)
            p, q = p / p.sum(), q / q.sum()
        elif kind == "onehot":
            p, q = (one_hot(), dist()) if draw(st.booleans()) else (dist(), one_hot())
        else:
            q = dist()
        pairs.append((p, q))
    return np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])


@settings(deadline=None)
@given(distribution_pairs())
def test_output_law_equals_target(pq: tuple[np.ndarray, np.ndarray]) -> None:
    """min(p, q) + (1 - beta)·norm(max(p - q, 0)) = p, for every pair in the batch at once."""
    p, q = pq
    law = output_law(p, q)
    np.testing.assert_allclose(law, p, rtol=0, atol=1e-12)
    r = residual(p, q)
    assert np.all(r >= 0)
    np.testing.assert_allclose(r.sum(axis=1), 1.0, atol=1e-12)


def alias_law(s: AliasSampler) -> np.ndarray:
    """The exact law an alias table implements over columns 0..V-1, rows (R, V).

    (The guard column V is reached only when u·V rounds up to V, probability <= 2^-53.)
    """
    R, V = s.prob.shape[0], s.V
    law = np.zeros((R, V))
    for r in range(R):
        law[r] += s.prob[r, :V]
        np.add.at(law[r], s.alias[r, :V], 1.0 - s.prob[r, :V])
    return law / V


@settings(deadline=None)
@given(distribution_pairs())
def test_alias_tables_are_exact(pq: tuple[np.ndarray, np.ndarray]) -> None:
    """The synthetic pair's samplers: the table's implied law equals the distribution, and a
    zero-mass token is never returned."""
    p, _ = pq
    s = AliasSampler(p)
    np.testing.assert_allclose(alias_law(s), p, rtol=0, atol=1e-12)
    rows = np.arange(p.shape[0])[:, None]
    assert not np.any((s.prob[:, : s.V] > 0) & (p == 0))
    assert np.all(p[rows, s.alias] > 0)


def test_inverse_cdf_never_returns_zero_mass() -> None:
    p = np.array([[0.0, 0.5, 0.0, 0.5, 0.0]])
    u = np.array([0.0, 0.25, 0.5 - 1e-17, 0.5, 1 - 2**-53])
    x = inverse_cdf(np.repeat(p, u.size, axis=0), u)
    assert set(x.tolist()) <= {1, 3}


# ---------------------------------------------------------------- goodness of fit


def tv_tolerance(p: np.ndarray, n: int, delta: float = 1e-6) -> float:
    """Upper (1 - delta) bound on TV(empirical, p) for n i.i.d. samples from p.

    E[TV] <= sum_x sqrt(p_x (1 - p_x) / n) / 2, and TV changes by at most 1/n per sample, so
    McDiarmid adds sqrt(ln(1/delta) / (2n)).
    """
    return float(np.sqrt(p * (1 - p) / n).sum() / 2 + np.sqrt(np.log(1 / delta) / (2 * n)))


def fits(samples: np.ndarray, p: np.ndarray) -> bool:
    """Goodness-of-fit: the empirical law is within the sample-size tolerance of p in TV."""
    emp = np.bincount(samples, minlength=p.size) / samples.size
    return 0.5 * np.abs(emp - p).sum() <= tv_tolerance(p, samples.size)


P = np.array([0.30, 0.25, 0.15, 0.10, 0.08, 0.06, 0.04, 0.02])
Q = np.array([0.05, 0.10, 0.30, 0.05, 0.25, 0.05, 0.15, 0.05])
N_SAMPLES = 200_000


def one_position(u: np.ndarray, res_rows: np.ndarray, accept_always: bool = False) -> np.ndarray:
    """Speculative sampling at one position written out, with a pluggable residual."""
    n = u.shape[0]
    x = inverse_cdf(np.broadcast_to(Q, (n, Q.size)), u[:, 0])
    ok = np.ones(n, bool) if accept_always else u[:, 1] * Q[x] < P[x]
    cdf = np.cumsum(res_rows)  # deliberately not normalized here: callers pass what they mean
    y = np.minimum((cdf[None, :] <= u[:, 2:3]).sum(axis=1), Q.size - 1)
    return np.where(ok, x, y)


def real_sampler(u: np.ndarray) -> np.ndarray:
    n = u.shape[0]
    p_rows = np.broadcast_to(P, (n, 2, P.size))
    q_rows = np.broadcast_to(Q, (n, 1, Q.size))
    x = inverse_cdf(np.broadcast_to(Q, (n, Q.size)), u[:, 0])[:, None]
    A, final = speculative_verify(p_rows, q_rows, x, u[:, 1:2], u[:, 2])
    return np.where(A >= 1, x[:, 0], final)


BROKEN = {
    "accept always": lambda u: one_position(u, residual(P, Q), accept_always=True),
    "residual not normalized": lambda u: one_position(u, np.maximum(P - Q, 0.0)),
    "residual max(q - p, 0)": lambda u: one_position(u, residual(Q, P)),
}


@pytest.fixture(scope="module")
def uniforms() -> np.ndarray:
    return np.random.default_rng(12345).random((N_SAMPLES, 3))


def test_real_sampler_fits_target(uniforms: np.ndarray) -> None:
    assert fits(real_sampler(uniforms), P)
    # and the distance shrinks with the sample size like the tolerance does
    assert fits(real_sampler(uniforms[:2000]), P)


def test_written_out_sampler_with_correct_residual_fits(uniforms: np.ndarray) -> None:
    assert fits(one_position(uniforms, residual(P, Q)), P)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_samplers_fail_the_fit(name: str, uniforms: np.ndarray) -> None:
    assert not fits(BROKEN[name](uniforms), P), f"{name} was not caught"


def test_multi_position_verify_first_token_law() -> None:
    """With three drafted positions, the first emitted token is distributed as p_1."""
    rng = np.random.default_rng(7)
    V, k, n = 6, 3, 100_000
    p_rows = rng.dirichlet(np.ones(V), size=k + 1)
    q_rows = rng.dirichlet(np.ones(V) * 0.5, size=k)
    u = rng.random((n, 2 * k + 1))
    x = np.stack([inverse_cdf(np.broadcast_to(q_rows[i], (n, V)), u[:, i]) for i in range(k)], 1)
    sent = rng.integers(0, k + 1, size=n)
    A, final = speculative_verify(
        np.broadcast_to(p_rows, (n, k + 1, V)),
        np.broadcast_to(q_rows, (n, k, V)),
        x,
        u[:, k : 2 * k],
        u[:, 2 * k],
        sent,
    )
    assert np.all(A <= sent)
    first = np.where(A >= 1, x[:, 0], final)
    assert fits(first, p_rows[0])
    # the second emitted token, where there is one, follows p_2
    second = np.where(A >= 2, x[:, 1], final)[A >= 1]
    assert fits(second, p_rows[1])
