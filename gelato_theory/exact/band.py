"""Envelope constants of exact DPP (SPEC §5.1): the two-sided backlog band and coupled Theorem 3.

Exact DPP in state m with backlog Q plays the greedy action at lambda = Q/V (ties to the lower cost).

* c(lambda) = sum_m pi_m y(m, greedy(lambda)) is a non-increasing step function, constant between the
  breakpoints of the states' envelopes. With d1 = c(lambda1^-) > 0 and d2 = -c(lambda2^+) > 0 the
  Lyapunov functions 1/2 ((Vlambda1 - Q)^+)^2 and 1/2 ((Q - Vlambda2)^+)^2 give
  V lambda1 - B_avg/d1 - ((V lambda1 - Q0)^+)^2 / (2 d1 T) <= (1/T) sum E[Q(t)]
  <= V lambda2 + B_avg/d2 + ((Q0 - V lambda2)^+)^2 / (2 d2 T).
  Each side is optimized exactly: on an interval of constant c the upper side is convex in lambda2 and
  the lower side concave in lambda1, so the optimum is the clipped stationary point.
* Action a is the greedy choice of state m only on an interval [lambda_lo(m,a), lambda_hi(m,a)] (empty
  for actions off the envelope), so every path obeys
  Q(t) <= max(Q0, max_{(m,a) reachable, y_hi(m,a) > 0} V lambda_hi(m,a) + y_hi(m,a)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gelato_theory.exact import expressions as ex
from gelato_theory.exact.dual import breakpoints, greedy_actions
from gelato_theory.exact.problem import Problem


@dataclass(frozen=True, eq=False)
class CostSteps:
    """c(lambda) as a step function: on (edges[i], edges[i+1]) it equals ``cost[i]`` (J/round).

    ``edges`` starts at 0 and ends at +inf; len(cost) = len(edges) - 1. At a breakpoint b,
    c(b^-) is the cost of the interval ending at b and c(b^+) that of the interval starting there.
    """

    edges: np.ndarray
    cost: np.ndarray


def expected_cost(problem: Problem, lam: float) -> float:
    """c(lambda) = sum_m pi_m y(m, greedy action at lambda), J/round."""
    a = greedy_actions(problem, lam)
    return float(problem.pi @ problem.y[np.arange(problem.M), a])


def cost_steps(problem: Problem) -> CostSteps:
    """c(lambda) on every interval between consecutive breakpoints (and beyond the last)."""
    b = breakpoints(problem)
    b = b[b > 0]
    edges = np.concatenate([[0.0], b, [np.inf]])
    inner = [(lo + hi) / 2 for lo, hi in zip(edges[:-2], edges[1:-1], strict=True)]
    inner.append(edges[-2] * 2 + 1.0)
    cost = np.array([expected_cost(problem, lam) for lam in inner])
    return CostSteps(edges=edges, cost=cost)


def band_upper(steps: CostSteps, B_avg: float, V: float, T: int, Q0: float) -> float:
    """min over lambda2 with d2 = -c(lambda2^+) > 0 of the band's upper expression, J.

    On each interval of constant c the expression is convex in lambda2: its minimum is at the
    stationary point clipped to the interval (both from the symbolic band obligation).
    """
    lo, hi, d = steps.edges[:-1], steps.edges[1:], -steps.cost
    ok = d > 0
    if not ok.any():
        return math.inf
    lam = np.clip(ex.band_high_stationary(V, d[ok], Q0, T), lo[ok], hi[ok])
    return float(np.min(ex.band_high(V, lam, d[ok], B_avg, Q0, T)))


def band_lower(steps: CostSteps, B_avg: float, V: float, T: int, Q0: float) -> float:
    """max over lambda1 with d1 = c(lambda1^-) > 0 of the band's lower expression, J.

    On each interval of constant c the expression is concave in lambda1: its maximum is at the
    stationary point clipped to the interval (whose right end is the breakpoint lambda1).
    """
    lo, hi, d = steps.edges[:-1], steps.edges[1:], steps.cost
    ok = (d > 0) & np.isfinite(hi)
    if not ok.any():
        return -math.inf
    lam = np.clip(ex.band_low_stationary(V, d[ok], Q0, T), lo[ok], hi[ok])
    return float(np.max(ex.band_low(V, lam, d[ok], B_avg, Q0, T)))


def greedy_intervals(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """[lambda_lo, lambda_hi] (M, A) on which action a is greedy-optimal in state m.

    a beats b for lambda <= (u_a - u_b)/(y_a - y_b) when y_b < y_a, for lambda >= that ratio when
    y_b > y_a, and always or never when y_b = y_a (u_a >= u_b). lambda_lo > lambda_hi marks an action
    that is never greedy (off the envelope). lambda_hi is +inf for the minimum-cost actions.
    """
    u, y = problem.u, problem.y
    du = u[:, :, None] - u[:, None, :]  # (M, a, b): u_a - u_b
    dy = y[:, :, None] - y[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = du / dy
    hi = np.where(dy > 0, ratio, np.inf).min(axis=2)
    lo = np.maximum(np.where(dy < 0, ratio, -np.inf).max(axis=2), 0.0)
    dominated = ((dy == 0) & (du < 0)).any(axis=2)
    lo = np.where(dominated, np.inf, lo)
    return lo, hi


def coupled_backlog(problem: Problem, V: float, Q0: float) -> float:
    """Coupled Theorem 3: max(Q0, max over greedy (m,a) with y_hi > 0 of V lambda_hi + y_hi), J."""
    lo, hi = greedy_intervals(problem)
    live = (lo <= hi) & (problem.y_hi > 0)
    if not live.any():
        return float(Q0)
    if np.isinf(hi[live]).any():
        return math.inf
    return float(np.max(ex.coupled_bound(V, hi[live], problem.y_hi[live], Q0)))
