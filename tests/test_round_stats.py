"""Closed-form round statistics (SPEC §2) against a brute-force Monte Carlo of the round mechanics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gelato_theory import preset
from gelato_theory.exact.outcomes import outcome_law
from gelato_theory.exact.round_stats import expected_counts, power_sums, round_stats
from gelato_theory.scenario.token_types import token_types


def brute_force_round(w, H, beta, K, eta, n, rng):
    """Simulate n rounds position by position: draw a type, test its entropy, then its acceptance."""
    types = rng.choice(len(w), size=(n, max(K, 1)), p=w)[:, :K]
    passes = H[types] <= eta
    alive = np.cumprod(passes, axis=1).astype(bool)  # sent positions: passed and no earlier exit
    k = alive.sum(axis=1)
    # computed: the sent ones plus the one that failed the test, if the exit happened before K
    c = np.minimum(k + 1, K)
    accepted = alive & (rng.random((n, K)) < beta[types])
    A = np.cumprod(accepted, axis=1).sum(axis=1)
    return c, k, A, A + 1


CASES = [
    ("default", 0, math.inf),
    ("default", 4, math.inf),
    ("default", 8, 1.5),
    ("default", 3, 0.5),
    ("paper-like", 6, 2.0),
    ("paper-like", 10, math.inf),
]


@pytest.mark.parametrize(("name", "K", "eta"), CASES)
def test_closed_forms_match_monte_carlo(name, K, eta):
    s = preset(name)
    r = round_stats(s)
    t = token_types(s.tokens)
    ai = int(np.flatnonzero((r.menu.K == K) & (r.menu.eta == eta))[0])
    rng = np.random.default_rng(12345 + K)
    n = 200_000
    c, k, A, N = brute_force_round(t.w, t.H, t.beta, K, eta, n, rng)
    for m in (0, r.M - 1):  # worst and best channel state
        E = s.device.e_0 + s.device.e_c * c + r.e_tx[m] * k
        T = s.edge.tau_0 + s.device.tau_c * c + (r.t_tx[m] + s.edge.tau_v1) * k
        for sample, exact in (
            (c, r.c[ai]),
            (k, r.k[ai]),
            (A, r.accepted[ai]),
            (N, r.N[m, ai]),
            (E, r.E[m, ai]),
            (T, r.T[m, ai]),
        ):
            assert agrees(sample, exact), (sample.mean(), exact)


def agrees(sample: np.ndarray, exact: float) -> bool:
    """The sample mean is within 5 standard errors of the closed form."""
    se = sample.std() / math.sqrt(sample.size)
    return abs(sample.mean() - exact) <= 5 * se + 1e-12


def test_the_comparison_catches_an_off_by_one_closed_form():
    s = preset("default")
    t = token_types(s.tokens)
    r = round_stats(s)
    ai = int(np.flatnonzero((r.menu.K == 6) & (r.menu.eta == 2.0))[0])
    c, k, A, _ = brute_force_round(t.w, t.H, t.beta, 6, 2.0, 200_000, np.random.default_rng(3))
    wrong_c = power_sums(r.s[ai : ai + 1], np.array([7]), 0)  # one position too many
    wrong_A = power_sums(r.a[ai : ai + 1], np.array([6]), 0)  # sum from a^0 instead of a^1
    assert agrees(c, r.c[ai]) and agrees(A, r.accepted[ai])
    assert not agrees(c, wrong_c[0])
    assert not agrees(A, wrong_A[0])


def test_s_equal_one_and_a_near_one_are_exact():
    # s = 1 and a = 1: every count is exactly K; a = 1 - 1e-12: the sum is K up to rounding
    K = np.array([0, 1, 5, 40])
    c, k, A = expected_counts(K, np.ones(4), np.ones(4))
    np.testing.assert_array_equal(c, K)
    np.testing.assert_array_equal(k, K)
    np.testing.assert_array_equal(A, K)
    a = np.full(4, 1 - 1e-12)
    np.testing.assert_allclose(power_sums(a, K, 1), K, rtol=1e-10)
    # a = 0 and s = 0: one position computed, nothing sent or accepted
    c, k, A = expected_counts(K, np.zeros(4), np.zeros(4))
    np.testing.assert_array_equal(c, np.minimum(K, 1))
    np.testing.assert_array_equal(k, 0)
    np.testing.assert_array_equal(A, 0)


@given(
    K=st.integers(0, 30),
    s=st.floats(0, 1),
    alpha=st.floats(0, 0.999999),
)
def test_geometric_closed_forms(K, s, alpha):
    """E[c] = (1 - s^K)/(1 - s), and eta = inf gives E[N] = (1 - a^(K+1))/(1 - a) (Leviathan)."""
    c, k, A = expected_counts(np.array([K]), np.array([s]), np.array([alpha]))
    ref_c = K if s == 1 else (1 - s**K) / (1 - s)
    assert c[0] == pytest.approx(ref_c, rel=1e-9, abs=1e-12)
    assert k[0] == pytest.approx(s * ref_c, rel=1e-9, abs=1e-12)
    assert 1 + A[0] == pytest.approx((1 - alpha ** (K + 1)) / (1 - alpha), rel=1e-9)


@given(K=st.integers(0, 12), s=st.floats(0, 1))
def test_outcome_law_is_a_distribution_with_the_closed_form_means(K, s):
    law = outcome_law(np.array([K]), np.array([s]))
    assert law.prob.sum() == pytest.approx(1.0, abs=1e-12)
    c, k, _ = expected_counts(np.array([K]), np.array([s]), np.array([0.0]))
    assert (law.prob * law.c).sum() == pytest.approx(c[0], abs=1e-9)
    assert (law.prob * law.k).sum() == pytest.approx(k[0], abs=1e-9)
