"""The dual function g(lambda) = E_omega[max_a (u - lambda y)] and its exact minimization (SPEC §5).

For each channel state the map lambda -> max_a (u - lambda y) is the upper envelope of lines, so g
is convex and piecewise linear; its minimum over lambda >= 0 sits at 0 or at a breakpoint of some
state's envelope. Enumerating the envelopes gives the minimum exactly, with no LP solver: an
independent route to u* and lambda*. The same envelopes give every vertex of the Pareto frontier
(expected cost, expected utility) of the omega-only policies: the greedy policies between
consecutive breakpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gelato_theory.exact.problem import Problem


def envelope(u: np.ndarray, y: np.ndarray) -> tuple[list[int], list[float]]:
    """Upper envelope over lambda >= 0 of the lines u_a - lambda y_a.

    Returns the actions along the envelope (from lambda = 0 upward) and the breakpoints between
    consecutive ones. Ties at lambda = 0 go to the lower cost; ties at a breakpoint to the lower cost.
    """
    best_u = u.max()
    cur = int(np.flatnonzero(u == best_u)[np.argmin(y[u == best_u])])
    actions, breaks = [cur], []
    lam = 0.0
    while True:
        lower = y < y[cur]
        if not lower.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = np.where(lower, (u[cur] - u) / (y[cur] - y), np.inf)
        cross = np.maximum(cross, lam)
        t = cross.min()
        if not np.isfinite(t):
            break
        tied = np.flatnonzero(cross == t)
        nxt = int(tied[np.argmin(y[tied])])
        actions.append(nxt)
        breaks.append(float(t))
        cur, lam = nxt, float(t)
    return actions, breaks


def dual_value(problem: Problem, lam: np.ndarray) -> np.ndarray:
    """g(lambda) = sum_m pi_m max_a (u - lambda y) for an array of lambda >= 0."""
    lam = np.atleast_1d(np.asarray(lam, dtype=float))
    vals = problem.u[None] - lam[:, None, None] * problem.y[None]
    return vals.max(axis=2) @ problem.pi


def argmax_low_cost(scores: np.ndarray, cost: np.ndarray, rtol: float = 1e-12) -> np.ndarray:
    """Row-wise argmax of ``scores``; among (near-)ties the lowest ``cost``, then the lowest index."""
    best = scores.max(axis=1, keepdims=True)
    tied = scores >= best - rtol * (1.0 + np.abs(best))
    return np.where(tied, cost, np.inf).argmin(axis=1)


def greedy_actions(problem: Problem, lam: float) -> np.ndarray:
    """argmax_a (u - lambda y) per state, ties to the lowest cost (then lowest index): (M,) int."""
    return argmax_low_cost(problem.u - lam * problem.y, problem.y)


def breakpoints(problem: Problem) -> np.ndarray:
    """Sorted union of all states' envelope breakpoints (lambda values)."""
    pts: list[float] = []
    for m in range(problem.M):
        pts.extend(envelope(problem.u[m], problem.y[m])[1])
    return np.unique(np.asarray(pts, dtype=float))


@dataclass(frozen=True)
class DualSolution:
    """u* = min_{lambda >= 0} g(lambda), attained at lambda*."""

    u_star: float
    lambda_star: float


def minimize_dual(problem: Problem) -> DualSolution:
    """Exact minimum of g over lambda >= 0 by evaluating it at 0 and every breakpoint."""
    cand = np.concatenate([[0.0], breakpoints(problem)])
    g = dual_value(problem, cand)
    i = int(np.argmin(g))
    return DualSolution(u_star=float(g[i]), lambda_star=float(cand[i]))


@dataclass(frozen=True, eq=False)
class Frontier:
    """Vertices of the Pareto frontier of omega-only policies, by increasing multiplier.

    ``actions`` (n, M) deterministic policies; ``utility`` and ``cost`` (n,) their expectations;
    ``lam`` (n,) a multiplier at which each is greedy-optimal.
    """

    actions: np.ndarray
    utility: np.ndarray
    cost: np.ndarray
    lam: np.ndarray


def frontier(problem: Problem) -> Frontier:
    """All frontier vertices: the greedy policy at 0 and inside every gap between breakpoints."""
    b = breakpoints(problem)
    mids = (b[:-1] + b[1:]) / 2 if b.size > 1 else np.empty(0)
    lams = np.concatenate([[0.0], mids, [b[-1] * 2 + 1.0] if b.size else []])
    acts = np.stack([greedy_actions(problem, lam) for lam in lams])
    rows = np.arange(problem.M)
    util = np.array([problem.pi @ problem.u[rows, a] for a in acts])
    cost = np.array([problem.pi @ problem.y[rows, a] for a in acts])
    return Frontier(actions=acts, utility=util, cost=cost, lam=lams)
