"""The per-slot DPP subproblem (SPEC §4): exact enumeration against the cvxpy concave relaxation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gelato_theory import preset
from gelato_theory.control.per_slot import (
    ConcaveSlot,
    dpp_scores,
    slot_costs,
    solve_per_slot,
)
from gelato_theory.exact.dual import argmax_low_cost
from gelato_theory.exact.problem import build_problem
from gelato_theory.testing import scenarios


def relaxation_checks(scenario, problem, m, Q, V, theta=0.0):
    """For every threshold with a proper relaxation: cvxpy value >= integer optimum, integer
    optimum at a neighbour of the continuous one, and equal to the exact per-slot scores."""
    menu = problem.stats.menu
    K_max = scenario.actions.K_max
    scores = dpp_scores(
        problem,
        np.array([m]),
        np.array([Q]),
        np.array([V]),
        None if problem.kind == "per_round" else np.array([theta]),
    )[0]
    checked = 0
    for eta in sorted(set(menu.eta[1:].tolist())):
        cols = np.flatnonzero((menu.eta == eta) & (menu.K > 0))
        j = cols[-1]
        if not (0 < problem.stats.a[j] < 1 and problem.stats.s[j] > 0):
            continue
        slot = ConcaveSlot(problem, m, eta, K_max, slot_costs(problem, scenario, m))
        sol = slot.solve(Q, V, theta)
        Ks = np.arange(K_max + 1)
        vals = slot.value(Ks, Q, V, theta)
        # the relaxation, shifted by its K = 0 value, is the exact DPP score difference
        exact = np.concatenate([[scores[0]], scores[cols]]) - scores[0]
        scale = 1 + np.abs(vals).max()
        np.testing.assert_allclose(vals - vals[0], exact, atol=1e-9 * scale)
        assert sol.value >= vals.max() - 1e-6 * scale  # the relaxation is an upper bound
        lo, hi = math.floor(sol.K_cont), min(math.ceil(sol.K_cont), K_max)
        assert max(vals[lo], vals[hi]) >= vals.max() - 1e-6 * scale, (sol.K_cont, vals)
        # the integer picked from the relaxation is the exact scan's choice on this threshold's
        # budgets, unless the two are tied to within the relaxation's evaluation accuracy
        K_int = slot.integer_optimum(sol, Q, V, theta)
        allowed = np.zeros(problem.A, bool)
        allowed[0], allowed[cols] = True, True
        th = None if problem.kind == "per_round" else np.array([theta])
        pick = solve_per_slot(problem, np.array([m]), np.array([Q]), np.array([V]), th, allowed)[0]
        K_exact = int(menu.K[pick])
        assert K_int == K_exact or abs(vals[K_int] - vals[K_exact]) <= 1e-6 * scale
        checked += 1
    return checked


@settings(max_examples=25)
@given(
    scenarios(max_K=8),
    st.data(),
)
def test_exact_and_cvxpy_agree(scenario, data):
    problem = build_problem(scenario)
    m = data.draw(st.integers(0, problem.M - 1))
    Q = data.draw(st.floats(0.0, 5.0))
    V = data.draw(st.floats(1e-3, 1.0))
    relaxation_checks(scenario, problem, m, Q, V)


@pytest.mark.parametrize("name", ["default", "paper-like"])
def test_presets_relaxation(name):
    s = preset(name)
    problem = build_problem(s)
    n = 0
    for m in (0, problem.M - 1):
        for Q, V in ((0.1, 0.01), (0.8, 0.1), (0.0, 0.1), (3.0, 0.01)):
            n += relaxation_checks(s, problem, m, Q, V)
    assert n >= 8


def test_per_second_relaxation():
    s = preset("default").replace(
        **{"objective.kind": "per_second", "objective.power_budget_w": 1.5}
    )
    problem = build_problem(s)
    assert relaxation_checks(s, problem, 0, 0.3, 0.05, theta=30.0) > 0


def test_exact_solver_ties_go_to_lower_cost():
    scores = np.array([[1.0, 2.0, 2.0], [3.0, 3.0, 1.0]])
    cost = np.array([[0.0, 0.5, 0.2], [0.4, 0.1, 0.0]])
    np.testing.assert_array_equal(argmax_low_cost(scores, cost), [2, 1])


def test_exact_solver_picks_pure_offload_above_V_rho():
    from gelato_theory.exact.bounds import constants

    s = preset("default")
    problem, c = constants(s)
    M = problem.M
    V = np.full(M, 0.05)
    m = np.arange(M)
    above = solve_per_slot(problem, m, V * c.rho * (1 + 1e-9), V)
    assert (above == 0).all()
    below = solve_per_slot(problem, m, V * c.rho * 0.99, V)
    assert (below != 0).any()  # rho is tight: just below it some state drafts
