"""The exact optimum u*, the optimal randomized policy and lambda* (SPEC §5), solved with cvxpy.

* :func:`solve_lp` — max sum_m pi_m sum_a x_{m,a} u(m,a) s.t. sum_m pi_m sum_a x_{m,a} y(m,a) <= 0,
  x >= 0, rows of x sum to 1; HIGHS; lambda* is the dual value of the cost constraint.
* :func:`ratio_optimum` — theta* = max E[N]/E[T] under E[E] <= P_bar E[T], a linear-fractional
  program solved as an LP after the Charnes–Cooper transformation (per-second objective, SPEC §4).
* :func:`dinkelbach` — an independent route to theta* through repeated per-round problems.

Any solver status other than 'optimal' raises :class:`~gelato_theory.errors.SolverError`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from gelato_theory.errors import InfeasibleScenarioError, SolverError
from gelato_theory.exact.dual import greedy_actions, minimize_dual
from gelato_theory.exact.problem import Problem, build_problem
from gelato_theory.scenario.model import Scenario

LP_SOLVER = "HIGHS"


@dataclass(frozen=True, eq=False)
class Optimum:
    """u* (tokens/round, or tokens for per_second at theta), lambda* (tokens/J) and the policy x (M, A)."""

    u_star: float
    lambda_star: float
    policy: np.ndarray
    status: str
    solver: str


def slater_slack(problem: Problem) -> float:
    """epsilon = -E_omega[min_a y]: the slack of the minimum-cost policy (SPEC §5, Theorem 2)."""
    return float(-(problem.pi @ problem.y.min(axis=1)))


def require_slack(problem: Problem, scenario: Scenario | None = None) -> float:
    """Slater slack epsilon, or InfeasibleScenarioError naming the budget when epsilon <= 0."""
    eps = slater_slack(problem)
    if eps <= 0:
        if problem.kind == "per_round":
            field = "objective.energy_budget_j"
            value = scenario.objective.energy_budget_j if scenario else None
            need = float(problem.pi @ problem.stats.E.min(axis=1))
            rule = f"must exceed the minimum expected round energy {need:.6g} J (no Slater slack)"
        else:
            field = "objective.power_budget_w"
            value = scenario.objective.power_budget_w if scenario else None
            rule = f"leaves no Slater slack (epsilon = {eps:.6g} J <= 0): raise the power budget"
        raise InfeasibleScenarioError(field, value, rule)
    return eps


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence C-level writes to stdout (HiGHS prints a banner when first constructed)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def lp_solve(prob: cp.Problem, name: str) -> None:
    """Solve an LP with HIGHS quietly; any status but optimal is a SolverError."""
    with quiet_stdout():
        prob.solve(solver=LP_SOLVER)
    _check(prob, name)


def _check(prob: cp.Problem, name: str) -> None:
    if prob.status != cp.OPTIMAL:
        raise SolverError(name, str(prob.status), LP_SOLVER)


def solve_lp(problem: Problem) -> Optimum:
    """The optimal omega-only randomized policy by LP (HIGHS), with lambda* from the dual value."""
    M, A = problem.M, problem.A
    x = cp.Variable((M, A), nonneg=True)
    w_u = problem.pi[:, None] * problem.u
    w_y = problem.pi[:, None] * problem.y
    budget = cp.sum(cp.multiply(w_y, x)) <= 0
    prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(w_u, x))), [cp.sum(x, axis=1) == 1, budget])
    lp_solve(prob, "optimum LP")
    policy = np.clip(np.asarray(x.value), 0.0, None)
    policy /= policy.sum(axis=1, keepdims=True)
    return Optimum(
        u_star=float(prob.value),
        lambda_star=float(max(budget.dual_value, 0.0)),
        policy=policy,
        status=str(prob.status),
        solver=LP_SOLVER,
    )


@dataclass(frozen=True, eq=False)
class RatioOptimum:
    """theta* (tokens/s) under the power budget and the optimal randomized policy x (M, A)."""

    theta_star: float
    policy: np.ndarray
    status: str
    solver: str


def ratio_optimum(problem: Problem) -> RatioOptimum:
    """Charnes–Cooper LP: max E[N] / E[T] s.t. E[y] <= 0 over omega-only randomized policies."""
    st = problem.stats
    M, A = problem.M, problem.A
    z = cp.Variable((M, A), nonneg=True)
    t = cp.Variable(nonneg=True)
    pi = problem.pi[:, None]
    cons = [
        cp.sum(cp.multiply(pi * st.T, z)) == 1,
        cp.sum(cp.multiply(pi * problem.y, z)) <= 0,
        cp.sum(z, axis=1) == t,
    ]
    prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(pi * st.N, z))), cons)
    lp_solve(prob, "Charnes-Cooper LP")
    zv = np.clip(np.asarray(z.value), 0.0, None)
    policy = zv / zv.sum(axis=1, keepdims=True)
    return RatioOptimum(
        theta_star=float(prob.value), policy=policy, status=str(prob.status), solver=LP_SOLVER
    )


def dinkelbach(problem: Problem, tol: float = 1e-12, max_iter: int = 100) -> float:
    """theta* by Dinkelbach iterations on the exact dual minimization (no LP): theta <- N/T."""
    st = problem.stats
    theta = 0.0
    for _ in range(max_iter):
        p = problem.with_theta(theta)
        sol = minimize_dual(p)
        if abs(sol.u_star) <= tol * max(1.0, theta):
            return theta
        # the optimal randomized policy mixes at most two greedy policies around lambda*
        x = _policy_at(p, sol.lambda_star)
        theta = float((problem.pi @ (x * st.N).sum(axis=1)) / (problem.pi @ (x * st.T).sum(axis=1)))
    raise SolverError("Dinkelbach iteration", f"no convergence in {max_iter} steps", "dual")


def _policy_at(problem: Problem, lam: float) -> np.ndarray:
    """An optimal randomized policy at multiplier lam: mix the two greedy policies at lam -/+ 0
    so that the cost constraint is tight (or the single greedy one if it is slack)."""
    M, A = problem.M, problem.A
    rows = np.arange(M)
    d = 1e-9 * max(1.0, lam)
    lo = greedy_actions(problem, max(lam - d, 0.0))  # more utility, more cost
    hi = greedy_actions(problem, lam + d)
    c_lo = problem.pi @ problem.y[rows, lo]
    c_hi = problem.pi @ problem.y[rows, hi]
    x = np.zeros((M, A))
    if c_lo <= 0 or c_lo == c_hi:
        x[rows, lo] = 1.0
        return x
    w = c_lo / (c_lo - c_hi)  # weight on hi making the mixed cost 0
    x[rows, lo] += 1 - w
    x[rows, hi] += w
    return x


def solve(scenario: Scenario) -> tuple[Problem, Optimum]:
    """The scenario's problem (at theta* for per_second) and its LP optimum; checks Slater slack."""
    problem = build_problem(scenario)
    require_slack(problem, scenario)
    if problem.kind == "per_second":
        problem = problem.with_theta(ratio_optimum(problem).theta_star)
    return problem, solve_lp(problem)
