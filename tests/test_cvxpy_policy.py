"""``gelato-cvxpy``: the DPP decision from the cvxpy per-slot problem gives gelato-exact's trajectories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.control import EXACT_DPP, load_policy, policies, policy_class
from gelato_theory.control.checker import observations
from gelato_theory.exact.bounds import constants
from gelato_theory.scenario.load import load_scenario
from gelato_theory.simulation import simulate

SUITE = Path(__file__).resolve().parents[1] / "gelato_theory" / "scenario" / "suite"


@pytest.mark.parametrize("name", ["default", "paper-like", "per-second"])
def test_same_trajectories_as_gelato_exact(name):
    s = load_scenario(SUITE / "per-second.toml") if name == "per-second" else preset(name)
    problem, _ = constants(s)
    cvx = load_policy("gelato-cvxpy", s, problem)
    assert cvx.name == "gelato-cvxpy" and policy_class(cvx) == EXACT_DPP
    # Q crosses the envelope's breakpoints at V = 0.01; it stays near 0 at V = 1
    run = dict(V=[0.01, 1.0], seeds=1, horizon=12, trace_every=1)
    a = simulate(s, problem, cvx, **run)
    b = simulate(s, problem, policies(s, problem)["gelato-exact"], **run)
    for f in ("trace_Q", "state_counts", "mean_N", "mean_E", "mean_u_model"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    assert (a.shortfall_max == 0).all()  # every decision is the per-slot optimum


def test_decisions_match_the_exact_argmax_across_the_envelope():
    s = preset("default")
    problem, _ = constants(s)
    cvx = load_policy("gelato-cvxpy", s, problem)
    exact = policies(s, problem)["gelato-exact"]
    for obs in observations(s, problem, batch=6, rounds=3, seed=3):
        np.testing.assert_array_equal(cvx.decide(obs).action, exact.decide(obs).action)
