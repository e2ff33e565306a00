"""The policy protocol, the reset/step loop and policy classes (SPEC §4.1)."""

from __future__ import annotations

import numpy as np
import pytest
from user_policies import Alternating

from gelato_theory import preset
from gelato_theory.control import (
    APPROXIMATE_DPP,
    CAUSAL,
    EXACT_DPP,
    Decision,
    policies,
    policy_class,
)
from gelato_theory.errors import PolicyError
from gelato_theory.exact.bounds import constants
from gelato_theory.simulation import simulate
from gelato_theory.simulation.loop import BatchLoop


@pytest.fixture(scope="module")
def default():
    s = preset("default").replace(**{"control.V": (0.01, 0.1)})
    problem, _ = constants(s)
    return s, problem, policies(s, problem)


def test_reset_step_reproduces_simulate(default):
    s, problem, pols = default
    pol = pols["gelato"]
    sim = simulate(s, problem, pol, seeds=3, horizon=60, engine="numpy")
    loop = BatchLoop.create(s, problem, seeds=3)
    obs = loop.reset()
    assert obs.batch == 6 and obs.t == 0
    for _ in range(60):
        obs, rnd = loop.step(pol.decide(obs))
    assert obs.t == 60
    np.testing.assert_array_equal(loop.state.Q, sim.final_Q.ravel())
    np.testing.assert_array_equal(loop.state.tokens / 60, sim.mean_N.ravel())
    # reset starts over with the same streams
    first = loop.reset()
    again = BatchLoop.create(s, problem, seeds=3).observe()
    np.testing.assert_array_equal(first.m, again.m)
    np.testing.assert_array_equal(first.Q, np.zeros(6))


def test_rollout_drives_a_stateful_policy(default):
    s, problem, _ = default
    pol = Alternating(s, problem)
    rounds = BatchLoop.create(s, problem, seeds=2).rollout(pol, 6)
    actions = np.stack([r.decision.action for r in rounds])
    np.testing.assert_array_equal(actions[1::2], 0)  # odd rounds offload
    assert (actions[0::2] == pol.draft).all()
    assert all((r.outcome.k[r.decision.action == 0] == 0).all() for r in rounds)


def test_stateful_policy_in_simulate_is_batch_invariant(default):
    s, problem, _ = default
    pol = Alternating(s, problem)
    full = simulate(s, problem, pol, seeds=3, horizon=40)
    part = simulate(s, problem, pol, seeds=3, horizon=40, batch=2)
    for f in ("mean_N", "mean_E", "final_Q", "state_counts", "mean_u_model"):
        np.testing.assert_array_equal(getattr(full, f), getattr(part, f))
    assert np.isfinite(full.mean_u_model).all()  # menu actions: closed forms apply


def test_builtin_classes(default):
    _, _, pols = default
    assert policy_class(pols["gelato-exact"]) == EXACT_DPP
    assert policy_class(pols["gelato"]) == APPROXIMATE_DPP  # the inner rule
    assert policy_class(pols["dpp-k-only"]) == APPROXIMATE_DPP  # a restricted menu
    for name in ("fixed-k4", "adaedl", "specdec++", "static-best", "offload", "lp-oracle"):
        assert policy_class(pols[name]) == CAUSAL, name


def test_undeclared_class_is_causal_and_a_bad_one_is_an_error():
    class Plain:
        def decide(self, obs):
            raise AssertionError("not called")

    assert policy_class(Plain()) == CAUSAL

    class Bogus(Plain):
        policy_class = "optimal"

    with pytest.raises(PolicyError, match="policy_class = 'optimal': must be one of"):
        policy_class(Bogus())


def test_decision_constructors(default):
    _, problem, _ = default
    menu = problem.stats.menu
    d = Decision.menu(problem, np.array([0, 3, problem.A - 1]))
    np.testing.assert_array_equal(d.K, menu.K[[0, 3, problem.A - 1]])
    H = np.full((3, 1), 1.2)
    np.testing.assert_array_equal(d.rule.send_mask(H)[:, 0], 1.2 <= menu.eta[[0, 3, -1]])
    b = Decision.budget([2, 0], d.rule)
    assert b.K.dtype == np.int64 and (b.action == -1).all()
