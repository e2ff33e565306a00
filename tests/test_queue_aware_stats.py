"""Exact round statistics of GELATO's queue-aware inner rule (SPEC §4) against the executor.

The closed forms of exact/queue_aware.py reduce to those of §2 at Q = 0, are monotone in Q/V, match
a brute-force enumeration of type sequences, and match Monte Carlo rounds of the reference executor
running the very rule the controller uses (within 5 standard errors). A mis-weighted rule (the
acceptance estimate squared) is shown to be rejected by the same comparison.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.control.policies import AllOf
from gelato_theory.exact.problem import build_problem, cost_coefficients
from gelato_theory.exact.queue_aware import beta_hat, queue_aware_stats
from gelato_theory.executor.rounds import Executor
from gelato_theory.executor.stopping import FixedThreshold, QueueAware
from gelato_theory.scenario.token_types import token_types


@pytest.fixture(scope="module")
def scen():
    return preset("default")


@pytest.fixture(scope="module")
def problem(scen):
    return build_problem(scen)


def test_zero_backlog_is_the_fixed_threshold_closed_form(scen, problem) -> None:
    q = queue_aware_stats(scen, np.arange(problem.M)[:, None], 0.0, np.arange(problem.A)[None, :])
    # every type of the default table has beta_hat > 0, so the pass set is {H <= eta}
    assert beta_hat(token_types(scen.tokens).H, scen.control.gamma).min() > 0
    np.testing.assert_allclose(q.N, problem.stats.N, rtol=1e-12)
    np.testing.assert_allclose(q.E, problem.stats.E, rtol=1e-12)
    np.testing.assert_allclose(q.T, problem.stats.T, rtol=1e-12)
    np.testing.assert_allclose(q.y, problem.y, atol=1e-14)
    np.testing.assert_allclose(q.y2, problem.y2, rtol=1e-10)


def test_more_backlog_sends_fewer_tokens(scen, problem) -> None:
    lam = np.linspace(0.0, 60.0, 41)
    q = queue_aware_stats(scen, 0, lam, problem.A - 1)
    assert np.all(np.diff(q.k) <= 1e-12) and np.all(np.diff(q.N) <= 1e-12)
    assert q.k[0] > 3 * q.k[-1]
    # sent-prefix probabilities are a non-increasing sequence in the position
    assert np.all(np.diff(q.S, axis=-1) <= 1e-12)


def _brute_force(scen, m, lam, action, gamma):
    """Enumerate every sequence of K types and apply the rule literally."""
    st = build_problem(scen).stats
    t = token_types(scen.tokens)
    K, eta = int(st.menu.K[action]), float(st.menu.eta[action])
    y0, y_c, y_k = (v[m] for v in cost_coefficients(scen, st))
    r = lam * st.e_tx[m]
    bh = beta_hat(t.H, gamma)
    Ec = Ek = EA = Ey2 = 0.0
    for seq in itertools.product(range(t.J), repeat=K):
        p = float(np.prod(t.w[list(seq)]))
        pi, c, k, acc = 1.0, 0, 0, 1.0
        for j in seq:
            c += 1
            if not (t.H[j] <= eta and pi * bh[j] > r):
                break
            pi *= bh[j]
            k += 1
            acc *= t.beta[j]
            EA += p * acc
        Ec, Ek = Ec + p * c, Ek + p * k
        Ey2 += p * (y0 + y_c * c + y_k * k) ** 2
    return Ec, Ek, EA, Ey2


def test_matches_a_brute_force_enumeration_of_type_sequences() -> None:
    scen = preset("default").replace(**{"tokens.types": 5, "actions.K_max": 4})
    st = build_problem(scen).stats
    for m, lam, action in [(0, 3.0, st.menu.K.size - 1), (2, 40.0, 9), (5, 0.0, 12), (1, 7.6, 20)]:
        want = _brute_force(scen, m, lam, action, scen.control.gamma)
        q = queue_aware_stats(scen, m, lam, action)
        got = (float(q.c), float(q.k), float(q.A), float(q.y2))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def _monte_carlo(scen, m, lam, action, n, seed, gamma):
    ex = Executor(scen)
    st = build_problem(scen).stats
    K = np.full(n, st.menu.K[action])
    V = 1.0
    rule = AllOf(
        (
            FixedThreshold(np.full(n, st.menu.eta[action])),
            QueueAware(V=np.full(n, V), Q=np.full(n, lam * V), e_tx=st.e_tx[m], gamma=gamma),
        )
    )
    U = np.random.default_rng(seed).random((n, ex.width))
    out = ex.run_round(np.full(n, m), K, rule, U, detail=False)
    y0, y_c, y_k = (v[m] for v in cost_coefficients(scen, st))
    y = y0 + y_c * out.c + y_k * out.k
    return {"c": out.c, "k": out.k, "N": out.N, "E": out.E, "y2": y**2}


CASES = [(0, 7.6, 55), (3, 20.0, 55), (1, 3.0, 27), (6, 100.0, 50)]


@pytest.mark.parametrize("m, lam, action", CASES)
def test_matches_the_executor(scen, m, lam, action) -> None:
    q = queue_aware_stats(scen, m, lam, action)
    mc = _monte_carlo(scen, m, lam, action, 40_000, seed=m + 17, gamma=scen.control.gamma)
    for name, samples in mc.items():
        se = samples.std() / np.sqrt(samples.size)
        assert abs(samples.mean() - float(getattr(q, name))) <= 5 * se + 1e-12, name


def test_a_misweighted_rule_is_rejected(scen) -> None:
    # the executor runs the rule with gamma = 0.8 instead of 0.2: the exact statistics disagree
    m, lam, action = 0, 7.6, 55
    q = queue_aware_stats(scen, m, lam, action)
    mc = _monte_carlo(scen, m, lam, action, 40_000, seed=3, gamma=0.8)
    se = mc["k"].std() / np.sqrt(mc["k"].size)
    assert abs(mc["k"].mean() - float(q.k)) > 5 * se


def test_shortfall_is_the_per_slot_gap_of_the_rule(scen, problem) -> None:
    from gelato_theory.exact.queue_aware import queue_aware_shortfall

    m = np.arange(problem.M)[:, None]
    lam = np.linspace(0.0, 30.0, 7)[None, :]
    gap = queue_aware_shortfall(scen, problem, m, lam, problem.A - 1)
    assert gap.shape == (problem.M, 7)
    q = queue_aware_stats(scen, m, lam, problem.A - 1)
    best = np.max(problem.u[m] - lam[..., None] * problem.y[m], axis=-1)
    np.testing.assert_allclose(gap, best - (q.N - lam * q.y), atol=1e-12)
    # at Q = 0 the rule sends like the chosen action (every beta_hat > 0): the shortfall is
    # that action's own gap to the best menu action
    best = problem.u.max(axis=1)
    np.testing.assert_allclose(gap[:, 0], best - problem.u[:, -1], atol=1e-12)


def test_direct_sizes_reach_every_budget_in_one_convolution() -> None:
    from gelato_theory.exact.queue_aware import direct_sizes

    for J in (1, 5, 24, 32, 64):
        for K in (0, 1, 2, 5, 8, 10, 16):
            D = direct_sizes(J, K)
            assert D >= 1 and 2 * D >= K
    # C(28, 5) multisets of 5 of 24 types are enumerated; C(29, 6) would exceed the limit
    assert direct_sizes(24, 8) == 5
