"""The exact optimum (SPEC §5): LP against the exact dual minimization, KKT, per-second theta*."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from gelato_theory import InfeasibleScenarioError, SolverError, preset
from gelato_theory.exact.dual import dual_value, envelope, frontier, minimize_dual
from gelato_theory.exact.optimum import (
    dinkelbach,
    ratio_optimum,
    require_slack,
    slater_slack,
    solve_lp,
)
from gelato_theory.exact.problem import build_problem
from gelato_theory.testing import scenarios


def kkt_residuals(problem, opt):
    """Primal feasibility, dual feasibility, complementary slackness and stationarity gaps."""
    x, lam = opt.policy, opt.lambda_star
    cost = float(problem.pi @ (x * problem.y).sum(axis=1))
    score = problem.u - lam * problem.y
    # stationarity: every action used with weight > 1e-7 maximizes u - lambda* y in its state
    used = x > 1e-7
    loss = np.where(used, score.max(axis=1, keepdims=True) - score, 0.0).max()
    return cost, lam, lam * cost, loss


def check_optimum(scenario):
    problem = build_problem(scenario)
    require_slack(problem, scenario)
    if problem.kind == "per_second":
        problem = problem.with_theta(ratio_optimum(problem).theta_star)
    opt = solve_lp(problem)
    dual = minimize_dual(problem)
    scale = 1 + abs(opt.u_star)
    assert abs(opt.u_star - dual.u_star) <= 1e-6 * scale
    cost, lam, slack_product, loss = kkt_residuals(problem, opt)
    assert cost <= 1e-7 * (1 + np.abs(problem.y).max())
    assert lam >= 0
    assert abs(slack_product) <= 1e-6 * scale
    assert loss <= 1e-6 * scale
    # the dual function at lambda* equals u*, and is no smaller anywhere else we look
    assert dual_value(problem, [opt.lambda_star])[0] == pytest.approx(opt.u_star, abs=1e-6 * scale)
    grid = np.linspace(0, 3 * (dual.lambda_star + 1), 50)
    assert (dual_value(problem, grid) >= dual.u_star - 1e-9 * scale).all()
    return problem, opt


@given(scenarios())
def test_lp_and_dual_agree_per_round(scenario):
    check_optimum(scenario)


@given(scenarios(kind="per_second"))
def test_lp_and_dual_agree_per_second(scenario):
    problem, opt = check_optimum(scenario)
    # at theta* the best achievable E[N - theta* T] under the power budget is zero (Dinkelbach)
    assert abs(opt.u_star) <= 1e-6 * (1 + problem.theta)
    assert dinkelbach(build_problem(scenario)) == pytest.approx(problem.theta, rel=1e-6)


@pytest.mark.parametrize("name", ["default", "paper-like"])
def test_presets_optimum(name):
    problem, opt = check_optimum(preset(name))
    assert opt.lambda_star > 0  # the budget binds
    assert 1.0 < opt.u_star < problem.u.max()
    # the optimal policy randomizes in at most one state (one constraint, a vertex solution)
    assert ((opt.policy > 1e-7).sum(axis=1) > 1).sum() <= 1


def test_frontier_is_concave_and_contains_the_optimum():
    problem = build_problem(preset("default"))
    f = frontier(problem)
    order = np.argsort(f.cost)
    cost, util = f.cost[order], f.utility[order]
    assert np.all(np.diff(util) >= -1e-12)
    slopes = np.diff(util) / np.diff(cost)
    assert np.all(np.diff(slopes) <= 1e-9 * (1 + np.abs(slopes[:-1])))
    u_star = solve_lp(problem).u_star
    i = np.searchsorted(cost, 0.0)
    interp = util[i - 1] + (0 - cost[i - 1]) * (util[i] - util[i - 1]) / (cost[i] - cost[i - 1])
    assert interp == pytest.approx(u_star, rel=1e-9)


def test_envelope_tie_breaking_prefers_lower_cost():
    u = np.array([1.0, 2.0, 2.0, 0.5])
    y = np.array([0.0, 1.0, 0.5, -1.0])
    acts, breaks = envelope(u, y)
    assert acts[0] == 2  # tie at lambda = 0 between actions 1 and 2 goes to the cheaper one
    assert breaks == sorted(breaks)


def test_infeasible_budget_is_an_error():
    s = preset("default")
    s = s.replace(**{"objective.energy_budget_j": 0.5 * s.device.e_0})
    problem = build_problem(s)
    assert slater_slack(problem) < 0
    with pytest.raises(InfeasibleScenarioError):
        require_slack(problem, s)


def test_solver_failure_is_reported_with_status(monkeypatch):
    import cvxpy as cp

    def fake_solve(self, *a, **k):
        self._status = "infeasible_inaccurate"

    problem = build_problem(preset("default"))
    monkeypatch.setattr(cp.Problem, "solve", fake_solve)
    monkeypatch.setattr(cp.Problem, "status", property(lambda self: self._status))
    with pytest.raises(SolverError, match="infeasible_inaccurate"):
        solve_lp(problem)
