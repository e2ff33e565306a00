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

TIE_ULPS = 64
"""Width of the tie band in units of the float spacing at the scores' magnitude (SPEC §4, ties)."""

TIE_RTOL = TIE_ULPS * float(np.finfo(float).eps)  # 1.42e-14


def tie_tolerance(u: np.ndarray, y: np.ndarray, V, Q) -> np.ndarray:
    """Tie band of the scores V u - Q y over rows of u, y (..., A): TIE_RTOL (V max|u| + Q max|y|).

    The band is relative to the magnitudes of the two terms, not to the score (which may cancel):
    u and y come from closed forms carrying a few ulps of relative error each (geometric sums,
    y = y0 + y_c c + y_k k with y0 one of its terms), and the products and the difference add
    three roundings, so two scores that are equal in exact arithmetic differ by at most a few tens
    of ulps of V max|u| + Q max|y|; 64 ulps covers that, and real gaps are many orders larger.
    """
    U = np.abs(u).max(axis=-1)
    Y = np.abs(y).max(axis=-1)
    return TIE_RTOL * (np.abs(V) * U + np.abs(Q) * Y)


def envelope(u: np.ndarray, y: np.ndarray) -> tuple[list[int], list[float]]:
    """Geometric upper envelope over lambda >= 0 of the lines u_a - lambda y_a.

    Returns the actions along the envelope (from lambda = 0 upward) and the breakpoints between
    consecutive ones (exact crossings, used for lambda* and the Pareto frontier). Lines that are
    exactly equal at lambda = 0 or cross at the same breakpoint go to the lower cost. The decision
    rule with its tie band is :func:`decision_envelope`.
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


def tie_choice(u: np.ndarray, y: np.ndarray, lam: np.ndarray, scale: tuple[float, float]):
    """The tie rule in lambda = Q / V: argmax_a (u_a - lam y_a) with the band of
    :func:`tie_tolerance` divided by V; ``scale`` = (max|u|, max|y|) of the full row. (P,) int."""
    lam = np.asarray(lam, dtype=float)
    scores = u[None, :] - lam[:, None] * y[None, :]
    tol = TIE_RTOL * (scale[0] + lam * scale[1])
    return argmax_low_cost(scores, np.broadcast_to(y, scores.shape), tol, u)


def decision_envelope(
    u: np.ndarray, y: np.ndarray, scale: tuple[float, float] | None = None
) -> tuple[list[int], list[float]]:
    """The DPP decision as a function of lambda = Q / V under the tie rule (SPEC §4).

    Returns the chosen actions from lambda = 0 upward and the points where the choice changes; at a
    switch point the choice is the one to its right. An action is in the tie band at lambda while
    h_a(lambda) = u_a - lam y_a + TIE_RTOL (U + lam Y) - max_b (u_b - lam y_b) >= 0, a concave
    piecewise-linear function with its kinks at the geometric breakpoints, so the choice can only
    change at a breakpoint or at a root of some h_a on a segment of the envelope. The choice on each
    piece is then read off :func:`tie_choice` itself, the very rule the menu scan applies, so lookup
    and scan agree everywhere except within rounding of a switch point.
    """
    if scale is None:
        scale = (float(np.abs(u).max()), float(np.abs(y).max()))
    U, Y = scale
    acts, brk = envelope(u, y)
    lo = [0.0, *brk]
    hi = [*brk, np.inf]
    pts = list(brk)
    for e, a, b in zip(acts, lo, hi, strict=True):
        alpha = (u - u[e]) + TIE_RTOL * U  # differences first: exact for nearby lines
        beta = (y - y[e]) - TIE_RTOL * Y
        with np.errstate(divide="ignore", invalid="ignore"):
            root = alpha / beta
        pts.extend(root[(beta != 0) & (root > a) & (root < b)].tolist())
    pts_arr = np.unique(np.asarray(pts, dtype=float))
    # piece 0 is [0, pts[0]) and is probed at lambda = 0 itself, as the scan sees Q = 0; piece i
    # is [pts[i-1], pts[i]) probed at its midpoint; the last piece is probed past its start
    mids = (pts_arr[:-1] + pts_arr[1:]) / 2
    tail = [pts_arr[-1] * 2 + 1.0] if pts_arr.size else []
    probes = np.concatenate([[0.0], mids, tail])
    choice = tie_choice(u, y, probes, scale)
    actions, breaks = [int(choice[0])], []
    for p, c in zip(pts_arr, choice[1:], strict=True):
        if int(c) != actions[-1]:
            actions.append(int(c))
            breaks.append(float(p))
    return actions, breaks


def dual_value(problem: Problem, lam: np.ndarray) -> np.ndarray:
    """g(lambda) = sum_m pi_m max_a (u - lambda y) for an array of lambda >= 0."""
    lam = np.atleast_1d(np.asarray(lam, dtype=float))
    vals = problem.u[None] - lam[:, None, None] * problem.y[None]
    return vals.max(axis=2) @ problem.pi


def argmax_low_cost(
    scores: np.ndarray,
    cost: np.ndarray,
    tol: np.ndarray | float | None = None,
    utility: np.ndarray | None = None,
) -> np.ndarray:
    """Row-wise argmax of ``scores`` under the tie rule (SPEC §4): every action within ``tol`` of
    the row's best is tied; among ties the lowest ``cost`` wins, then the highest ``utility`` (for
    equal cost the exact form of the higher score, free of the score's rounding; the score itself
    when ``utility`` is None), then the lowest index.

    ``tol`` (rows,) or scalar, absolute; by default TIE_RTOL times the largest finite |score| of
    the row. DPP callers pass :func:`tie_tolerance`, relative to the magnitudes of V u and Q y.
    """
    if tol is None:
        finite = np.where(np.isfinite(scores), np.abs(scores), 0.0)
        tol = TIE_RTOL * finite.max(axis=1)
    tol = np.broadcast_to(np.asarray(tol, dtype=float), scores.shape[:1])[:, None]
    best = scores.max(axis=1, keepdims=True)
    tied = scores >= best - tol
    cheapest = np.where(tied, cost, np.inf).min(axis=1, keepdims=True)
    # among tied actions of equal cost (parallel lines) the higher utility: a choice between
    # parallel lines then never hinges on where the band, which grows with Q, covers their gap
    key = scores if utility is None else np.broadcast_to(utility, scores.shape)
    return np.where(tied & (cost == cheapest), key, -np.inf).argmax(axis=1)


def greedy_actions(problem: Problem, lam: float) -> np.ndarray:
    """argmax_a (u - lambda y) per state under the tie rule of :func:`argmax_low_cost`: (M,) int."""
    tol = tie_tolerance(problem.u, problem.y, 1.0, lam)
    return argmax_low_cost(problem.u - lam * problem.y, problem.y, tol, problem.u)


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
