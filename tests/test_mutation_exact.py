"""The exact layer against its definitions on fixed inputs (SPEC §2, §4, §5).

Every expected value here is written out from the definition in the module docstrings or SPEC:
geometric sums, the law of (c, k), the cost tables, the dual envelope of hand-made lines, the bound
formulas of Theorems 1-3. Fast and deterministic, so they also serve the mutation run
(docs/mutation.md).
"""

from __future__ import annotations

import dataclasses
import math
import os

import numpy as np
import pytest

from gelato_theory import InfeasibleScenarioError, SolverError, preset
from gelato_theory.exact.actions import action_menu
from gelato_theory.exact.bounds import (
    Constants,
    _backlog_lp,
    bound_report,
    bounds_at,
    constants,
    min_cost_actions,
)
from gelato_theory.exact.dual import (
    breakpoints,
    dual_value,
    envelope,
    frontier,
    greedy_actions,
    minimize_dual,
)
from gelato_theory.exact.optimum import (
    _policy_at,
    dinkelbach,
    quiet_stdout,
    ratio_optimum,
    require_slack,
    slater_slack,
    solve,
    solve_lp,
)
from gelato_theory.exact.outcomes import outcome_law
from gelato_theory.exact.problem import Problem, build_problem, cost_coefficients
from gelato_theory.exact.round_stats import expected_counts, power_sums, round_stats
from gelato_theory.scenario.model import ActionConfig
from gelato_theory.scenario.token_types import token_types


@pytest.fixture(scope="module")
def scen():
    """The default preset with a per-token verification time, so tau_v1 enters T."""
    return preset("default").replace(**{"edge.tau_v1": 0.002})


@pytest.fixture(scope="module")
def per_second():
    return preset("default").replace(
        **{"objective.kind": "per_second", "objective.power_budget_w": 1.2, "edge.tau_v1": 0.002}
    )


def hand_problem(u, y, pi) -> Problem:
    """A Problem holding only the tables the dual layer reads."""
    u, y, pi = (np.asarray(v, dtype=float) for v in (u, y, pi))
    return Problem(
        stats=None, kind="per_round", theta=0.0, pi=pi, u=u, y=y, y_lo=y, y_hi=y, y2=y**2,
        t_min=1.0,
    )  # fmt: skip


# ------------------------------------------------------------------ round statistics


def test_power_sums_exact_values() -> None:
    r = np.array([0.5, 0.5, 0.5, 1.0, 0.0])
    K = np.array([3, 0, 1, 4, 2])
    np.testing.assert_allclose(power_sums(r, K, 0), [1.75, 0.0, 1.0, 4.0, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(power_sums(r, K, 1), [0.875, 0.0, 0.5, 4.0, 0.0], rtol=0, atol=1e-15)
    # broadcasting of a scalar ratio against a grid of budgets
    np.testing.assert_allclose(power_sums(0.5, np.arange(4), 1), [0, 0.5, 0.75, 0.875])
    assert power_sums(np.zeros(0), np.zeros(0, dtype=int), 0).shape == (0,)


@pytest.mark.parametrize("s, a", [(0.7, 0.4), (1.0, 1.0), (1.0, 0.6), (0.0, 0.0)])
def test_expected_counts_are_the_spec_geometric_sums(s: float, a: float) -> None:
    K = np.arange(6)

    def geo(r: float, k: int) -> float:  # (1 - r^k) / (1 - r), read as k when r = 1
        return float(k) if r == 1 else (1 - r**k) / (1 - r)

    c, k, A = expected_counts(K, np.full(6, s), np.full(6, a))
    np.testing.assert_allclose(c, [geo(s, n) for n in K], atol=1e-14)
    np.testing.assert_allclose(k, [s * geo(s, n) for n in K], atol=1e-14)
    np.testing.assert_allclose(A, [a * geo(a, n) for n in K], atol=1e-14)
    assert c[0] == k[0] == A[0] == 0.0  # K = 0: nothing drafted


def test_round_stats_tables_follow_the_cost_model(scen) -> None:
    st = round_stats(scen)
    dev, edge, ch = scen.device, scen.edge, scen.channel
    h, pi = ch.support()
    np.testing.assert_array_equal(st.h, h)
    np.testing.assert_array_equal(st.pi, pi)
    assert st.M == h.size == 8
    rate = ch.bandwidth_hz * np.log2(
        1 + ch.tx_power_w * h / (ch.noise_psd_w_per_hz * ch.bandwidth_hz)
    )
    np.testing.assert_allclose(st.rate_bps, rate, rtol=1e-12)
    np.testing.assert_allclose(st.t_tx, dev.payload_bits / rate, rtol=1e-12)
    np.testing.assert_allclose(st.e_tx, ch.tx_power_w * dev.payload_bits / rate, rtol=1e-12)
    s, a = token_types(scen.tokens).pass_and_accept(st.menu.eta)
    np.testing.assert_array_equal(st.s, s)
    np.testing.assert_array_equal(st.a, a)
    c, k, A = expected_counts(st.menu.K, s, a)
    np.testing.assert_allclose(st.c, c)
    np.testing.assert_allclose(st.k, k)
    np.testing.assert_allclose(st.accepted, A)
    assert st.N.shape == st.E.shape == st.T.shape == (st.M, len(st.menu))
    for m in (0, 3, st.M - 1):
        for j in (0, 1, 9, len(st.menu) - 1):
            assert st.N[m, j] == pytest.approx(1 + A[j], rel=1e-12)
            E = dev.e_0 + dev.e_c * c[j] + st.e_tx[m] * k[j]
            T = edge.tau_0 + dev.tau_c * c[j] + (st.t_tx[m] + edge.tau_v1) * k[j]
            assert st.E[m, j] == pytest.approx(E, rel=1e-12)
            assert st.T[m, j] == pytest.approx(T, rel=1e-12)
    # pure offload: the edge produces one token; the device pays only e_0
    np.testing.assert_allclose(st.N[:, 0], 1.0)
    np.testing.assert_allclose(st.E[:, 0], dev.e_0)
    np.testing.assert_allclose(st.T[:, 0], edge.tau_0)
    st.N[0, 0] = 5.0  # N is an owned (M, A) array, not a broadcast view of one row
    assert st.N[1, 0] == 1.0


def test_action_menu_layout_and_labels() -> None:
    menu = action_menu(ActionConfig(K_max=2, thresholds=(math.inf, 1.5)))
    assert len(menu) == 5
    assert menu.K.tolist() == [0, 1, 1, 2, 2]
    assert menu.K.dtype.kind == "i"
    assert menu.eta.tolist() == [math.inf, 1.5, math.inf, 1.5, math.inf]
    labels = [menu.label(i) for i in range(len(menu))]
    assert labels == ["K=0", "K=1,eta=1.5", "K=1", "K=2,eta=1.5", "K=2"]
    empty = action_menu(ActionConfig(K_max=0, thresholds=(math.inf,)))
    assert len(empty) == 1 and empty.label(0) == "K=0"


def test_outcome_law_exact() -> None:
    law = outcome_law(np.array([0, 1, 3]), np.array([0.5, 0.25, 0.5]))
    assert law.c.shape == law.k.shape == law.prob.shape == (3, 4)
    # K = 0: (0, 0) surely
    assert law.prob[0].tolist() == [0, 0, 0, 1]
    assert (law.c[0, -1], law.k[0, -1]) == (0, 0)
    # K = 1, s = 1/4: stop at once (1, 0) w.p. 3/4, else (1, 1)
    assert law.prob[1].tolist() == [0.75, 0, 0, 0.25]
    assert (law.c[1, 0], law.k[1, 0], law.c[1, -1], law.k[1, -1]) == (1, 0, 1, 1)
    # K = 3, s = 1/2: (1,0) 1/2, (2,1) 1/4, (3,2) 1/8, (3,3) 1/8
    assert law.prob[2].tolist() == [0.5, 0.25, 0.125, 0.125]
    assert law.c[2].tolist() == [1, 2, 3, 3] and law.k[2].tolist() == [0, 1, 2, 3]
    assert law.support().tolist() == [
        [False, False, False, True],
        [True, False, False, True],
        [True, True, True, True],
    ]
    only = outcome_law(np.array([0, 0]), np.array([0.3, 0.9]))  # nothing is ever drafted
    assert only.prob.tolist() == [[1.0], [1.0]] and only.c.tolist() == [[0.0], [0.0]]
    # s = 1: drafting never stops early
    full = outcome_law(np.array([2]), np.array([1.0]))
    assert full.prob[0].tolist() == [0, 0, 1]


# ------------------------------------------------------------------ problem tables


def test_per_round_problem_tables(scen) -> None:
    p = build_problem(scen)
    st, dev, Eb = p.stats, scen.device, scen.objective.energy_budget_j
    assert (p.kind, p.theta, p.M, p.A) == ("per_round", 0.0, st.M, len(st.menu))
    np.testing.assert_array_equal(p.u, st.N)
    np.testing.assert_allclose(p.y, st.E - Eb, atol=1e-15)
    law = outcome_law(st.menu.K, st.s)
    for m in (0, st.M - 1):
        for j in (0, 5, p.A - 1):
            y_out = dev.e_0 + dev.e_c * law.c[j] + st.e_tx[m] * law.k[j] - Eb
            ok = law.prob[j] > 0
            assert p.y_lo[m, j] == pytest.approx(y_out[ok].min(), abs=1e-15)
            assert p.y_hi[m, j] == pytest.approx(y_out[ok].max(), abs=1e-15)
            assert p.y2[m, j] == pytest.approx(float(law.prob[j] @ y_out**2), rel=1e-12)
    assert p.y_lo[0, 0] == p.y_hi[0, 0] == pytest.approx(dev.e_0 - Eb)
    assert p.t_min == pytest.approx(scen.edge.tau_0)  # pure offload is the fastest round
    y0, y_c, y_k = cost_coefficients(scen, st)
    np.testing.assert_allclose(y0, dev.e_0 - Eb)
    np.testing.assert_allclose(y_c, dev.e_c)
    np.testing.assert_allclose(y_k, st.e_tx)
    slow = build_problem(scen.replace(**{"edge.tau_v1": 0.05}))  # verification dominates
    assert slow.t_min == pytest.approx(scen.edge.tau_0)
    # theta is ignored by the per-round objective
    assert build_problem(scen, theta=3.0).theta == 0.0


def test_per_second_problem_tables(per_second) -> None:
    s = per_second
    P, dev, edge = s.objective.power_budget_w, s.device, s.edge
    p0 = build_problem(s)
    st = p0.stats
    assert (p0.kind, p0.theta) == ("per_second", 0.0)
    np.testing.assert_allclose(p0.u, st.N)
    np.testing.assert_allclose(p0.y, st.E - P * st.T, atol=1e-14)
    y0, y_c, y_k = cost_coefficients(s, st)
    np.testing.assert_allclose(y0, dev.e_0 - P * edge.tau_0)
    np.testing.assert_allclose(y_c, dev.e_c - P * dev.tau_c)
    np.testing.assert_allclose(y_k, st.e_tx - P * (st.t_tx + edge.tau_v1))
    p2 = build_problem(s, theta=2.5)
    assert p2.theta == 2.5
    np.testing.assert_allclose(p2.u, st.N - 2.5 * st.T)
    w = p0.with_theta(4.0)
    assert (w.theta, w.kind) == (4.0, "per_second")
    np.testing.assert_allclose(w.u, st.N - 4.0 * st.T)
    for f in ("y", "y_lo", "y_hi", "y2", "pi"):
        assert getattr(w, f) is getattr(p0, f)
    assert w.t_min == p0.t_min and w.stats is st


# ------------------------------------------------------------------ dual layer


def test_envelope_of_hand_made_lines() -> None:
    # lines 3 - 2 lam, 2 - lam, 0: breakpoints at lam = 1 and lam = 2
    assert envelope(np.array([3.0, 2.0, 0.0]), np.array([2.0, 1.0, 0.0])) == ([0, 1, 2], [1.0, 2.0])
    # a tie at lam = 0 goes to the lower cost
    assert envelope(np.array([3.0, 3.0, 1.0]), np.array([2.0, 1.0, 0.0])) == ([1, 2], [2.0])
    # three lines through one point at lam = 1: jump straight to the lowest cost
    assert envelope(np.array([2.0, 1.0, 0.0]), np.array([2.0, 1.0, 0.0])) == ([0, 2], [1.0])
    # a line never on the envelope is skipped; a single line has no breakpoint
    assert envelope(np.array([4.0, 0.5, 0.0]), np.array([2.0, 1.0, 0.0])) == ([0, 2], [2.0])
    assert envelope(np.array([1.0]), np.array([0.5])) == ([0], [])
    # a cheaper line with more utility dominates from lam = 0 on
    assert envelope(np.array([1.0, 2.0]), np.array([1.0, 0.0])) == ([1], [])


def test_dual_function_and_its_exact_minimum() -> None:
    # two equiprobable states; state 0 as above, state 1: lines 1 - lam/2 and 0
    pr = hand_problem([[3, 2, 0], [1, 0, 0]], [[2, 1, 0], [0.5, 0, 0]], [0.5, 0.5])
    lam = np.array([0.0, 1.0, 1.5, 2.0, 3.0])
    g0 = np.maximum.reduce([3 - 2 * lam, 2 - lam, 0 * lam])
    g1 = np.maximum(1 - lam / 2, 0)
    np.testing.assert_allclose(dual_value(pr, lam), 0.5 * g0 + 0.5 * g1)
    assert dual_value(pr, 1.0).shape == (1,)
    np.testing.assert_array_equal(breakpoints(pr), [1.0, 2.0])
    sol = minimize_dual(pr)  # g decreases until lam = 2 where both envelopes are flat
    assert (sol.u_star, sol.lambda_star) == (0.0, 2.0)
    # at lam = 1 state 0 is tied between actions 0 and 1: the lower cost wins
    assert greedy_actions(pr, 1.0).tolist() == [1, 0]
    assert greedy_actions(pr, 0.5).tolist() == [0, 0]
    assert greedy_actions(pr, 2.5).tolist() == [2, 1]
    # g(0) is the minimum when the cheapest line already has the most utility
    flat = hand_problem([[1.0, 0.0]], [[-1.0, 0.0]], [1.0])
    assert minimize_dual(flat).lambda_star == 0.0 and minimize_dual(flat).u_star == 1.0


def test_frontier_vertices_of_a_hand_problem() -> None:
    pr = hand_problem([[3, 2, 0]], [[2, 1, 0]], [1.0])
    f = frontier(pr)
    np.testing.assert_array_equal(f.lam, [0.0, 1.5, 5.0])  # 0, mid-gap, beyond the last breakpoint
    assert f.actions.tolist() == [[0], [1], [2]]
    np.testing.assert_array_equal(f.utility, [3, 2, 0])
    np.testing.assert_array_equal(f.cost, [2, 1, 0])
    single = frontier(hand_problem([[1.0, 0.0]], [[-1.0, 0.0]], [1.0]))
    assert single.lam.tolist() == [0.0] and single.actions.tolist() == [[0]]
    one = frontier(hand_problem([[2.0, 0.0]], [[1.0, 0.0]], [1.0]))
    assert one.lam.tolist() == [0.0, 5.0] and one.actions.tolist() == [[0], [1]]


# ------------------------------------------------------------------ optimum


def test_slater_slack_and_infeasible_budgets_name_the_field(scen) -> None:
    p = build_problem(scen)
    assert slater_slack(p) == pytest.approx(-(p.pi @ p.y.min(axis=1)))
    assert require_slack(p, scen) == slater_slack(p) > 0
    edge = scen.replace(**{"objective.energy_budget_j": scen.device.e_0})
    with pytest.raises(InfeasibleScenarioError):  # epsilon = 0 exactly: still no slack
        require_slack(build_problem(edge), edge)
    low = scen.replace(**{"objective.energy_budget_j": 0.5 * scen.device.e_0})
    pl = build_problem(low)
    with pytest.raises(InfeasibleScenarioError) as err:
        require_slack(pl, low)
    assert err.value.field == "objective.energy_budget_j"
    assert err.value.value == 0.5 * scen.device.e_0
    assert f"{scen.device.e_0:.6g} J" in err.value.rule  # the minimum round energy is e_0
    with pytest.raises(InfeasibleScenarioError) as err:
        require_slack(pl)
    assert err.value.value is None
    with pytest.raises(InfeasibleScenarioError) as err:
        solve(low)
    assert err.value.value == 0.5 * scen.device.e_0
    ps = scen.replace(**{"objective.kind": "per_second", "objective.power_budget_w": 0.01})
    with pytest.raises(InfeasibleScenarioError) as err:
        require_slack(build_problem(ps), ps)
    assert (err.value.field, err.value.value) == ("objective.power_budget_w", 0.01)
    assert "epsilon" in err.value.rule and "power budget" in err.value.rule
    with pytest.raises(InfeasibleScenarioError) as err:
        require_slack(build_problem(ps))
    assert (err.value.field, err.value.value) == ("objective.power_budget_w", None)
    with pytest.raises(InfeasibleScenarioError) as err:
        constants(low)
    assert err.value.value == 0.5 * scen.device.e_0


def test_lp_optimum_is_a_feasible_policy_matching_the_dual(scen) -> None:
    problem, opt = solve(scen)
    p = build_problem(scen)
    np.testing.assert_array_equal(problem.u, p.u)
    assert (opt.status, opt.solver) == ("optimal", "HIGHS")
    x = opt.policy
    assert x.shape == (p.M, p.A) and (x >= 0).all()
    np.testing.assert_allclose(x.sum(axis=1), 1.0, atol=1e-12)
    assert float(p.pi @ (x * p.u).sum(axis=1)) == pytest.approx(opt.u_star, rel=1e-7)
    assert float(p.pi @ (x * p.y).sum(axis=1)) <= 1e-9
    d = minimize_dual(p)
    assert opt.u_star == pytest.approx(d.u_star, rel=1e-7)
    assert opt.lambda_star == pytest.approx(d.lambda_star, rel=1e-5)
    assert opt.lambda_star > 0  # the default budget binds


def test_per_second_optimum_by_lp_and_by_dinkelbach(per_second) -> None:
    p = build_problem(per_second)
    r = ratio_optimum(p)
    assert (r.status, r.solver) == ("optimal", "HIGHS")
    np.testing.assert_allclose(r.policy.sum(axis=1), 1.0, atol=1e-9)
    st = p.stats
    x = r.policy
    ratio = (p.pi @ (x * st.N).sum(axis=1)) / (p.pi @ (x * st.T).sum(axis=1))
    assert r.theta_star == pytest.approx(ratio, rel=1e-6)
    assert float(p.pi @ (x * p.y).sum(axis=1)) <= 1e-8
    assert dinkelbach(p) == pytest.approx(r.theta_star, rel=1e-9)
    problem, opt = solve(per_second)
    assert problem.theta == pytest.approx(r.theta_star, rel=1e-9)
    assert abs(opt.u_star) < 1e-6  # at theta*, max E[N - theta* T] under the budget is zero
    with pytest.raises(SolverError) as err:
        dinkelbach(p, max_iter=1)
    assert (err.value.problem, err.value.solver) == ("Dinkelbach iteration", "dual")
    assert "1 steps" in err.value.status


def test_lp_failures_name_the_problem(monkeypatch, per_second) -> None:
    import cvxpy as cp

    def fake_solve(self, *a, **k):
        self._status = "unbounded"

    p = build_problem(per_second)
    monkeypatch.setattr(cp.Problem, "solve", fake_solve)
    monkeypatch.setattr(cp.Problem, "status", property(lambda self: self._status))
    with pytest.raises(SolverError) as err:
        ratio_optimum(p)
    assert (err.value.problem, err.value.status, err.value.solver) == (
        "Charnes-Cooper LP", "unbounded", "HIGHS",
    )  # fmt: skip
    with pytest.raises(SolverError) as err:
        solve_lp(p)
    assert err.value.problem == "optimum LP"


def test_policy_at_a_multiplier_mixes_two_greedy_policies(scen) -> None:
    p = build_problem(scen)
    lam = minimize_dual(p).lambda_star
    x = _policy_at(p, lam)
    np.testing.assert_allclose(x.sum(axis=1), 1.0)
    assert float(p.pi @ (x * p.y).sum(axis=1)) == pytest.approx(0.0, abs=1e-12)  # tight
    assert ((x > 0).sum(axis=1) <= 2).all() and ((x > 0).sum(axis=1) == 2).any()
    # at lam = 0 the greedy policy: every state its best-utility action (only one per row)
    rows = np.arange(p.M)
    lo = greedy_actions(p, 0.0)
    x0 = _policy_at(p, 1e6)  # very expensive energy: the greedy policy is slack, not mixed
    assert ((x0 == 0) | (x0 == 1)).all()
    assert float(p.pi @ p.y[rows, lo]) > 0  # the unconstrained greedy policy breaks the budget


def test_policy_at_on_hand_made_lines() -> None:
    # one state, lines 2 - lam and 1 + lam: breakpoint lam* = 1/2, the optimum mixes them evenly
    pr = hand_problem([[2.0, 1.0]], [[1.0, -1.0]], [1.0])
    assert minimize_dual(pr).lambda_star == 0.5
    np.testing.assert_allclose(_policy_at(pr, 0.5), [[0.5, 0.5]])
    # a breakpoint where the cheaper-side greedy policy is already feasible: no mixing
    slack = hand_problem([[2.0, 1.0]], [[-1.0, -2.0]], [1.0])
    np.testing.assert_array_equal(_policy_at(slack, 1.0), [[1.0, 0.0]])
    np.testing.assert_array_equal(_policy_at(slack, 0.0), [[1.0, 0.0]])


def test_greedy_ties_are_relative_to_the_score_scale() -> None:
    big = hand_problem([[1e6, 1e6 - 1e-9]], [[1.0, 0.0]], [1.0])
    assert greedy_actions(big, 0.0).tolist() == [1]  # a tie at this scale: the lower cost
    apart = hand_problem([[1e6, 1e6 - 1e-7]], [[1.0, 0.0]], [1.0])
    assert greedy_actions(apart, 0.0).tolist() == [0]  # 1e-13 relative: a real gap
    # lines 1 - 2e4 lam and (1 - 1e-10) - 1e4 lam cross at lam = 1e-14: tied there, the lower cost
    lines = hand_problem([[1.0, 1.0 - 1e-10]], [[2e4, 1e4]], [1.0])
    assert greedy_actions(lines, 0.0).tolist() == [0]
    assert greedy_actions(lines, 1e-14).tolist() == [1]
    small = hand_problem([[0.0, -1.5e-12]], [[1.0, 0.0]], [1.0])
    assert greedy_actions(small, 0.0).tolist() == [0]  # a real gap near zero
    plain = hand_problem([[3.0, 5.0]], [[0.0, 1.0]], [1.0])
    assert greedy_actions(plain, 0.0).tolist() == [1]


def test_quiet_stdout_silences_file_descriptor_1(capfd) -> None:
    with quiet_stdout():
        os.write(1, b"hidden\n")
    os.write(1, b"shown\n")
    out = capfd.readouterr().out
    assert out == "shown\n"


# ------------------------------------------------------------------ bounds


def test_constants_match_their_definitions_on_a_preset(scen) -> None:
    s = scen.replace(**{"control.Q0": 0.3})
    problem, c = constants(s)
    p = build_problem(s)
    np.testing.assert_array_equal(problem.u, p.u)
    y_max, y_min = p.y_hi.max(), p.y_lo.min()
    assert (c.y_max, c.y_min) == (y_max, y_min)
    assert c.B == max(y_min**2, y_max**2) / 2
    assert c.B_tight == p.y2.max() / 2
    assert c.epsilon == slater_slack(p)
    assert c.u_max == pytest.approx(p.pi @ p.u.max(axis=1))
    a0 = min_cost_actions(p)
    rows = np.arange(p.M)
    assert a0.tolist() == [0] * p.M  # pure offload is the cheapest action in every state
    assert c.u_0 == pytest.approx(p.pi @ p.u[rows, a0]) == pytest.approx(1.0)
    extra = p.y - p.y[rows, a0][:, None]
    gain = p.u - p.u[rows, a0][:, None]
    rho = max((gain[extra > 0] / extra[extra > 0]).max(), 0.0)
    assert c.rho == pytest.approx(rho, rel=1e-12)
    assert c.theorem3_applicable == bool(p.y_hi[rows, a0].max() <= 0) is True
    assert (c.Q0, c.L0) == (0.3, 0.3**2 / 2)
    assert (c.theta_star, c.kind, c.t_min) == (None, "per_round", p.t_min)
    assert c.u_star == pytest.approx(c.u_star_dual, rel=1e-7)
    assert c.lambda_star == pytest.approx(minimize_dual(p).lambda_star, rel=1e-5)


def test_constants_when_drafting_is_expensive_or_the_budget_is_loose(scen) -> None:
    dear = scen.replace(**{"device.e_c": 5.0})  # a token per J is worth less than 1
    p = build_problem(dear)
    _, c = constants(dear)
    rows = np.arange(p.M)
    extra = p.y - p.y[rows, 0][:, None]
    gain = p.u - p.u[rows, 0][:, None]
    assert c.rho == pytest.approx((gain[extra > 0] / extra[extra > 0]).max(), rel=1e-12)
    assert 0 < c.rho < 1
    assert c.lambda_star == pytest.approx(minimize_dual(p).lambda_star, rel=1e-5)
    assert 0 < c.lambda_star < 1
    loose = scen.replace(**{"objective.energy_budget_j": 2.0})  # |y_min| > |y_max|
    p = build_problem(loose)
    _, c = constants(loose)
    assert abs(c.y_min) > abs(c.y_max)
    assert c.B == pytest.approx(c.y_min**2 / 2)
    assert c.lambda_star == 0.0  # the budget does not bind


def test_min_cost_action_ties_go_to_the_higher_utility() -> None:
    pr = hand_problem(
        [[1.0, 2.0, 5.0], [1.0, 3.0, 0.0]], [[0.0, 0.0, 1.0], [1.0, 1.0, 2.0]], [0.5, 0.5]
    )
    assert min_cost_actions(pr).tolist() == [1, 1]  # each state its own minimum cost


def _constants(**kw) -> Constants:
    base = dict(
        u_star=2.0, u_star_dual=2.0, lambda_star=1.0, B=0.5, B_tight=0.25, B_avg=0.2,
        B_avg_any=0.2, epsilon=0.2,
        u_max=3.0, u_0=1.0, rho=4.0, y_max=0.1, y_min=-0.3, theorem3_applicable=True, L0=0.02,
        Q0=0.2, theta_star=None, t_min=0.05, kind="per_round",
    )  # fmt: skip
    base.update(kw)
    return Constants(**base)


def test_bounds_at_are_the_theorem_formulas() -> None:
    c = _constants()
    V, T = 0.5, 100
    b = bounds_at(c, V, T)
    assert (b.V, b.T) == (V, T)
    assert b.utility_lower_bound == pytest.approx(2.0 - 0.5 / V - 0.02 / (V * T))
    assert b.utility_lower_bound_tight == pytest.approx(2.0 - 0.25 / V - 0.02 / (V * T))
    backlog = (0.5 + V * (3.0 - 1.0)) / 0.2 + 0.02 / (0.2 * T)
    assert b.backlog_bound == pytest.approx(backlog)
    assert b.backlog_bound_lp == pytest.approx(backlog)  # no problem given: same bound
    mean_rate = math.sqrt(2 * 0.02 / T**2 + 2 * (0.5 + V * (3.0 - 2.0)) / T)
    assert b.mean_rate_bound == pytest.approx(mean_rate)
    det = max(0.2, V * 4.0 + 0.1)
    assert b.deterministic_backlog_bound == pytest.approx(det)
    assert b.violation_bound == pytest.approx(det / T)
    assert b.ratio_lower_bound is None
    # Q0 above V rho + y_max dominates the deterministic bound
    assert bounds_at(_constants(Q0=9.0), V, T).deterministic_backlog_bound == 9.0
    off = bounds_at(_constants(theorem3_applicable=False), V, T)
    assert off.deterministic_backlog_bound == math.inf and off.violation_bound == math.inf
    ps = bounds_at(_constants(theta_star=30.0, kind="per_second"), V, T)
    assert ps.ratio_lower_bound == pytest.approx(30.0 - (0.5 + 0.02 / T) / (V * 0.05))


def test_backlog_bound_optimized_over_the_frontier() -> None:
    # one state; lines (u, y): (3, 2), (2, -1/2), (0, -2): slack 1/2 at utility 2, 2 at 0
    pr = hand_problem([[3.0, 2.0, 0.0]], [[2.0, -0.5, -2.0]], [1.0])
    c = _constants(B=1.0, u_max=3.0, L0=0.5)
    V, T = 2.0, 10
    v1 = (1.0 + V * (3 - 2)) / 0.5 + 0.5 / (0.5 * T)
    v2 = (1.0 + V * (3 - 0)) / 2 + 0.5 / (2 * T)
    assert _backlog_lp(pr, c, V, T) == pytest.approx(min(v1, v2))
    b = bounds_at(c, V, T, pr)
    assert b.backlog_bound_lp == pytest.approx(min(b.backlog_bound, v1, v2))
    none = hand_problem([[1.0]], [[0.5]], [1.0])  # no policy with slack
    assert _backlog_lp(none, c, V, T) == math.inf


def test_bound_report_rows_and_horizon(scen) -> None:
    s = scen.replace(**{"control.V": (0.01, 1.0)})
    rep = bound_report(s)
    assert rep.scenario == s.name
    assert [r.V for r in rep.per_V] == [0.01, 1.0]
    # at large V the frontier-optimized Theorem 2 bound is strictly better
    assert rep.per_V[1].backlog_bound_lp < rep.per_V[1].backlog_bound
    assert all(r.T == s.verification.horizon for r in rep.per_V)
    assert [r.T for r in bound_report(s, T=77).per_V] == [77, 77]
    _, c = constants(s)
    assert rep.constants == c
    p = build_problem(s)
    assert rep.per_V[1] == bounds_at(c, 1.0, s.verification.horizon, p)
    d = rep.to_dict()
    assert d["scenario"] == s.name and d["B"] == c.B
    assert d["per_V"][0] == dataclasses.asdict(rep.per_V[0])


def test_per_second_constants_are_taken_at_theta_star(per_second) -> None:
    problem, c = constants(per_second)
    theta = ratio_optimum(build_problem(per_second)).theta_star
    assert c.theta_star == pytest.approx(theta, rel=1e-9)
    assert problem.theta == pytest.approx(theta, rel=1e-9)
    assert c.kind == "per_second"
    # at this power budget the cheapest action of some state can still overshoot: no Theorem 3
    rows = np.arange(problem.M)
    y_top = problem.y_hi[rows, min_cost_actions(problem)].max()
    assert 0 < y_top < 1 and c.theorem3_applicable is False
