"""The exit-heavy preset (SPEC §2, §4): the exact controller really uses finite entropy exits.

Cheap drafting, a costly uplink and a draft whose entropy predicts rejection make a finite threshold
optimal: the LP optimum and the exact DPP decisions along simulated paths, at every V of the preset's
grid, put positive probability on actions that exit early.
"""

from __future__ import annotations

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.control.policies import DPP, Decision, Observation
from gelato_theory.errors import ScenarioError
from gelato_theory.exact.bounds import constants
from gelato_theory.exact.dual import greedy_actions
from gelato_theory.exact.optimum import solve_lp
from gelato_theory.scenario.token_types import synthetic_types, token_types
from gelato_theory.simulation.simulator import simulate


def exit_actions(problem) -> np.ndarray:
    """Menu actions that can stop early: K > 0, finite eta, and some type above eta."""
    st = problem.stats
    return (st.menu.K > 0) & np.isfinite(st.menu.eta) & (st.s < 1 - 1e-12)


@pytest.fixture(scope="module")
def solved():
    s = preset("exit-heavy")
    problem, c = constants(s)
    return s, problem, c


def test_entropy_predicts_rejection(solved) -> None:
    s, _, _ = solved
    t = token_types(s.tokens)
    assert np.corrcoef(t.H, t.beta)[0, 1] < -0.9
    # the default generator (draft_scale = 1) on the same seed does not show it
    plain = synthetic_types(s.tokens.types, s.tokens.vocab, s.tokens.seed, s.tokens.sharpness, 0.2)
    assert np.corrcoef(plain.H, plain.beta)[0, 1] > -0.9


def test_the_lp_optimum_uses_finite_thresholds(solved) -> None:
    _, problem, c = solved
    x = solve_lp(problem).policy
    mass = float(problem.pi @ x[:, exit_actions(problem)].sum(axis=1))
    assert mass > 0.3
    assert c.lambda_star > 0  # the budget binds
    # and the greedy policies on both sides of lambda* exit in some channel states
    for f in (0.9, 1.1):
        assert exit_actions(problem)[greedy_actions(problem, c.lambda_star * f)].any()


class Recording:
    """Exact DPP that counts how many of its decisions are exit actions."""

    def __init__(self, problem, n_V: int) -> None:
        self.inner = DPP(problem)
        self.name = self.inner.name
        self.exits = exit_actions(problem)
        self.counts = np.zeros(n_V)
        self.total = np.zeros(n_V)
        self.V_grid: np.ndarray | None = None

    def decide(self, obs: Observation) -> Decision:
        d = self.inner.decide(obs)
        i = np.searchsorted(self.V_grid, obs.V)
        np.add.at(self.counts, i, self.exits[d.action])
        np.add.at(self.total, i, 1)
        return d


def test_dpp_decisions_use_finite_thresholds_at_every_V(solved) -> None:
    s, problem, _ = solved
    V = np.asarray(s.control.V, dtype=float)
    pol = Recording(problem, V.size)
    pol.V_grid = V
    simulate(s, problem, pol, seeds=4, horizon=1500)
    share = pol.counts / pol.total
    assert np.all(share > 0.05), share


def test_draft_scale_one_is_the_plain_generator_and_negative_is_rejected() -> None:
    d = preset("default")
    assert d.tokens.draft_scale == 1.0
    t = d.tokens
    plain = synthetic_types(t.types, t.vocab, t.seed, t.sharpness, t.mismatch)
    np.testing.assert_array_equal(token_types(t).q, plain.q)
    with pytest.raises(ScenarioError, match="tokens.draft_scale"):
        d.replace(**{"tokens.draft_scale": -0.5})
