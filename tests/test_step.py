"""The pure round step and the named accumulators (SPEC §4, §6)."""

from __future__ import annotations

import numpy as np
import pytest
from planted import wrong_sign

from gelato_theory import preset
from gelato_theory.control.registry import policies
from gelato_theory.exact.bounds import constants
from gelato_theory.simulation import simulate
from gelato_theory.simulation.step import Dynamics


@pytest.fixture(scope="module")
def default():
    s = preset("default")
    problem, _ = constants(s)
    return s, problem, policies(s, problem)


def _replay(s, problem, policy, V, seeds, T, Q0=None):
    """Drive the step function by hand; per-round records of every trajectory."""
    dyn = Dynamics(s, problem)
    v = np.repeat(np.asarray(V, dtype=float), seeds)
    noise = dyn.noise(s.verification.seed, list(range(seeds)) * len(V))
    state = dyn.reset(v.size, Q0)
    rounds = []
    for _ in range(T):
        n = noise.next()
        state, rec = dyn.step(state, policy.decide(dyn.observe(state, n, v)), n, v)
        rounds.append(rec)
    return state, rounds


def test_step_is_pure_and_carries_the_running_totals(default):
    s, problem, pols = default
    dyn = Dynamics(s, problem)
    noise = dyn.noise(0, [0, 1, 2])
    state = dyn.reset(3, Q0=0.5)
    v = np.array([0.01, 0.1, 1.0])
    n = noise.next()
    before = {f: getattr(state, f).copy() for f in ("Q", "tokens", "seconds", "spent")}
    U = n.U.copy()
    d = pols["gelato-exact"].decide(dyn.observe(state, n, v))
    new, rec = dyn.step(state, d, n, v)
    for f, a in before.items():
        np.testing.assert_array_equal(getattr(state, f), a)  # inputs untouched
    np.testing.assert_array_equal(n.U, U)
    assert new.t == 1 and rec.t == 0
    np.testing.assert_array_equal(new.tokens, rec.outcome.N)
    np.testing.assert_array_equal(new.spent, rec.y)
    np.testing.assert_array_equal(new.Q, np.maximum(0.5 + rec.y, 0.0))
    # the same state, decision and noise give the same next state
    again, _ = dyn.step(state, d, n, v)
    np.testing.assert_array_equal(again.Q, new.Q)


def test_state_counts_and_closed_form_means_match_a_replay(default):
    s, problem, pols = default
    V, S, T = [0.01, 0.1], 3, 120
    pol = pols["gelato-exact"]
    sim = simulate(s, problem, pol, V=V, seeds=S, horizon=T)
    _, rounds = _replay(s, problem, pol, V, S, T)
    m = np.stack([r.m for r in rounds])  # (T, B)
    a = np.stack([r.decision.action for r in rounds])
    counts = np.stack([np.bincount(m[:, b], minlength=problem.M) for b in range(m.shape[1])])
    np.testing.assert_array_equal(sim.state_counts.reshape(-1, problem.M), counts)
    assert sim.state_counts.dtype == np.int64
    assert (sim.state_counts.sum(axis=-1) == T).all()
    np.testing.assert_allclose(sim.mean_u_model.ravel(), problem.u[m, a].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sim.mean_y_model.ravel(), problem.y[m, a].mean(axis=0), rtol=1e-12)
    # sum_t phi(m_t) = state_counts @ phi for any per-state vector
    phi = np.linspace(-1.0, 2.0, problem.M)
    np.testing.assert_allclose(
        (sim.state_counts @ phi).ravel(), phi[m].sum(axis=0), rtol=1e-12, atol=1e-12
    )


def test_closed_form_means_are_nan_off_the_menu(default):
    s, problem, pols = default
    sim = simulate(s, problem, pols["gelato"], V=[0.1], seeds=2, horizon=50)
    assert np.isnan(sim.mean_u_model).all() and np.isnan(sim.mean_y_model).all()
    assert np.isfinite(sim.mean_N).all()


def test_identity_excess_is_nonpositive_and_catches_the_wrong_sign(default):
    s, problem, pols = default
    pol = pols["gelato-exact"]
    ok = simulate(s, problem, pol, V=[0.01, 0.1], seeds=3, horizon=400)
    scale = np.abs(ok.sum_y).max() + ok.max_Q.max()
    assert (ok.max_identity_excess <= 1e-9 * scale).all()
    bad = simulate(s, problem, pol, V=[0.01, 0.1], seeds=3, horizon=400, queue_update=wrong_sign)
    assert (bad.max_identity_excess > 1e-9 * scale).all()


def test_identity_excess_is_the_max_over_every_round(default):
    s, problem, pols = default
    pol, T, Q0 = pols["fixed-k4"], 80, 1.5
    sim = simulate(s.replace(**{"control.Q0": Q0}), problem, pol, V=[0.1], seeds=2, horizon=T)
    _, rounds = _replay(s, problem, pol, [0.1], 2, T, Q0=Q0)
    y = np.cumsum(np.stack([r.y for r in rounds]), axis=0)
    Q = np.stack([r.Q_next for r in rounds])
    np.testing.assert_allclose(sim.max_identity_excess[0], (y - (Q - Q0)).max(axis=0), atol=1e-12)
    Qall = np.concatenate([np.full((1, 2), Q0), Q])
    np.testing.assert_array_equal(sim.max_Q[0], Qall.max(axis=0))


def test_new_summaries_do_not_depend_on_the_batch(default):
    s, problem, pols = default
    pol = pols["gelato"]
    full = simulate(s, problem, pol, seeds=3, horizon=150)
    part = simulate(s, problem, pol, seeds=3, horizon=150, batch=4)
    for f in ("state_counts", "mean_u_model", "mean_y_model", "max_identity_excess"):
        np.testing.assert_array_equal(getattr(full, f), getattr(part, f))


def test_a_wrapper_that_alters_the_observation_gets_its_own_optimum(default):
    """The policy's lookup of the per-slot optimum is reused for C only at the round's own (m, Q/V):
    a DPP told Q = 0 is no longer the optimum, and its C shows it."""
    from planted import QueueBlind

    s, problem, pols = default
    exact = simulate(s, problem, pols["gelato-exact"], V=[0.01], seeds=2, horizon=300)
    blind = simulate(s, problem, QueueBlind(pols["gelato-exact"]), V=[0.01], seeds=2, horizon=300)
    assert (exact.shortfall_max == 0).all()
    assert (blind.shortfall_mean > 0).all()
