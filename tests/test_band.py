"""The sharp constants of SPEC §5.1: B_avg, the backlog band, coupled Theorem 3, phi and v(b).

Each is checked against an independent computation here (grids over lambda, brute-force LPs), and on
hand-made problems whose answers are known in closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.exact.band import (
    band_lower,
    band_upper,
    cost_steps,
    coupled_backlog,
    curved_lower,
    curved_lower_at,
    curved_upper,
    curved_upper_at,
    expected_cost,
    greedy_intervals,
)
from gelato_theory.exact.bounds import bounds_at, budget_value, constants, phi
from gelato_theory.exact.dual import envelope
from gelato_theory.exact.problem import Problem


def hand_problem(u, y, pi, y_hi=None, y2=None) -> Problem:
    u, y, pi = (np.asarray(v, dtype=float) for v in (u, y, pi))
    y_hi = y if y_hi is None else np.asarray(y_hi, dtype=float)
    y2 = y**2 if y2 is None else np.asarray(y2, dtype=float)
    return Problem(
        stats=None, kind="per_round", theta=0.0, pi=pi, u=u, y=y, y_lo=y, y_hi=y_hi, y2=y2,
        t_min=1.0,
    )  # fmt: skip


@pytest.fixture(scope="module", params=["default", "paper-like"])
def solved(request):
    return constants(preset(request.param))


def test_B_avg_is_the_average_of_the_per_state_worst_second_moment(solved) -> None:
    problem, c = solved
    per_state = [max(problem.y2[m]) / 2 for m in range(problem.M)]
    assert c.B_avg == pytest.approx(
        sum(p * b for p, b in zip(problem.pi, per_state, strict=True)), rel=1e-12
    )
    assert c.B_avg < c.B_tight <= c.B * (1 + 1e-12)
    # a deliberately wrong constant (the worst state's moment for every state) is larger
    assert max(per_state) > c.B_avg


def test_phi_is_the_per_state_upper_envelope_and_g_at_lambda_star_is_u_star(solved) -> None:
    problem, c = solved
    f = phi(problem, c.lambda_star)
    for m in range(problem.M):
        assert f[m] == max(problem.u[m] - c.lambda_star * problem.y[m])
    assert problem.pi @ f == pytest.approx(c.u_star, rel=1e-7)
    # g is minimal at lambda*: both neighbours are larger
    for lam in (c.lambda_star * 0.9, c.lambda_star * 1.1 + 0.1):
        assert problem.pi @ phi(problem, lam) >= c.u_star - 1e-9


def test_budget_value_is_the_lp_value_of_a_budget() -> None:
    # one state, lines (u, y): (3, 2), (2, -1/2), (0, -2)
    pr = hand_problem([[3.0, 2.0, 0.0]], [[2.0, -0.5, -2.0]], [1.0])
    assert budget_value(pr, 0.0) == pytest.approx(2.0 + 0.5 / 2.5)  # mix (3,2) and (2,-1/2)
    assert budget_value(pr, 5.0) == 3.0
    assert budget_value(pr, -2.0) == 0.0
    assert budget_value(pr, -2.5) == -math.inf
    v = budget_value(pr, np.array([-1.25, -0.5, 2.0]))
    np.testing.assert_allclose(v, [1.0, 2.0, 3.0])


def test_budget_value_at_zero_is_u_star_and_concave(solved) -> None:
    problem, c = solved
    assert budget_value(problem, 0.0) == pytest.approx(c.u_star, rel=1e-9)
    b = np.linspace(-c.epsilon, 0.3, 200)
    v = budget_value(problem, b)
    assert np.all(np.diff(v) >= -1e-12)
    assert np.all(np.diff(v, 2) <= 1e-9)
    # the slope at 0 is lambda* (envelope theorem): v(b) <= u* + lambda* b everywhere
    assert np.all(v <= c.u_star + c.lambda_star * b + 1e-9)


def test_cost_steps_match_a_grid_of_lambda(solved) -> None:
    problem, c = solved
    steps = cost_steps(problem)
    assert np.all(np.diff(steps.cost) <= 1e-15)  # c is non-increasing
    assert steps.cost[-1] == pytest.approx(-c.epsilon)  # the minimum-cost policy at large lambda
    for lo, hi, cost in zip(steps.edges[:-1], steps.edges[1:], steps.cost, strict=True):
        top = hi if math.isfinite(hi) else lo + 10.0
        for lam in np.linspace(lo, top, 7)[1:-1]:
            assert expected_cost(problem, lam) == cost

    # lambda* separates non-negative from non-positive cost
    def at(lam):
        return steps.cost[np.searchsorted(steps.edges, lam, side="right") - 1]

    assert at(c.lambda_star * (1 - 1e-9)) >= 0 >= at(c.lambda_star * (1 + 1e-9))


def _band_by_grid(problem, B_avg, V, T, Q0):
    lams = np.unique(np.concatenate([np.linspace(0, 40, 8001), cost_steps(problem).edges[1:-1]]))
    # every breakpoint is on the grid, so c between two grid points is c at their midpoint
    mids = np.concatenate([[0.0], (lams[:-1] + lams[1:]) / 2, [lams[-1] + 1.0]])
    costs = np.array([expected_cost(problem, lam) for lam in mids])
    lo, hi = -math.inf, math.inf
    for i, lam in enumerate(lams):
        c_minus, c_plus = costs[i], costs[i + 1]  # c(lam^-), c(lam^+)
        if c_minus > 0 and lam > 0:
            lo = max(lo, V * lam - B_avg / c_minus - max(V * lam - Q0, 0) ** 2 / (2 * c_minus * T))
        if c_plus < 0:
            hi = min(hi, V * lam + B_avg / -c_plus + max(Q0 - V * lam, 0) ** 2 / (-2 * c_plus * T))
    return lo, hi


@pytest.mark.parametrize("V, T, Q0", [(0.1, 4000, 0.0), (0.03, 100, 2.0), (0.3, 10, 0.5)])
def test_band_is_the_optimum_over_breakpoints(solved, V, T, Q0) -> None:
    problem, c = solved
    steps = cost_steps(problem)
    lo, hi = band_lower(steps, c.B_avg, V, T, Q0), band_upper(steps, c.B_avg, V, T, Q0)
    g_lo, g_hi = _band_by_grid(problem, c.B_avg, V, T, Q0)
    assert lo >= g_lo - 1e-9 and hi <= g_hi + 1e-9  # at least as good as any grid point
    assert lo == pytest.approx(g_lo, abs=1e-2 * V + 1e-6)  # and attained up to the grid step
    assert hi == pytest.approx(g_hi, abs=1e-2 * V + 1e-6)
    assert lo < V * c.lambda_star < hi


def test_band_on_a_hand_problem() -> None:
    # one state, lines (u, y): (3, 1), (2, -1): breakpoint 1/2, c = 1 below and -1 above
    pr = hand_problem([[3.0, 2.0]], [[1.0, -1.0]], [1.0])
    steps = cost_steps(pr)
    np.testing.assert_array_equal(steps.edges, [0.0, 0.5, np.inf])
    np.testing.assert_array_equal(steps.cost, [1.0, -1.0])
    V, T = 4.0, 1000
    assert band_upper(steps, 0.5, V, T, 0.0) == pytest.approx(2.0 + 0.5)
    assert band_lower(steps, 0.5, V, T, 0.0) == pytest.approx(2.0 - 0.5 - 4.0 / (2 * T))
    # a large Q0 moves the optimal lambda2 off the breakpoint to the stationary point (Q0 - d T)/V
    Q0, T = 50.0, 10
    lam = (Q0 - T) / V
    assert band_upper(steps, 0.5, V, T, Q0) == pytest.approx(
        V * lam + 0.5 + (Q0 - V * lam) ** 2 / (2 * T)
    )
    # no multiplier with c > 0 (lambda* = 0): no lower band
    loose = hand_problem([[3.0, 2.0]], [[-0.5, -1.0]], [1.0])
    assert band_lower(cost_steps(loose), 0.5, V, T, 0.0) == -math.inf
    assert band_upper(cost_steps(loose), 0.5, V, 1000, 0.0) == pytest.approx(0.5 / 0.5)


def test_greedy_intervals_are_the_envelope_intervals(solved) -> None:
    problem, _ = solved
    lo, hi = greedy_intervals(problem)
    for m in range(problem.M):
        acts, breaks = envelope(problem.u[m], problem.y[m])
        ends = [*breaks, math.inf]
        starts = [0.0, *breaks]
        for a, s, e in zip(acts, starts, ends, strict=True):
            assert hi[m, a] == pytest.approx(e, rel=1e-12) and lo[m, a] == pytest.approx(
                s, abs=1e-12
            )
        off = np.setdiff1d(np.arange(problem.A), acts)
        # off-envelope actions are greedy nowhere, or only at one tie point
        assert np.all(lo[m, off] >= hi[m, off] - 1e-12)


def test_coupled_theorem3_on_a_hand_problem() -> None:
    # lines (u, y): (3, 1) greedy on [0, 1/2], (2, -1) beyond; y_hi of the first is 1.5
    pr = hand_problem([[3.0, 2.0]], [[1.0, -1.0]], [1.0], y_hi=[[1.5, -1.0]])
    assert coupled_backlog(pr, 4.0, 0.0) == pytest.approx(4.0 * 0.5 + 1.5)
    assert coupled_backlog(pr, 4.0, 7.0) == 7.0
    # the cheapest action can overshoot: no finite bound
    over = hand_problem([[3.0, 2.0]], [[1.0, -1.0]], [1.0], y_hi=[[1.5, 0.5]])
    assert coupled_backlog(over, 4.0, 0.0) == math.inf
    # a never-greedy costly action does not enter the bound
    dom = hand_problem([[3.0, 2.0, 1.0]], [[1.0, -1.0, 5.0]], [1.0], y_hi=[[1.5, -1.0, 9.0]])
    assert coupled_backlog(dom, 4.0, 0.0) == pytest.approx(3.5)


def test_new_vbounds_fields_on_default(solved) -> None:
    problem, c = solved
    V, T = 0.03, 4000
    b = bounds_at(c, V, T, problem)
    assert b.utility_lower_bound_avg == pytest.approx(c.u_star - c.B_avg / V)
    assert b.utility_lower_bound_avg > b.utility_lower_bound
    assert b.backlog_bound_avg <= b.backlog_bound_lp
    assert b.band_low < V * c.lambda_star < b.band_high <= b.backlog_bound_avg
    assert b.coupled_backlog_bound <= b.deterministic_backlog_bound
    # without the problem tables the envelope bounds are vacuous
    bare = bounds_at(c, V, T)
    assert (bare.band_low, bare.band_high, bare.coupled_backlog_bound) == (
        -math.inf,
        math.inf,
        math.inf,
    )


def test_every_bound_carries_its_initial_backlog_term() -> None:
    s = preset("default").replace(**{"control.Q0": 3.0})
    problem, c = constants(s)
    V, T = 0.1, 50
    b = bounds_at(c, V, T, problem)
    assert b.utility_lower_bound_avg == pytest.approx(c.u_star - c.B_avg / V - 4.5 / (V * T))
    b_long = bounds_at(c, V, 10**9, problem)
    assert b.band_high > b_long.band_high + 0.5  # Q0 = 3 J far above V lambda*
    assert b.backlog_bound_avg > b_long.backlog_bound_avg
    assert b.coupled_backlog_bound == 3.0


@pytest.mark.parametrize(
    "name, Q0", [("default", 0.0), ("default", 0.5), ("exit-heavy", 0.0), ("paper-like", 0.0)]
)
def test_exact_dpp_paths_respect_the_band_and_coupled_theorem3(name, Q0) -> None:
    from gelato_theory.control.policies import DPP
    from gelato_theory.simulation.simulator import simulate

    s = preset(name).replace(**{"control.Q0": Q0})
    problem, c = constants(s)
    V = np.asarray(s.control.V[-3:], dtype=float)
    T = 1500
    sim = simulate(s, problem, DPP(problem), V=V, seeds=8, horizon=T)
    for i, v in enumerate(V):
        b = bounds_at(c, v, T, problem)
        assert sim.max_Q[i].max() <= b.coupled_backlog_bound * (1 + 1e-9)
        q = sim.mean_Q[i]
        half = 4 * q.std(ddof=1) / np.sqrt(q.size)
        assert b.band_low - half <= q.mean() <= b.band_high + half


def test_B_avg_any_bounds_every_controller_and_B_avg_the_menu() -> None:
    for s in (
        preset("default"),
        preset("default").replace(
            **{"objective.kind": "per_second", "objective.power_budget_w": 1.2}
        ),
    ):
        problem, c = constants(s)
        worst = np.maximum(problem.y_lo.min(axis=1) ** 2, problem.y_hi.max(axis=1) ** 2)
        assert c.B_avg_any == pytest.approx(float(problem.pi @ worst) / 2, rel=1e-12)
        assert c.B_avg <= c.B_avg_any * (1 + 1e-12) <= c.B * (1 + 1e-12)
    # per-second: a round's extreme outcomes are not all deterministic menu outcomes, so an
    # in-round rule can exceed the menu's second moments
    assert c.B_avg < c.B_avg_any * (1 - 1e-3)


def _random_problem(rng):
    """A random finite problem with two-point realized costs y = ybar +- delta, Slater slack."""
    M, A = int(rng.integers(1, 5)), int(rng.integers(2, 6))
    pi = rng.dirichlet(np.ones(M))
    u = rng.uniform(0, 3, (M, A)).round(int(rng.integers(1, 4)))  # rounding makes ties
    y = rng.uniform(-1, 1, (M, A)).round(2)
    y[:, 0] = -rng.uniform(0.05, 0.5, M).round(2)
    u[:, 0] = 0.0
    delta = rng.uniform(0, 0.3, (M, A)) * (rng.random((M, A)) < 0.5)
    delta[:, 0] = 0.0  # the cheapest action is deterministic (so coupled Theorem 3 is finite)
    return Problem(
        stats=None, kind="per_round", theta=0.0, pi=pi, u=u, y=y, y_lo=y - delta, y_hi=y + delta,
        y2=y**2 + delta**2, t_min=1.0,
    ), delta  # fmt: skip


def _dpp_paths(problem, delta, V, T, S, Q0, rng):
    from gelato_theory.exact.dual import argmax_low_cost

    Q = np.full(S, Q0)
    total, top = np.zeros(S), np.full(S, Q0)
    cdf = np.cumsum(problem.pi)
    for _ in range(T):
        total += Q
        m = np.minimum(np.searchsorted(cdf, rng.random(S), side="right"), problem.M - 1)
        a = argmax_low_cost(problem.u[m] - (Q / V)[:, None] * problem.y[m], problem.y[m])
        sign = np.where(rng.random(S) < 0.5, -1.0, 1.0)
        Q = np.maximum(Q + problem.y[m, a] + sign * delta[m, a], 0.0)
        top = np.maximum(top, Q)
    return total / T, top


@pytest.mark.parametrize("seed", range(12))
def test_band_and_coupled_theorem3_on_random_problems(seed) -> None:
    rng = np.random.default_rng(seed)
    problem, delta = _random_problem(rng)
    B_avg = float(problem.pi @ problem.y2.max(axis=1)) / 2
    for V in (0.05, 0.5, 5.0):
        for Q0 in (0.0, 3.0):
            T, S = 400, 64
            mean_Q, top = _dpp_paths(problem, delta, V, T, S, Q0, rng)
            steps = cost_steps(problem)
            assert top.max() <= coupled_backlog(problem, V, Q0) * (1 + 1e-9) + 1e-12
            half = 4 * mean_Q.std(ddof=1) / np.sqrt(S) + 1e-12
            assert mean_Q.mean() <= band_upper(steps, B_avg, V, T, Q0) + half
            assert mean_Q.mean() >= band_lower(steps, B_avg, V, T, Q0) - half
            assert mean_Q.mean() <= curved_upper(steps, V, T, Q0) + half
            assert mean_Q.mean() >= curved_lower(steps, V, T, Q0) - half


def _reach_by_chords(px, py, slope, budget):
    """sup{x : hull(x) <= budget} as the largest x where any chord between two points, or any
    point's ray of slope ``slope``, is <= budget (the hull is the lower envelope of them all)."""
    best = 0.0
    for i in range(len(px)):
        if py[i] > budget:
            continue
        best = max(best, px[i] + (budget - py[i]) / slope)
        for j in range(len(px)):
            if px[j] > px[i] and py[j] > budget:
                best = max(best, px[i] + (budget - py[i]) * (px[j] - px[i]) / (py[j] - py[i]))
    return best


def _local(problem, lam):
    """(c, sigma, y2, y_hi, y_lo) of the greedy actions at lam, from greedy_actions directly."""
    from gelato_theory.exact.dual import greedy_actions

    a = greedy_actions(problem, lam)
    m = np.arange(problem.M)
    y2 = problem.y2[m, a]
    return (
        float(problem.pi @ problem.y[m, a]),
        0.5 * float(problem.pi @ y2),
        y2,
        problem.y_hi[m, a],
        problem.y_lo[m, a],
    )


def _curved_by_hand(problem, V, T, Q0, lam, side):
    """The curved band's end at one multiplier, each piece evaluated by greedy_actions just beside
    each breakpoint, the far-side drift at each interval's near end, the reach from every chord."""
    steps = cost_steps(problem)
    b = steps.edges[1:-1]
    eps = 1e-9
    pi = problem.pi
    if side == "high":
        ends = [x for x in list(b) + [lam] if 0 < x <= lam]
        B_bar = 0.0
        for x in ends:  # approach each interval's right end (or lam) from the left
            _, _, y2, y_hi, _ = _local(problem, x * (1 - eps))
            R = V * (x - lam)
            B_bar = max(B_bar, 0.5 * float(pi @ np.minimum(y2, np.maximum(R + y_hi, 0) ** 2)))
        sig0 = max(_local(problem, lam * (1 - eps))[1], _local(problem, lam * (1 + eps) + eps)[1])
        px, py = [0.0], [min(0.0, B_bar - sig0)]
        for k in b[b > lam]:
            z = V * (k - lam)
            vals = [
                B_bar - sg - z * c
                for c, sg, *_ in (_local(problem, k * (1 - eps)), _local(problem, k * (1 + eps)))
            ]
            px.append(z)
            py.append(min(vals))
        budget = B_bar + max(Q0 - V * lam, 0.0) ** 2 / (2 * T)
        return V * lam + _reach_by_chords(px, py, -steps.cost[-1], budget)
    starts = [x for x in [lam] + list(b) if x >= lam]
    B_bar = 0.0
    for x in starts:  # each interval's left end (or lam), approached from the right
        _, _, y2, _, y_lo = _local(problem, x * (1 + eps))
        w = V * (lam - x)
        B_bar = max(B_bar, 0.5 * float(pi @ np.minimum(y2, np.maximum(w - y_lo, 0) ** 2)))
    sig0 = max(_local(problem, lam * (1 - eps))[1], _local(problem, lam * (1 + eps))[1])
    px, py = [0.0], [min(0.0, B_bar - sig0)]
    for k in b[b < lam][::-1]:
        w = V * (lam - k)
        vals = [
            B_bar - sg + w * c
            for c, sg, *_ in (_local(problem, k * (1 - eps)), _local(problem, k * (1 + eps)))
        ]
        px.append(w)
        py.append(min(vals))
    budget = B_bar + max(V * lam - Q0, 0.0) ** 2 / (2 * T)
    return V * lam - min(_reach_by_chords(px, py, steps.cost[0], budget), V * lam)


@pytest.mark.parametrize("V, T, Q0", [(0.01, 4000, 0.0), (0.1, 200, 0.5), (1.0, 50, 3.0)])
def test_curved_band_equals_a_chord_by_chord_computation(solved, V, T, Q0) -> None:
    problem, c = solved
    steps = cost_steps(problem)
    b = steps.edges[1:-1]
    for lam in np.concatenate([[0.0], b[:: max(1, b.size // 12)] * (1 + 1e-3)]):
        got = curved_upper_at(steps, V, T, Q0, lam)
        assert got == pytest.approx(_curved_by_hand(problem, V, T, Q0, lam, "high"), rel=1e-9)
        if lam > 0:
            got = curved_lower_at(steps, V, T, Q0, lam)
            assert got == pytest.approx(_curved_by_hand(problem, V, T, Q0, lam, "low"), rel=1e-9)


def test_curved_band_is_never_wider_than_the_straight_one(solved) -> None:
    problem, c = solved
    steps = cost_steps(problem)
    for V in (0.003, 0.03, 0.3, 3.0):
        for T, Q0 in ((4000, 0.0), (100, 2.0)):
            assert curved_upper(steps, V, T, Q0) <= band_upper(steps, c.B_avg, V, T, Q0)
            assert curved_lower(steps, V, T, Q0) >= band_lower(steps, c.B_avg, V, T, Q0)


def test_curved_band_is_far_tighter_on_default_where_the_straight_one_is_loosest() -> None:
    """V = 0.03: the straight band is [-0.03, 0.65] J around a measured 0.2346 J."""
    problem, _ = constants(preset("default"))
    steps = cost_steps(problem)
    assert curved_upper(steps, 0.03, 4000, 0.0) < 0.25
    assert curved_lower(steps, 0.03, 4000, 0.0) > 0.22


def test_curved_band_on_a_hand_problem() -> None:
    """One state, two deterministic actions: offload (u 0, y -1) and draft (u 2, y 1), breakpoint
    lambda = 1. sigma = 1/2 everywhere, c = 1 below the breakpoint and -1 above. At lambda2 = 1 the
    far side (drafting, y = 1, R -> 0) drifts by B-bar = 1/2 and G(R) = R: the upper end is
    V + 1/2, the straight band's. At lambda2 = 0 nothing lies below, B-bar = 0, G(0) = -1/2 and the
    hull runs (0, -1/2), (2, -5/2), then slope 1: it reaches the budget 0 at x = 4.5."""
    p = hand_problem([[0.0, 2.0]], [[-1.0, 1.0]], [1.0])
    steps = cost_steps(p)
    V, T = 2.0, 10**9
    assert curved_upper_at(steps, V, T, 0.0, 1.0) == pytest.approx(2.0 + 0.5)
    assert curved_lower_at(steps, V, T, 0.0, 1.0) == pytest.approx(2.0 - 0.5)
    assert curved_upper_at(steps, V, T, 0.0, 0.0) == pytest.approx(4.5)
    # a far-side cost that cannot reach past V lambda2 adds nothing: at V = 10, lambda2 = 1.2 the
    # drafting region ends 2 J below, further than its cost of 1 J, so B-bar = 0, G(R) = R - 1/2
    # and the reach is 1/2 (where the straight band, with B_avg = 1/2 and d = 1, gives the same)
    assert curved_upper_at(steps, 10.0, T, 0.0, 1.2) == pytest.approx(12.5)
