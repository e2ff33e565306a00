"""The batched simulator and the controllers (SPEC §4, §5 Theorem 3, §6)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from planted import QueueBlind, wrong_sign

from gelato_theory import preset
from gelato_theory.control.policies import DPP
from gelato_theory.control.registry import policies
from gelato_theory.exact.bounds import constants
from gelato_theory.simulation import simulate
from gelato_theory.verification.pathwise import (
    deterministic_backlog_breaches,
    violation_identity_breaches,
)


@pytest.fixture(scope="module")
def default():
    s = preset("default")
    problem, c = constants(s)
    return s, problem, c


def test_theorem3_and_violation_identity_hold_on_every_path(default):
    s, problem, c = default
    sim = simulate(s, problem, policies(s, problem)["gelato-exact"], seeds=8, horizon=1500)
    assert (deterministic_backlog_breaches(sim, c) == 0).all()
    assert (violation_identity_breaches(sim, c) == 0).all()
    assert (sim.shortfall_mean == 0).all()  # exact DPP: C = 0


def test_queue_ignored_is_caught_by_theorem3(default):
    s, problem, c = default
    broken = QueueBlind(DPP(problem))
    sim = simulate(s, problem, broken, seeds=4, horizon=1500)
    assert (deterministic_backlog_breaches(sim, c) > 0).all()


def test_wrong_queue_sign_is_caught(default):
    s, problem, c = default
    sim = simulate(s, problem, DPP(problem), seeds=4, horizon=1500, queue_update=wrong_sign)
    assert (violation_identity_breaches(sim, c) > 0).all()
    assert (sim.mean_y > 0).all()  # the backlog never builds up, so the budget is overspent


def test_multiplier_is_approached_as_V_grows(default):
    s, problem, c = default
    V = np.array([0.01, 0.1, 1.0])
    sim = simulate(s, problem, DPP(problem), V=V, seeds=4, horizon=6000)
    dist = np.abs(sim.mean_Q.mean(axis=1) / V - c.lambda_star)
    assert dist[-1] < dist[0]
    assert dist[-1] / c.lambda_star < 0.1


def test_same_seed_same_summaries_whatever_the_batch(default):
    s, problem, _ = default
    pol = policies(s, problem)["gelato"]
    full = simulate(s, problem, pol, seeds=5, horizon=300)
    for batch in (1, 7):
        part = simulate(s, problem, pol, seeds=5, horizon=300, batch=batch)
        for f in ("mean_N", "mean_E", "mean_Q", "max_Q", "final_Q", "shortfall_mean"):
            np.testing.assert_array_equal(getattr(full, f), getattr(part, f))
    one_V = simulate(s, problem, pol, V=full.V[2:3], seeds=5, horizon=300)
    np.testing.assert_array_equal(one_V.mean_N[0], full.mean_N[2])


def test_every_policy_runs_and_budgets_are_accounted(default):
    s, problem, c = default
    pols = policies(s, problem)
    assert {
        "gelato",
        "gelato-exact",
        "dpp-k-only",
        "fixed-k4",
        "adaedl",
        "specdec++",
        "static-best",
        "offload",
        "lp-oracle",
    } <= set(pols)
    for name, pol in pols.items():
        sim = simulate(s, problem, pol, V=[0.1], seeds=3, horizon=400)
        assert np.isfinite(sim.mean_N).all(), name
        np.testing.assert_allclose(sim.mean_y, sim.mean_E - s.objective.energy_budget_j)
    off = simulate(s, problem, pols["offload"], V=[0.1], seeds=2, horizon=50)
    assert (off.mean_N == 1).all() and (off.mean_k == 0).all()


def test_memory_does_not_grow_with_horizon(default):
    s, problem, _ = default
    pol = DPP(problem)

    def peak(T):
        tracemalloc.start()
        simulate(s, problem, pol, V=[0.1], seeds=4, horizon=T)
        _, p = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return p

    assert peak(3000) < 1.5 * peak(300) + 2**20


def test_traces_sample_the_queue(default):
    s, problem, _ = default
    sim = simulate(s, problem, DPP(problem), V=[0.1], seeds=2, horizon=100, trace_every=10)
    assert sim.trace_Q.shape == (1, 2, 11)
    assert sim.trace_Q[0, 0, 0] == s.control.Q0
    np.testing.assert_array_equal(sim.trace_Q[..., -1], sim.final_Q)
    np.testing.assert_array_equal(sim.trace_t, np.arange(0, 101, 10))
    odd = simulate(s, problem, DPP(problem), V=[0.1], seeds=1, horizon=10, trace_every=3)
    np.testing.assert_array_equal(odd.trace_t, [0, 3, 6, 9, 10])  # the last point is Q(T)


def test_per_second_controllers(default):
    s = preset("default").replace(
        **{"objective.kind": "per_second", "objective.power_budget_w": 1.2}
    )
    problem, c = constants(s)
    pols = policies(s, problem)
    V = np.array([1.0])
    for name in ("gelato-exact", "gelato-running"):
        sim = simulate(s, problem, pols[name], V=V, seeds=4, horizon=3000)
        ratio = sim.mean_N.sum() / sim.mean_T.sum()
        # the realized rate approaches theta* and the power budget is met on average
        assert ratio > 0.9 * c.theta_star, (name, ratio, c.theta_star)
        assert sim.power_w.mean() < 1.2 * 1.05
