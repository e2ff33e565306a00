"""The control layer against its definitions on fixed inputs (SPEC §4).

The per-slot score V u - Q y and its tie-breaking, the concave relaxation's objective, every policy
object's decision rule and the registry's choices, each checked against the formula or rule in the
module docstrings. Fast and deterministic, so they also serve the mutation run (docs/mutation.md).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.control.envelope import EnvelopeTable
from gelato_theory.control.per_slot import (
    ConcaveSlot,
    argmax_low_cost,
    dpp_scores,
    slot_costs,
    solve_per_slot,
)
from gelato_theory.control.policies import (
    DPP,
    AllOf,
    Cumulative,
    Observation,
    Oracle,
    Static,
)
from gelato_theory.control.registry import (
    FIXED_K,
    SPECDEC_H,
    adaedl_threshold,
    best_static_action,
    menu_index,
    policies,
)
from gelato_theory.exact.dual import TIE_RTOL, tie_tolerance
from gelato_theory.exact.optimum import solve_lp
from gelato_theory.exact.problem import build_problem
from gelato_theory.executor.stopping import (
    CumulativeAcceptance,
    FixedThreshold,
    QueueAware,
    beta_hat,
)


@pytest.fixture(scope="module")
def scen():
    return preset("default").replace(**{"edge.tau_v1": 0.002})


@pytest.fixture(scope="module")
def problem(scen):
    return build_problem(scen)


@pytest.fixture(scope="module")
def per_second():
    s = preset("default").replace(
        **{"objective.kind": "per_second", "objective.power_budget_w": 1.5, "edge.tau_v1": 0.002}
    )
    return s, build_problem(s)


def obs(m, Q, V, tokens=None, seconds=None, uniform=None) -> Observation:
    m = np.asarray(m)
    z = np.zeros(m.shape)
    return Observation(
        m=m,
        Q=np.asarray(Q, dtype=float),
        V=np.asarray(V, dtype=float),
        tokens=z if tokens is None else np.asarray(tokens, dtype=float),
        seconds=z if seconds is None else np.asarray(seconds, dtype=float),
        uniform=z if uniform is None else np.asarray(uniform, dtype=float),
    )


# ------------------------------------------------------------------ per-slot subproblem


def test_dpp_scores_are_V_u_minus_Q_y(problem, per_second) -> None:
    m, Q, V = np.array([0, 7, 3]), np.array([0.0, 0.5, 2.0]), np.array([0.1, 0.01, 1.0])
    sc = dpp_scores(problem, m, Q, V)
    assert sc.shape == (3, problem.A)
    np.testing.assert_allclose(sc, V[:, None] * problem.u[m] - Q[:, None] * problem.y[m])
    _, ps = per_second
    theta = np.array([10.0, 0.0, 30.0])
    st = ps.stats
    want = V[:, None] * (st.N[m] - theta[:, None] * st.T[m]) - Q[:, None] * ps.y[m]
    np.testing.assert_allclose(dpp_scores(ps, m, Q, V, theta), want)


def test_argmax_low_cost_breaks_ties_by_cost_then_index() -> None:
    scores = np.array([[1.0, 2.0, 2.0, 2.0], [5.0, 5.0, 5.0, 0.0], [-1.0, -3.0, -2.0, -1.0]])
    cost = np.array([[0.0, 0.3, 0.1, 0.1], [0.2, 0.2, 0.2, 0.0], [0.5, 0.0, 0.0, 0.4]])
    assert argmax_low_cost(scores, cost).tolist() == [2, 0, 3]
    # by default the band is TIE_RTOL (64 ulps) of the row's largest |score|: 1e-14 apart is a
    # tie at 1, 1e-13 is not; an explicit absolute band widens it
    near = np.array([[1.0, 1.0 - 1e-14], [1.0, 1.0 - 1e-13]])
    c = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert argmax_low_cost(near, c).tolist() == [1, 0]
    assert argmax_low_cost(near, c, tol=1e-12).tolist() == [1, 1]
    assert argmax_low_cost(near, c, tol=np.array([0.0, 1e-12])).tolist() == [0, 1]
    # the band is relative to the scores' scale: 1e-9 apart is a tie at 1e6, not at 1
    big = np.array([[1e6, 1e6 - 1e-9], [1.0, 1.0 - 1e-9]])
    assert argmax_low_cost(big, c).tolist() == [1, 0]
    # -inf (a forbidden action) does not widen the band
    assert argmax_low_cost(
        np.array([[-np.inf, 1.0, 1.0 - 1e-9]]), np.array([[0.0, 1.0, 0.5]])
    ).tolist() == [1]
    # tol = 0: only exact ties
    assert argmax_low_cost(
        np.array([[2.0, 2.0, 1.0]]), np.array([[1.0, 0.5, 0.0]]), 0.0
    ).tolist() == [1]
    assert TIE_RTOL == 64 * np.finfo(float).eps


def test_tie_tolerance_scales_with_both_terms() -> None:
    u = np.array([[2.0, -4.0], [1.0, 1.0]])
    y = np.array([[0.5, -3.0], [0.0, 0.0]])
    np.testing.assert_allclose(
        tie_tolerance(u, y, np.array([2.0, 1.0]), np.array([10.0, 5.0])),
        TIE_RTOL * np.array([2.0 * 4.0 + 10.0 * 3.0, 1.0]),
    )


def test_solve_per_slot_is_the_argmax_of_the_scores(problem, per_second) -> None:
    m = np.arange(problem.M)
    Q, V = np.full(problem.M, 0.4), np.full(problem.M, 0.05)
    a = solve_per_slot(problem, m, Q, V)
    sc = dpp_scores(problem, m, Q, V)
    np.testing.assert_allclose(sc[m, a], sc.max(axis=1))
    assert (a == 0).all() == False  # noqa: E712 - some state drafts at this (Q, V)
    assert solve_per_slot(problem, m, np.zeros(problem.M), V).tolist() == [
        int(np.argmax(problem.u[i])) for i in m
    ]
    _, ps = per_second
    theta = np.full(ps.M, 40.0)
    b = solve_per_slot(ps, m, Q, V, theta)
    np.testing.assert_array_equal(b, argmax_low_cost(dpp_scores(ps, m, Q, V, theta), ps.y[m]))
    assert not np.array_equal(b, solve_per_slot(ps, m, Q, V))  # theta changes the choice


def test_slot_costs_per_round_and_per_second(scen, problem, per_second) -> None:
    st = problem.stats
    for m in (0, problem.M - 1):
        y_c, y_k, t_c, t_k = slot_costs(problem, scen, m)
        assert y_c == scen.device.e_c
        assert y_k == pytest.approx(st.e_tx[m])
        assert t_c == scen.device.tau_c
        assert t_k == pytest.approx(st.t_tx[m] + scen.edge.tau_v1)
    s, ps = per_second
    P = s.objective.power_budget_w
    y_c, y_k, _, t_k = slot_costs(ps, s, 2)
    assert y_c == pytest.approx(s.device.e_c - P * s.device.tau_c)
    assert y_k == pytest.approx(ps.stats.e_tx[2] - P * t_k)


def test_concave_relaxation_objective_and_optimum(scen, problem) -> None:
    st = problem.stats
    m, K_max, eta = 2, scen.actions.K_max, 2.0
    costs = slot_costs(problem, scen, m)
    slot = ConcaveSlot(problem, m, eta, K_max, costs)
    j = int(np.flatnonzero((st.menu.K == K_max) & (st.menu.eta == eta))[0])
    s, a = st.s[j], st.a[j]
    assert (slot.s, slot.a, slot.K_max, slot.state) == (s, a, K_max, m)
    y_c, y_k, t_c, t_k = costs
    Q, V, theta = 0.3, 0.05, 7.0
    alpha = V * a / (1 - a)
    beta = (Q * y_c + V * theta * t_c + (Q * y_k + V * theta * t_k) * s) / (1 - s)
    K = np.array([0.0, 1.0, 2.5, K_max])
    np.testing.assert_allclose(
        slot.value(K, Q, V, theta), alpha * (1 - a**K) - beta * (1 - s**K), rtol=1e-12
    )
    assert slot.value(0.0, Q, V, theta) == 0.0
    # the relaxation's optimum beats every point of a fine grid, and lies in [0, K_max]
    sol = slot.solve(Q, V)
    grid = np.linspace(0, K_max, 2001)
    best = grid[np.argmax(slot.value(grid, Q, V))]
    assert sol.status == "optimal" and 0 <= sol.K_cont <= K_max
    assert sol.K_cont == pytest.approx(best, abs=0.02)
    assert sol.value == pytest.approx(slot.value(best, Q, V), rel=1e-5, abs=1e-9)
    # with no energy price every draft is worth it: the full budget
    assert slot.solve(0.0, V).K_cont == pytest.approx(K_max, abs=1e-4)
    # the relaxation at K and the exact score difference agree on integers
    sc = dpp_scores(problem, np.array([m]), np.array([Q]), np.array([V]))[0]
    cols = np.flatnonzero((st.menu.eta == eta) & (st.menu.K > 0))
    np.testing.assert_allclose(
        slot.value(np.arange(1, K_max + 1), Q, V), sc[cols] - sc[0], rtol=1e-9, atol=1e-12
    )


def test_concave_relaxation_with_every_type_passing(scen, problem) -> None:
    """eta = inf: s = 1 and the relaxation is in K itself: alpha (1 - a^K) - beta K."""
    K_max = scen.actions.K_max
    costs = slot_costs(problem, scen, 0)
    slot = ConcaveSlot(problem, 0, math.inf, K_max, costs)
    assert slot.s == 1.0 and 0 < slot.a < 1
    y_c, y_k, t_c, t_k = costs
    Q, V = 0.2, 0.02
    alpha, beta = V * slot.a / (1 - slot.a), Q * y_c + Q * y_k
    K = np.array([0.0, 1.0, 3.5])
    np.testing.assert_allclose(slot.value(K, Q, V), alpha * (1 - slot.a**K) - beta * K)
    sol = slot.solve(Q, V)
    grid = np.linspace(0, K_max, 4001)
    assert sol.K_cont == pytest.approx(grid[np.argmax(slot.value(grid, Q, V))], abs=0.01)
    assert sol.value == pytest.approx(float(slot.value(sol.K_cont, Q, V)), rel=1e-6)
    # free energy: the whole budget; costly energy: no draft at all, value 0
    assert slot.solve(0.0, V).K_cont == pytest.approx(K_max, abs=1e-6)
    dear = slot.solve(50.0, V)
    assert dear.K_cont == pytest.approx(0.0, abs=1e-6) and dear.value == pytest.approx(
        0.0, abs=1e-7
    )


def test_concave_relaxation_at_the_edges_of_the_budget(scen, problem) -> None:
    costs = slot_costs(problem, scen, 1)
    slot = ConcaveSlot(problem, 1, 2.0, scen.actions.K_max, costs)
    dear = slot.solve(50.0, 0.05)  # energy so dear that x = s^K wants to exceed 1 (K < 0)
    assert dear.K_cont == pytest.approx(0.0, abs=1e-6)
    assert dear.value == pytest.approx(0.0, abs=1e-7)
    one = scen.replace(**{"actions.K_max": 1})
    p1 = build_problem(one)
    s1 = ConcaveSlot(p1, 1, 2.0, 1, slot_costs(p1, one, 1))
    j = menu_index(p1, 1, 2.0)
    assert s1.K_max == 1 and s1.s == p1.stats.s[j] and s1.a == p1.stats.a[j]
    sol = s1.solve(0.0, 0.05)
    assert sol.K_cont == pytest.approx(1.0, abs=1e-6)
    assert sol.value == pytest.approx(float(s1.value(1.0, 0.0, 0.05)), rel=1e-6)


def test_concave_relaxation_solver_failure_names_the_problem(scen, problem, monkeypatch) -> None:
    import cvxpy as cp

    from gelato_theory import SolverError

    slot = ConcaveSlot(problem, 0, 2.0, scen.actions.K_max, slot_costs(problem, scen, 0))

    def fake_solve(self, *a, **k):
        self._status = "infeasible"

    monkeypatch.setattr(cp.Problem, "solve", fake_solve)
    monkeypatch.setattr(cp.Problem, "status", property(lambda self: self._status))
    with pytest.raises(SolverError) as err:
        slot.solve(0.1, 0.05)
    assert (err.value.problem, err.value.status, err.value.solver) == (
        "per-slot relaxation", "infeasible", "CLARABEL",
    )  # fmt: skip


@pytest.mark.parametrize("beta", [1.0, 0.0])
def test_concave_relaxation_needs_a_proper_acceptance(scen, beta: float) -> None:
    s = scen.replace(
        tokens=scen.tokens.__class__(
            model="table", weights=(1.0,), entropies=(0.5,), acceptances=(beta,)
        )
    )
    p = build_problem(s)
    with pytest.raises(ValueError, match="0 < a < 1"):
        ConcaveSlot(p, 0, math.inf, s.actions.K_max, slot_costs(p, s, 0))


def test_envelope_table_ties_at_a_breakpoint_go_to_the_lower_cost() -> None:
    # one state: lines 3 - 2 lam, 2 - lam, 0 with breakpoints 1 and 2
    table = EnvelopeTable.build(np.array([[3.0, 2.0, 0.0]]), np.array([[2.0, 1.0, 0.0]]))
    lam = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 7.0])
    assert table.choose(np.zeros(6, int), lam).tolist() == [0, 0, 1, 1, 2, 2]
    only = EnvelopeTable.build(
        np.array([[3.0, 2.0, 0.0]]), np.array([[2.0, 1.0, 0.0]]), np.array([True, False, True])
    )
    assert only.choose(np.zeros(3, int), np.array([1.0, 1.5, 1.6])).tolist() == [0, 2, 2]


# ------------------------------------------------------------------ policies


def test_dpp_policy_decides_the_exact_per_slot_action(problem) -> None:
    pol = DPP(problem)
    assert pol.name == "gelato-exact" and not pol.c_additive
    o = obs([0, 4, 7], [0.0, 0.3, 1.5], [0.05, 0.05, 0.05])
    d = pol.decide(o)
    want = solve_per_slot(problem, o.m, o.Q, o.V)
    np.testing.assert_array_equal(d.action, want)
    np.testing.assert_array_equal(d.K, problem.stats.menu.K[want])
    assert isinstance(d.rule, FixedThreshold)
    np.testing.assert_array_equal(d.rule.eta, problem.stats.menu.eta[want])


def test_dpp_policy_restricted_to_allowed_actions(problem) -> None:
    menu = problem.stats.menu
    allowed = menu.K <= 2  # a cap on the budget
    pol = DPP(problem, name="short", allowed=allowed)
    o = obs(np.arange(problem.M), np.full(problem.M, 0.05), np.full(problem.M, 0.02))
    d = pol.decide(o)
    assert allowed[d.action].all()
    sc = dpp_scores(problem, o.m, o.Q, o.V)
    np.testing.assert_allclose(sc[o.m, d.action], np.where(allowed, sc, -np.inf).max(axis=1))
    # unrestricted, longer drafts win at this (Q, V)
    assert not allowed[DPP(problem).decide(o).action].all()


def test_dpp_policy_with_the_queue_aware_inner_rule(problem) -> None:
    pol = DPP(problem, name="gelato", inner="queue_aware", gamma=0.3)
    assert pol.c_additive
    o = obs([1, 6], [0.4, 0.0], [0.05, 0.2])
    d = pol.decide(o)
    base = DPP(problem).decide(o)
    np.testing.assert_array_equal(d.K, base.K)
    assert d.action.tolist() == [-1, -1]  # off-menu: the rule is not the menu's
    assert isinstance(d.rule, AllOf)
    outer, inner = d.rule.rules
    np.testing.assert_array_equal(outer.eta, base.rule.eta)
    assert isinstance(inner, QueueAware) and inner.gamma == 0.3
    np.testing.assert_array_equal(inner.V, o.V)
    np.testing.assert_array_equal(inner.Q, o.Q)
    np.testing.assert_array_equal(inner.e_tx, problem.stats.e_tx[o.m])


def test_allof_is_the_conjunction_of_its_rules() -> None:
    H = np.array([[0.1, 2.0, 0.1], [0.5, 0.5, 4.0]])
    r = AllOf((FixedThreshold(np.array([1.0, 5.0])), FixedThreshold(np.array([3.0, 1.0]))))
    assert r.send_mask(H).tolist() == [[True, False, True], [True, True, False]]
    one = AllOf((FixedThreshold(1.0),))
    assert one.send_mask(H).tolist() == (H <= 1.0).tolist()


def test_dpp_policy_per_second_theta(per_second) -> None:
    _, ps = per_second
    # at this (Q, V) one token/s of theta already changes the decision in state 2
    m, Q, V = np.array([0, 2, 5]), np.full(3, 0.01), np.full(3, 0.001)
    tokens, seconds = np.array([30.0, 10.0, 5.0]), np.array([1.0, 0.0, 0.5])
    assert solve_per_slot(ps, m[1:2], Q[:1], V[:1], np.zeros(1)) != solve_per_slot(
        ps, m[1:2], Q[:1], V[:1], np.ones(1)
    )
    fixed = DPP(ps, theta=12.0).decide(obs(m, Q, V, tokens, seconds))
    np.testing.assert_array_equal(fixed.action, solve_per_slot(ps, m, Q, V, np.full(3, 12.0)))
    run = DPP(ps, theta="running").decide(obs(m, Q, V, tokens, seconds))
    theta = np.array([30.0, 0.0, 10.0])  # tokens / seconds, 0 before the first round
    np.testing.assert_array_equal(run.action, solve_per_slot(ps, m, Q, V, theta))
    short = ps.stats.menu.K <= 2  # the running form honours a restricted menu too
    lim = DPP(ps, theta="running", allowed=short).decide(obs(m, Q, V, tokens, seconds))
    assert short[lim.action].all()
    sc = dpp_scores(ps, m, Q, V, theta)
    np.testing.assert_allclose(
        sc[np.arange(3), lim.action], np.where(short, sc, -np.inf).max(axis=1)
    )
    none = DPP(ps).decide(obs(m, Q, V, tokens, seconds))
    np.testing.assert_array_equal(none.action, solve_per_slot(ps, m, Q, V))


def test_static_cumulative_and_oracle_policies(problem) -> None:
    menu = problem.stats.menu
    o = obs([0, 5, 7], [1.0, 2.0, 3.0], [0.1, 0.1, 0.1], uniform=[0.1, 0.5, 0.9])
    st = Static(problem, 9).decide(o)
    assert st.action.tolist() == [9, 9, 9] and st.K.tolist() == [menu.K[9]] * 3
    np.testing.assert_array_equal(st.rule.eta, [menu.eta[9]] * 3)
    assert Static(problem, 0).name == "static"
    cu = Cumulative(problem, K=5, h=0.4, gamma=0.3).decide(o)
    assert cu.K.tolist() == [5, 5, 5] and cu.action.tolist() == [-1, -1, -1]
    assert isinstance(cu.rule, CumulativeAcceptance) and cu.rule.gamma == 0.3
    np.testing.assert_array_equal(cu.rule.h, [0.4, 0.4, 0.4])
    H = np.array([[0.1, 0.3, 2.0]] * 3)
    pi = np.cumprod(beta_hat(H[0], 0.3))
    assert cu.rule.send_mask(H)[0].tolist() == (1 - pi <= 0.4).tolist()
    # oracle: action a ~ x[m] by inverse CDF of the round's uniform
    x = np.zeros((problem.M, problem.A))
    x[:, 0], x[:, 3], x[:, 5] = 0.25, 0.5, 0.25
    orc = Oracle(problem, x)
    assert orc.name == "lp-oracle"
    u = np.array([0.0, 0.2499, 0.25, 0.6, 0.75, 0.99999])
    d = orc.decide(obs(np.zeros(6, dtype=int), np.zeros(6), np.zeros(6), uniform=u))
    assert d.action.tolist() == [0, 0, 3, 3, 5, 5]
    # rounding in the CDF never sends a draw past the last action
    y = np.zeros((problem.M, problem.A))
    y[:, -1] = 1.0 - 1e-12
    last = Oracle(problem, y).decide(obs([0], [0.0], [0.0], uniform=[1 - 1e-15]))
    assert last.action.tolist() == [problem.A - 1]
    z = np.zeros((problem.M, problem.A))
    z[:, -2:] = 0.5  # the last two actions share the mass
    two = Oracle(problem, z).decide(obs([2, 2], [0.0, 0.0], [0.0, 0.0], uniform=[0.3, 0.7]))
    assert two.action.tolist() == [problem.A - 2, problem.A - 1]


# ------------------------------------------------------------------ registry


def test_menu_index_and_missing_actions(problem) -> None:
    menu = problem.stats.menu
    assert menu_index(problem, 0, 2.0) == 0
    i = menu_index(problem, 3, 1.5)
    assert (menu.K[i], menu.eta[i]) == (3, 1.5)
    assert menu_index(problem, 1, math.inf) == int(
        np.flatnonzero((menu.K == 1) & np.isinf(menu.eta))[0]
    )
    with pytest.raises(KeyError, match=r"K=3, eta=1\.7"):
        menu_index(problem, 3, 1.7)


def test_adaedl_threshold_choice(scen) -> None:
    assert adaedl_threshold(scen) == 1.0
    for ths, want in [
        ((0.5, 1.2, 3.0, math.inf), 1.2),
        ((0.2, 0.5, 0.7, math.inf), 0.7),
        ((math.inf,), math.inf),
        ((2.0, 1.0, math.inf), 1.0),
    ]:
        s = scen.replace(**{"actions.thresholds": ths})
        assert adaedl_threshold(s) == want


def test_best_static_action(problem) -> None:
    a = best_static_action(problem)
    util, cost = problem.pi @ problem.u, problem.pi @ problem.y
    assert cost[a] <= 0
    assert util[a] == util[cost <= 0].max()
    assert util.max() > util[a]  # the budget binds: the best action overall is infeasible
    hand = build_problem(preset("default"))
    # with every action over budget, fall back to pure offload
    from dataclasses import replace

    over = replace(hand, y=np.abs(hand.y) + 1.0)
    assert best_static_action(over) == 0


def test_registry_builds_every_baseline(scen, problem) -> None:
    scen = scen.replace(**{"control.gamma": 0.3})  # not the policies' default gamma
    pols = policies(scen, problem)
    assert list(pols) == [
        "gelato", "gelato-exact", "dpp-k-only", f"fixed-k{FIXED_K}", "adaedl", "specdec++",
        "static-best", "offload", "lp-oracle",
    ]  # fmt: skip
    menu = problem.stats.menu
    g = pols["gelato"]
    assert g.name == "gelato" and g.inner == "queue_aware" and g.gamma == scen.control.gamma
    assert pols["gelato-exact"].inner is None
    np.testing.assert_array_equal(pols["dpp-k-only"].allowed, np.isinf(menu.eta))
    fk = pols[f"fixed-k{FIXED_K}"]
    assert (menu.K[fk.action], menu.eta[fk.action], fk.name) == (4, math.inf, "fixed-k4")
    ad = pols["adaedl"]
    assert (menu.K[ad.action], menu.eta[ad.action], ad.name) == (8, 1.0, "adaedl")
    sp = pols["specdec++"]
    assert (sp.K, sp.h, sp.gamma, sp.name) == (8, SPECDEC_H, scen.control.gamma, "specdec++")
    assert sp.problem is problem and pols["gelato"].problem is problem
    assert SPECDEC_H == 0.5 and FIXED_K == 4
    assert pols["static-best"].action == best_static_action(problem)
    assert pols["static-best"].name == "static-best"
    assert (pols["offload"].action, pols["offload"].name) == (0, "offload")
    np.testing.assert_allclose(pols["lp-oracle"].policy, solve_lp(problem).policy)
    for name, pol in pols.items():
        assert pol.name == name


def test_registry_with_a_short_budget_and_per_second(scen, per_second) -> None:
    short = scen.replace(**{"actions.K_max": 2})
    ps = policies(short, build_problem(short))
    assert "fixed-k2" in ps and "fixed-k4" not in ps
    assert ps["fixed-k2"].name == "fixed-k2"
    menu = build_problem(short).stats.menu
    assert (menu.K[ps["fixed-k2"].action], menu.eta[ps["fixed-k2"].action]) == (2, math.inf)
    one = scen.replace(**{"actions.K_max": 1})
    p1 = policies(one, build_problem(one))
    assert {"adaedl", "specdec++", "fixed-k1"} <= set(p1)
    none = scen.replace(**{"actions.K_max": 0})
    p0 = policies(none, build_problem(none))
    assert "adaedl" not in p0 and "specdec++" not in p0 and "fixed-k0" in p0
    s, p = per_second
    pp = policies(s, p)
    assert list(pp)[:3] == ["gelato", "gelato-exact", "gelato-running"]
    assert pp["gelato-running"].theta == "running"
    for name, pol in pp.items():
        assert pol.name == name
