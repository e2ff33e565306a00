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
    #: per interval (n, M): E[y^2], largest and smallest realizable cost of the greedy actions,
    #: and the state probabilities (M,); sigma (n,) = 1/2 sum_m pi_m E[y^2] (the curved band)
    y2: np.ndarray
    y_hi: np.ndarray
    y_lo: np.ndarray
    pi: np.ndarray

    @property
    def sigma(self) -> np.ndarray:
        return 0.5 * (self.y2 @ self.pi)


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
    acts = np.array([greedy_actions(problem, lam) for lam in inner])  # (n, M)
    m = np.arange(problem.M)[None, :]
    cost = np.array([float(problem.pi @ problem.y[m[0], a]) for a in acts])  # as expected_cost
    return CostSteps(
        edges=edges,
        cost=cost,
        y2=problem.y2[m, acts],
        y_hi=problem.y_hi[m, acts],
        y_lo=problem.y_lo[m, acts],
        pi=np.asarray(problem.pi, dtype=float),
    )


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


#: at most this many multipliers are tried per side of the curved band (evenly spread over the
#: breakpoints; any multiplier gives a valid band, more only tighten it)
CURVED_CANDIDATES = 96


def _hull_reach(px: np.ndarray, py: np.ndarray, slope: float, budget: float) -> float:
    """sup{x >= 0 : hull(x) <= budget} for the lower convex hull of the points (px, py) (px
    increasing, px[0] = 0) continued past the last point by a ray of slope ``slope``, J.

    The crossing itself is the symbolic layer's ``crossing`` or ``ray`` expression. py[0] <= 0.
    """
    hull: list[tuple[float, float]] = []
    for x, y in zip(px.tolist(), py.tolist(), strict=True):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (y2 - y1) * (x - x1) >= (y - y1) * (x2 - x1):
                hull.pop()  # (x2, y2) lies on or above the chord from (x1, y1) to (x, y)
            else:
                break
        hull.append((x, y))
    while len(hull) >= 2 and (hull[-1][1] - hull[-2][1]) >= slope * (hull[-1][0] - hull[-2][0]):
        hull.pop()  # the ray from an earlier vertex lies below this last segment
    if slope <= 0:
        return math.inf
    for (xa, ya), (xb, yb) in zip(hull[:-1], hull[1:], strict=False):
        if ya <= budget < yb:
            return float(ex.curved_crossing(xa, ya, xb, yb, budget))
    xa, ya = hull[-1]
    if ya <= budget:
        return float(ex.curved_ray(xa, ya, slope, budget))
    return 0.0  # unreachable for budget >= 0: the hull starts at (0, py[0] <= 0)


def _candidates(steps: CostSteps) -> np.ndarray:
    """Multipliers to try: breakpoints and interval midpoints, thinned to CURVED_CANDIDATES."""
    e = steps.edges[:-1]
    mids = (steps.edges[:-2] + steps.edges[1:-1]) / 2
    lam = np.unique(np.concatenate([e, mids]))
    if lam.size > CURVED_CANDIDATES:
        lam = lam[np.unique(np.linspace(0, lam.size - 1, CURVED_CANDIDATES).round().astype(int))]
    return lam


def _far_side_drift(steps: CostSteps, R: np.ndarray, realized: np.ndarray, k: np.ndarray) -> float:
    """B-bar: max over the intervals ``k`` of 1/2 sum_m pi_m min(E[y^2], ((R + realized)^+)^2) with
    R (per interval) the excess closest to zero there and ``realized`` the extreme cost, J^2."""
    if k.size == 0:
        return 0.0
    over = np.maximum(R[:, None] + realized[k], 0.0) ** 2
    return float(max(0.0, (0.5 * np.minimum(steps.y2[k], over) @ steps.pi).max()))


def _adjacent(steps: CostSteps, lam: float) -> np.ndarray:
    """Indices of the intervals whose closure holds ``lam`` (two at a breakpoint)."""
    e = steps.edges
    return np.flatnonzero((e[:-1] <= lam) & (lam <= e[1:]))


def curved_upper_at(steps: CostSteps, V: float, T: int, Q0: float, lam: float) -> float:
    """The curved band's upper end at multiplier lambda2 = ``lam`` (symbolic/band_curved.py), J.

    G(R) = B-bar - sigma(lam + R/V) - R c(lam + R/V) is linear on each interval; each breakpoint
    b > lam gives the point (V (b - lam), smaller of the two sides' values); past the last
    breakpoint the ray has slope -c(inf). B-bar is the largest drift where Q < V lam.
    """
    e, c, sig = steps.edges, steps.cost, steps.sigma
    below = np.flatnonzero(e[:-1] < lam)
    R = V * (np.minimum(e[1:][below], lam) - lam)
    B_bar = _far_side_drift(steps, R, steps.y_hi, below)
    j = np.flatnonzero(e[1:-1] > lam)  # breakpoints e[j + 1] beyond lam
    z = V * (e[1:-1][j] - lam)
    left = B_bar - sig[j] - z * c[j]
    right = B_bar - sig[j + 1] - z * c[j + 1]
    g0 = min(0.0, B_bar - float(sig[_adjacent(steps, lam)].max()))
    px = np.concatenate([[0.0], z])
    py = np.concatenate([[g0], np.minimum(left, right)])
    budget = float(ex.curved_budget_high(V, lam, B_bar, Q0, T))
    return V * lam + _hull_reach(px, py, float(-c[-1]), budget)


def curved_lower_at(steps: CostSteps, V: float, T: int, Q0: float, lam: float) -> float:
    """The curved band's lower end at multiplier lambda1 = ``lam`` > 0, J.

    G(w) = B-bar - sigma(lam - w/V) + w c(lam - w/V) for w in [0, V lam]; each breakpoint b < lam
    gives the point (V (lam - b), smaller side); below the first breakpoint the ray has slope
    c(0). B-bar is the largest drift where Q > V lam (from the smallest realizable costs).
    """
    e, c, sig = steps.edges, steps.cost, steps.sigma
    above = np.flatnonzero(e[1:] > lam)
    w_near = V * (lam - np.maximum(e[:-1][above], lam))
    B_bar = _far_side_drift(steps, w_near, -steps.y_lo, above)
    j = np.flatnonzero(e[1:-1] < lam)[::-1]  # breakpoints e[j + 1] below lam, nearest first
    wk = V * (lam - e[1:-1][j])
    left = B_bar - sig[j] + wk * c[j]
    right = B_bar - sig[j + 1] + wk * c[j + 1]
    g0 = min(0.0, B_bar - float(sig[_adjacent(steps, lam)].max()))
    px = np.concatenate([[0.0], wk])
    py = np.concatenate([[g0], np.minimum(left, right)])
    budget = float(ex.curved_budget_low(V, lam, B_bar, Q0, T))
    reach = _hull_reach(px, py, float(c[0]), budget)
    return V * lam - min(reach, V * lam)


def _best(f, lam: np.ndarray, sign: float) -> float:
    """max of sign * f over the candidates, then over a finer grid between the best one's
    neighbours; returns f there (any multiplier is valid, so this only tightens)."""
    vals = np.array([sign * f(x) for x in lam])
    i = int(np.argmax(vals))
    lo, hi = lam[max(i - 1, 0)], lam[min(i + 1, lam.size - 1)]
    fine = np.linspace(lo, hi, 33)
    return sign * max(vals[i], max(sign * f(x) for x in fine))


def curved_upper(steps: CostSteps, V: float, T: int, Q0: float) -> float:
    """min over multipliers (candidates, then refined) of the curved band's upper end, J."""
    return _best(lambda x: curved_upper_at(steps, V, T, Q0, x), _candidates(steps), -1.0)


def curved_lower(steps: CostSteps, V: float, T: int, Q0: float) -> float:
    """max over multipliers > 0 of the curved band's lower end, J (0 when none helps)."""
    lam = _candidates(steps)
    lam = lam[lam > 0]
    if lam.size == 0:
        return 0.0
    return max(0.0, _best(lambda x: curved_lower_at(steps, V, T, Q0, x), lam, 1.0))


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
