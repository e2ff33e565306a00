"""The Lagrangian side of the optimum (SPEC §5.1): phi_m(lambda), and the LP value v of a budget.

* phi_m(lambda) = max_a (u(m,a) - lambda y(m,a)): g(lambda) = sum_m pi_m phi_m(lambda), g(lambda*) = u*.
  Any causal policy obeys E[u_T] - lambda* E[y_T] <= u* (time averages over T rounds), because each
  round's (u - lambda* y) is at most phi_{m_t}(lambda*) in expectation given the past.
* v(b) = max over omega-only randomized policies of E[u] subject to E[y] <= b (b in J/round, the
  extra budget over E_bar; v(0) = u*). v is concave and piecewise linear with vertices at the Pareto
  frontier; any causal policy obeys E[u_T] <= v(E[y_T]) (Jensen over the per-round frontier).
"""

from __future__ import annotations

import numpy as np

from gelato_theory.exact.dual import frontier
from gelato_theory.exact.problem import Problem


def phi(problem: Problem, lam: float) -> np.ndarray:
    """phi_m(lambda) = max_a (u(m,a) - lambda y(m,a)) per channel state: (M,), utility units."""
    return (problem.u - float(lam) * problem.y).max(axis=1)


def budget_value(problem: Problem, extra_budget: float | np.ndarray) -> float | np.ndarray:
    """v(b): the best omega-only expected utility with expected cost E[y] <= b (b J/round over E_bar).

    Concave piecewise-linear interpolation of the frontier vertices; -inf below the minimum expected
    cost (no policy fits), the largest expected utility above the cost of the greedy policy at 0.
    Scalar in, float out; array in, array out.
    """
    f = frontier(problem)
    order = np.argsort(f.cost, kind="stable")
    cost, util = f.cost[order], f.utility[order]
    keep = np.concatenate([np.diff(cost) > 0, [True]])  # equal costs: keep the last (best) one
    # the frontier's utility is non-decreasing in cost; equal costs share one vertex
    cost, util = cost[keep], np.maximum.accumulate(util)[keep]
    b = np.asarray(extra_budget, dtype=float)
    v = np.interp(b, cost, util)
    v = np.where(b < cost[0], -np.inf, v)
    return float(v) if v.ndim == 0 else v
