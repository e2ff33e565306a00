"""Fixed-input checks of the verifier: statistics, sample-path claims and claim checks (SPEC §5, §6).

Each test pins a documented property on hand-made numbers (intervals, verdict edges, Bonferroni
levels, fits, breach tolerances, and every claim's bound and verdict on a hand-made simulation), so
that mutation testing (docs/mutation.md) sees each comparison, constant and formula of
``verification/stats.py``, ``pathwise.py`` and ``claims.py`` matter. They run in a few seconds.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats as sps

from gelato_theory.verification import claims as cl
from gelato_theory.verification import pathwise
from gelato_theory.verification import stats as st

# ---------------------------------------------------------------- estimate


def test_estimate_one_sided_formula():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    e = st.estimate(x, 0.9)
    sd = float(np.std(x, ddof=1))
    t = float(sps.t.ppf(0.9, 3))
    assert e.mean == pytest.approx(3.5)
    assert e.sd == pytest.approx(sd)
    assert e.n == 4
    assert e.t == pytest.approx(t)
    assert e.half_width == pytest.approx(t * sd / 2.0)
    assert e.low == pytest.approx(3.5 - t * sd / 2.0)
    assert e.high == pytest.approx(3.5 + t * sd / 2.0)


def test_estimate_two_sided_uses_the_upper_half_quantile():
    x = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    e = st.estimate(x, 0.9, two_sided=True)
    assert e.t == pytest.approx(float(sps.t.ppf(0.95, 4)))
    assert e.half_width == pytest.approx(e.t * np.std(x, ddof=1) / math.sqrt(5))
    # one-sided at the same level is narrower
    assert st.estimate(x, 0.9).half_width < e.half_width


def test_estimate_accepts_lists_and_constant_values():
    e = st.estimate([2, 2, 2], 0.95)
    assert isinstance(e.mean, float) and e.mean == 2.0
    assert e.sd == 0.0 and e.half_width == 0.0
    assert math.isfinite(e.t)


def test_estimate_single_value_is_infinitely_uncertain():
    e = st.estimate(np.array([3.0]), 0.95)
    assert e.n == 1 and e.sd == math.inf and e.t == math.inf
    assert e.half_width == math.inf
    assert st.judge_lower(e, 0.0) == st.INCONCLUSIVE
    assert st.seeds_to_decide(e, 0.0) is None


# ---------------------------------------------------------------- seeds_to_decide


def _est(mean, sd, n, t, hw=0.0):
    return st.Estimate(mean=mean, sd=sd, n=n, half_width=hw, t=t)


def test_seeds_to_decide_formula_and_floor():
    # (t sd / gap)^2 = (2 * 3 / 0.5)^2 = 144
    assert st.seeds_to_decide(_est(1.5, 3.0, 10, 2.0), 1.0) == 144
    assert st.seeds_to_decide(_est(0.5, 3.0, 10, 2.0), 1.0) == 144  # gap is |mean - bound|
    # non-integer: ceil of 2.25 * ... -> (1.5*1/1)^2 = 2.25 -> 3, floored at n + 1
    assert st.seeds_to_decide(_est(2.0, 1.0, 2, 1.5), 1.0) == 3
    assert st.seeds_to_decide(_est(2.0, 1.0, 7, 1.5), 1.0) == 8
    assert st.seeds_to_decide(_est(1.0, 1.0, 7, 1.5), 1.0) is None


# ---------------------------------------------------------------- verdict rules at their edges


def test_judge_lower_edges():
    e = _est(1.0, 1.0, 10, 2.0, hw=0.5)  # interval [0.5, 1.5]
    assert st.judge_lower(e, 0.5) == st.PASS  # low == bound passes
    assert st.judge_lower(e, 0.50001) == st.INCONCLUSIVE
    assert st.judge_lower(e, 1.5) == st.INCONCLUSIVE  # high == bound is not a failure
    assert st.judge_lower(e, 1.50001) == st.FAIL


def test_judge_upper_edges():
    e = _est(1.0, 1.0, 10, 2.0, hw=0.5)
    assert st.judge_upper(e, 1.5) == st.PASS
    assert st.judge_upper(e, 1.49999) == st.INCONCLUSIVE
    assert st.judge_upper(e, 0.5) == st.INCONCLUSIVE
    assert st.judge_upper(e, 0.49999) == st.FAIL


def test_judge_equal_edges_and_tolerance():
    e = _est(1.0, 1.0, 10, 2.0, hw=0.5)
    assert st.judge_equal(e, 1.5) == st.PASS
    assert st.judge_equal(e, 0.5) == st.PASS
    assert st.judge_equal(e, 1.50001) == st.FAIL
    assert st.judge_equal(e, 0.49999) == st.FAIL
    assert st.judge_equal(e, 1.7, atol=0.2) == st.PASS
    assert st.judge_equal(e, 1.7, atol=0.19) == st.FAIL


def test_judge_band_edges():
    e = _est(1.0, 1.0, 10, 2.0, hw=0.5)  # [0.5, 1.5]
    assert st.judge_band(e, 0.5, 1.5) == st.PASS
    assert st.judge_band(e, 0.50001, 1.5) == st.INCONCLUSIVE
    assert st.judge_band(e, 0.5, 1.49999) == st.INCONCLUSIVE
    assert st.judge_band(e, 1.5, 3.0) == st.INCONCLUSIVE  # touching from above
    assert st.judge_band(e, 1.50001, 3.0) == st.FAIL
    assert st.judge_band(e, -1.0, 0.5) == st.INCONCLUSIVE
    assert st.judge_band(e, -1.0, 0.49999) == st.FAIL


# ---------------------------------------------------------------- Bonferroni


def test_bonferroni_level_values_and_errors():
    assert st.bonferroni_level(0.9, 1) == pytest.approx(0.9)
    assert st.bonferroni_level(0.9, 4) == pytest.approx(0.975)
    assert st.bonferroni_level(0.9, 0) == pytest.approx(0.9)  # at least one interval
    assert st.bonferroni_level(0.9, 2.7) == pytest.approx(0.95)  # counts are integers
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="confidence"):
            st.bonferroni_level(bad, 3)
    assert st.bonferroni_level(1e-9, 1) == pytest.approx(1e-9)
    assert st.bonferroni_level(1 - 1e-9, 1) == pytest.approx(1 - 1e-9)


# ---------------------------------------------------------------- fits


def test_line_fit_exact_line_and_non_finite_points():
    x = np.array([0.0, 1.0, 2.0, 3.0, np.nan, 5.0])
    y = np.array([1.0, 3.0, 5.0, 7.0, 9.0, np.inf])
    f = st.line_fit(x, y)
    assert f.n == 4
    assert f.slope == pytest.approx(2.0)
    assert f.intercept == pytest.approx(1.0)
    assert f.r2 == pytest.approx(1.0)
    assert f.slope_se == pytest.approx(0.0, abs=1e-12)


def test_line_fit_noisy_matches_linregress_and_needs_three_points():
    x = [0.0, 1.0, 2.0, 3.0]
    y = [0.0, 2.0, 1.0, 4.0]
    f = st.line_fit(x, y)
    r = sps.linregress(x, y)
    assert (f.slope, f.slope_se, f.intercept, f.r2) == pytest.approx(
        (r.slope, r.stderr, r.intercept, r.rvalue**2)
    )
    assert isinstance(f.n, int) and f.n == 4
    assert st.line_fit([0.0, 1.0, 2.0], [1.0, 2.0, 4.0]) is not None
    assert st.line_fit([0.0, 1.0, np.nan], [1.0, 2.0, 4.0]) is None


def test_loglog_slope_power_law_and_positivity():
    V = np.array([1.0, 2.0, 4.0, 8.0])
    assert st.loglog_slope(V, 3 * V**-0.5) == pytest.approx(-0.5)
    y = np.array([0.0, 2.0, -1.0, 8.0])  # only V = 2, 8 have y > 0: slope of y = V
    assert st.loglog_slope(V, y) == pytest.approx(1.0)
    assert st.loglog_slope(V, np.array([0.0, 1.0, 0.0, 0.0])) is None
    assert st.loglog_slope(V[:2], np.array([1.0, 4.0])) == pytest.approx(2.0)


# ---------------------------------------------------------------- pathwise claims


def _consts(**kw):
    base = dict(Q0=0.0, rho=2.0, y_max=1.0, y_min=-3.0, theorem3_applicable=True)
    base.update(kw)
    return SimpleNamespace(**base)


def test_deterministic_backlog_bound_is_max_of_Q0_and_V_rho_plus_ymax():
    sim = SimpleNamespace(V=np.array([1.0, 10.0]), max_Q=np.array([[3.0, 3.0001], [21.0, 20.0]]))
    # bounds: max(0, 1*2+1) = 3 and max(0, 10*2+1) = 21
    assert pathwise.deterministic_backlog_breaches(sim, _consts()).tolist() == [1, 0]
    # Q0 dominates the first bound
    assert pathwise.deterministic_backlog_breaches(sim, _consts(Q0=5.0)).tolist() == [0, 0]
    sim2 = SimpleNamespace(V=np.array([1.0, 10.0]), max_Q=np.array([[3.1, 0.0], [21.1, 30.0]]))
    assert pathwise.deterministic_backlog_breaches(sim2, _consts()).tolist() == [1, 2]


def test_deterministic_backlog_not_applicable_never_breaches():
    sim = SimpleNamespace(V=np.array([1.0]), max_Q=np.array([[1e9, 1e12]]))
    assert pathwise.deterministic_backlog_breaches(
        sim, _consts(theorem3_applicable=False)
    ).tolist() == [0]


def test_breach_tolerance_is_relative_to_the_bound():
    bound = np.array([1e6, 0.0])
    # 1e-9 * (1 + 1e6) ~ 1e-3: 5e-4 above the bound is rounding, 2e-3 is a breach
    max_Q = np.array([[1e6 + 5e-4, 1e6 + 2e-3], [5e-10, 2e-9]])
    assert pathwise._breaches(max_Q, bound).tolist() == [1, 1]
    assert pathwise._breaches(np.array([[-5.0]]), np.array([-5.0])).tolist() == [0]
    # a negative bound: tolerance uses |bound|
    assert pathwise._breaches(np.array([[-1e6 + 5e-4]]), np.array([-1e6])).tolist() == [0]
    assert pathwise._breaches(np.array([[-1e6 + 2e-3]]), np.array([-1e6])).tolist() == [1]


def test_reaching_the_tolerance_exactly_is_not_a_breach():
    bound = np.array([3.0])
    edge = bound + pathwise.REL_TOL * (1 + np.abs(bound))
    assert pathwise._breaches(edge[:, None], bound).tolist() == [0]
    assert pathwise._breaches(np.nextafter(edge, np.inf)[:, None], bound).tolist() == [1]
    c = _consts(y_max=1.0, y_min=-3.0, Q0=2.0)
    max_Q = np.array([[5.0]])
    scale = 10 * 3.0 + max_Q + 2.0
    edge = pathwise.REL_TOL * scale
    sim = SimpleNamespace(horizon=10, max_Q=max_Q, max_identity_excess=edge)
    assert pathwise.violation_identity_breaches(sim, c).tolist() == [0]
    sim.max_identity_excess = np.nextafter(edge, np.inf)
    assert pathwise.violation_identity_breaches(sim, c).tolist() == [1]


def test_coupled_backlog_reads_each_V_bound():
    sim = SimpleNamespace(max_Q=np.array([[4.0, 5.5], [4.0, 9.0]]))
    bounds = [
        SimpleNamespace(coupled_backlog_bound=5.0),
        SimpleNamespace(coupled_backlog_bound=8.0),
    ]
    assert pathwise.coupled_backlog_breaches(sim, bounds).tolist() == [1, 1]


def test_violation_identity_tolerance_scales_with_horizon_and_backlog():
    c = _consts(y_max=1.0, y_min=-3.0, Q0=2.0)
    # scale = T * max(|y_max|, |y_min|) + max_Q + Q0 = 1000 * 3 + 5 + 2 = 3007
    sim = SimpleNamespace(
        horizon=1000,
        max_Q=np.array([[5.0, 5.0, 5.0]]),
        max_identity_excess=np.array([[0.0, 3.0e-6, 3.1e-6]]),
    )
    assert pathwise.violation_identity_breaches(sim, c).tolist() == [1]
    # with |y_max| the larger, it sets the scale
    c2 = _consts(y_max=4.0, y_min=-1.0, Q0=2.0)  # scale 4007
    sim2 = SimpleNamespace(
        horizon=1000,
        max_Q=np.array([[5.0, 5.0]]),
        max_identity_excess=np.array([[3.5e-6, 4.1e-6]]),
    )
    assert pathwise.violation_identity_breaches(sim2, c2).tolist() == [1]
    # Q0 and max_Q enter: a huge backlog widens the tolerance
    sim3 = SimpleNamespace(
        horizon=1, max_Q=np.array([[1e6]]), max_identity_excess=np.array([[5e-4]])
    )
    assert pathwise.violation_identity_breaches(sim3, _consts(Q0=0.0)).tolist() == [0]
    sim4 = SimpleNamespace(
        horizon=1, max_Q=np.array([[0.0]]), max_identity_excess=np.array([[5e-4]])
    )
    assert pathwise.violation_identity_breaches(sim4, _consts(Q0=1e6)).tolist() == [0]
    assert pathwise.violation_identity_breaches(sim4, _consts(Q0=0.0)).tolist() == [1]


# ---------------------------------------------------------------- claims on a hand-made context

T_H = 100
Vs = np.array([2.0, 4.0])


def _sim(**kw):
    """A simulation of 2 V x 4 paths x 2 channel states with chosen per-path statistics."""
    base = dict(
        policy="p",
        horizon=T_H,
        V=Vs.copy(),
        mean_N=np.array([[3.0, 3.2, 2.8, 3.0], [3.1, 3.3, 2.9, 3.1]]),
        mean_T=np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 1.0, 1.0]]),
        mean_u=np.array([[1.0, 1.2, 0.8, 1.0], [1.5, 1.7, 1.3, 1.5]]),
        mean_y=np.array([[-0.1, 0.1, 0.0, 0.0], [0.2, 0.0, -0.2, 0.0]]),
        mean_u_model=np.array([[1.0, 1.1, 0.9, 1.0], [1.4, 1.6, 1.4, 1.6]]),
        mean_y_model=np.array([[0.0, 0.1, -0.1, 0.0], [0.1, 0.1, -0.1, -0.1]]),
        mean_Q=np.array([[5.0, 6.0, 4.0, 5.0], [9.0, 11.0, 10.0, 10.0]]),
        final_Q=np.array([[10.0, 20.0, 30.0, 40.0], [50.0, 60.0, 70.0, 80.0]]),
        max_Q=np.array([[7.0, 8.0, 6.0, 9.0], [12.0, 15.0, 13.0, 14.0]]),
        max_identity_excess=np.array([[0.0, -1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]),
        state_counts=np.array([[[60, 40]] * 4, [[50, 50]] * 4], dtype=float),
        model_dN=np.array([[0.1, -0.1, 0.2, -0.2], [1.0, 1.1, 0.9, 1.0]]),
        model_dE=np.array([[0.0, 0.0, 0.0, 0.0], [0.01, -0.01, 0.02, -0.02]]),
        trace_Q=None,
        trace_t=None,
        shortfall_mean=None,
    )
    base.update(kw)
    return SimpleNamespace(**base)


def _c(**kw):
    base = dict(
        B_avg=1.0,
        B_avg_any=3.0,
        u_max=2.0,
        u_0=0.5,
        epsilon=0.25,
        L0=8.0,
        u_star=1.2,
        Q0=0.0,
        rho=2.0,
        y_max=1.0,
        y_min=-3.0,
        theorem3_applicable=True,
        lambda_star=0.5,
        theta_star=None,
    )
    base.update(kw)
    return SimpleNamespace(**base)


def _b(V, **kw):
    base = dict(
        V=V,
        backlog_bound_avg=10.0 * V,
        mean_rate_bound=0.3,
        deterministic_backlog_bound=V * 2.0 + 1.0,
        coupled_backlog_bound=V * 4.0,
        band_low=-math.inf,
        band_high=math.inf,
    )
    base.update(kw)
    return SimpleNamespace(**base)


PROBLEM = SimpleNamespace(
    u=np.array([[0.0, 2.0], [0.0, 1.0]]), y=np.array([[0.0, 1.0], [0.0, 1.0]])
)


def _ctx(kind=cl.EXACT, sim=None, c=None, bounds=None, C_hat=None, exact_C=None):
    return cl.Context(
        sim=sim or _sim(),
        c=c or _c(),
        problem=PROBLEM,
        bounds=bounds or [_b(2.0), _b(4.0)],
        policy_class=kind,
        C_hat=np.zeros(2) if C_hat is None else C_hat,
        exact_C=exact_C,
    )


def test_expectation_check_lower_and_upper():
    vals = np.array([1.0, 2.0, 3.0, 4.0])
    ch = cl.expectation("theorem1_utility", "p", 2.0, vals, 0.0, "lower", "tokens")
    assert (ch.claim, ch.V, ch.intervals) == ("theorem1_utility", 2.0, 1)
    v = ch.judge(0.9)
    e = st.estimate(vals, 0.9)
    assert (v.claim, v.policy, v.V, v.status) == ("theorem1_utility", "p", 2.0, st.PASS)
    assert (v.measured, v.bound, v.low, v.high) == pytest.approx((2.5, 0.0, e.low, e.high))
    assert v.seeds_needed is None and v.bound_high is None
    assert ">= bound 0" in v.detail and "tokens" in v.detail and "seeds" not in v.detail
    up = cl.expectation("x", "p", 2.0, vals, 0.0, "upper", "J").judge(0.9)
    assert up.status == st.FAIL and "<= bound" in up.detail
    # inconclusive: the number of seeds that would decide is reported
    inc = cl.expectation("x", "p", 2.0, vals, 2.4, "lower", "J").judge(0.9)
    assert inc.status == st.INCONCLUSIVE
    assert inc.seeds_needed == st.seeds_to_decide(e, 2.4)
    assert f"about {inc.seeds_needed} seeds would decide" in inc.detail
    assert cl.expectation("x", "p", 2.0, vals, 2.6, "upper", "J").judge(0.9).status == (
        st.INCONCLUSIVE
    )


def test_band_check_counts_two_intervals_and_picks_the_near_edge():
    vals = np.array([1.0, 2.0, 3.0, 4.0])
    e = st.estimate(vals, 0.9)
    ch = cl.band("backlog_band", "p", 2.0, vals, 0.0, 10.0, "J")
    assert (ch.claim, ch.V, ch.intervals) == ("backlog_band", 2.0, 2)
    v = ch.judge(0.9)
    assert v.status == st.PASS and v.bound == 0.0 and v.bound_high == 10.0
    assert (v.low, v.high, v.measured) == pytest.approx((e.low, e.high, 2.5))
    assert v.seeds_needed is None and "in band [0, 10]" in v.detail
    lo = cl.band("b", "p", 2.0, vals, 2.4, 10.0, "J").judge(0.9)
    assert lo.status == st.INCONCLUSIVE and lo.seeds_needed == st.seeds_to_decide(e, 2.4)
    assert f"about {lo.seeds_needed} seeds" in lo.detail
    hi = cl.band("b", "p", 2.0, vals, -5.0, 2.7, "J").judge(0.9)
    assert hi.status == st.INCONCLUSIVE and hi.seeds_needed == st.seeds_to_decide(e, 2.7)
    assert cl.band("b", "p", 2.0, vals, 9.0, 10.0, "J").judge(0.9).status == st.FAIL


def test_path_claim_fails_on_any_breach():
    ok = cl.path_claim("theorem3_backlog", "p", 2.0, 4.5, 5.0, 0, "max Q")
    assert (ok.claim, ok.V, ok.intervals) == ("theorem3_backlog", 2.0, 0)
    v = ok.judge(0.5)
    assert (v.claim, v.policy, v.V, v.status) == ("theorem3_backlog", "p", 2.0, st.PASS)
    assert (v.measured, v.bound, v.low, v.high) == (4.5, 5.0, 4.5, 4.5)
    assert v.detail == "max Q 4.5 J vs bound 5 J; 0 path(s) breach"
    bad = cl.path_claim("theorem3_backlog", "p", 2.0, 6.0, 5.0, 3, "max Q").judge(0.5)
    assert bad.status == st.FAIL and "3 path(s) breach" in bad.detail


def test_context_properties_and_theorem2_forms():
    ex = _ctx(cl.EXACT, C_hat=np.array([0.5, 1.0]))
    assert ex.T == T_H and ex.S == 4 and isinstance(ex.S, int)
    assert ex.B == 1.0
    assert ex.backlog_bound(1) == 40.0
    ap = _ctx(cl.APPROXIMATE, C_hat=np.array([0.5, 1.0]))
    assert ap.B == 3.0
    # (B_any + C + V (u_max - u_0)) / eps + L0 / (eps T)
    assert ap.backlog_bound(1) == pytest.approx((3.0 + 1.0 + 4.0 * 1.5) / 0.25 + 8.0 / 25.0)
    assert ap.backlog_bound(0) == pytest.approx((3.0 + 0.5 + 2.0 * 1.5) / 0.25 + 8.0 / 25.0)
    assert ex.applies("theorem3_backlog") and not ap.applies("theorem3_backlog")
    assert ap.applies("empirical_C") and not ex.applies("empirical_C")
    off = _sim()
    off.mean_u_model = off.mean_u_model.copy()
    off.mean_u_model[1, 2] = np.nan
    assert _ctx(sim=off).on_menu.tolist() == [True, False]


def test_converse_and_regret_values():
    ctx = _ctx()
    # phi(lambda* = 0.5) = max(0, 2 - 0.5) = 1.5 and max(0, 1 - 0.5) = 0.5
    phi0 = (60 * 1.5 + 40 * 0.5) / T_H
    sim = ctx.sim
    assert cl.converse_values(ctx, 0) == pytest.approx(phi0 - sim.mean_u[0] + 0.5 * sim.mean_y[0])
    phi1 = (50 * 1.5 + 50 * 0.5) / T_H
    assert cl.regret_values(ctx, 1) == pytest.approx(
        phi1 - (sim.mean_u_model[1] - 0.5 * sim.mean_y_model[1])
    )


def _by(checks):
    out = {}
    for ch in checks:
        out.setdefault(ch.claim, []).append(ch)
    return out


def test_per_V_checks_of_exact_dpp():
    ctx = _ctx(cl.EXACT, C_hat=np.array([0.0, 0.0]))
    got = _by(cl.per_V_checks(ctx))
    assert set(got) == {
        "theorem1_utility",
        "theorem2_backlog",
        "mean_rate_stability",
        "theorem3_backlog",
        "coupled_theorem3",
        "violation_identity",
        "closed_form_consistency",
        "lagrangian_converse",
    }
    assert all(len(v) == 2 for v in got.values())
    t1 = got["theorem1_utility"][1].judge(0.9)
    assert t1.bound == pytest.approx(1.2 - 1.0 / 4.0 - 8.0 / (4.0 * T_H))
    assert t1.measured == pytest.approx(1.5) and t1.V == 4.0
    t2 = got["theorem2_backlog"][0].judge(0.9)
    assert t2.bound == 20.0 and t2.measured == pytest.approx(5.0)
    mr = got["mean_rate_stability"][1].judge(0.9)
    assert mr.bound == pytest.approx(0.3) and mr.measured == pytest.approx(65.0 / T_H)
    # max Q 9 > 2*2+1 = 5 on V = 2 (1 path above 5? all four); 15 <= 4*2+1? no: bound 9
    d0, d1 = (ch.judge(0.9) for ch in got["theorem3_backlog"])
    assert (d0.measured, d0.bound, d0.status) == (9.0, 5.0, st.FAIL)
    assert "4 path(s)" in d0.detail and "4 paths of Q(t)" in d0.detail
    assert (d1.measured, d1.bound) == (15.0, 9.0) and "4 path(s)" in d1.detail
    c0, c1 = (ch.judge(0.9) for ch in got["coupled_theorem3"])
    assert (c0.bound, c0.status) == (8.0, st.FAIL) and "1 path(s)" in c0.detail
    assert (c1.bound, c1.status) == (16.0, st.PASS)
    v0, v1 = (ch.judge(0.9) for ch in got["violation_identity"])
    assert (v0.measured, v0.bound, v0.status) == (0.0, 0.0, st.PASS)
    assert (v1.measured, v1.status) == (1.0, st.FAIL) and "1 path(s)" in v1.detail
    lc = got["lagrangian_converse"][0].judge(0.9)
    assert lc.bound == 0.0 and lc.measured == pytest.approx(cl.converse_values(ctx, 0).mean())
    cf = [ch.judge(0.9) for ch in got["closed_form_consistency"]]
    assert [v.status for v in cf] == [st.PASS, st.FAIL]


def test_per_V_checks_C_enters_mean_rate_and_theorem1():
    ctx = _ctx(cl.APPROXIMATE, C_hat=np.array([2.0, 5.0]))
    got = _by(cl.per_V_checks(ctx))
    assert "theorem3_backlog" not in got and "coupled_theorem3" not in got
    assert "backlog_band" not in got
    t1 = got["theorem1_utility"][0].judge(0.9)
    assert t1.bound == pytest.approx(1.2 - (3.0 + 2.0) / 2.0 - 8.0 / (2.0 * T_H))
    mr = got["mean_rate_stability"][1].judge(0.9)
    assert mr.bound == pytest.approx(math.sqrt(0.3**2 + 2 * 5.0 / T_H))
    assert got["theorem2_backlog"][0].judge(0.9).bound == pytest.approx(ctx.backlog_bound(0))


def test_per_V_checks_causal_and_off_menu():
    sim = _sim()
    sim.mean_u_model = sim.mean_u_model.copy()
    sim.mean_u_model[0, 0] = np.nan
    got = _by(cl.per_V_checks(_ctx(cl.CAUSAL, sim=sim)))
    assert set(got) == {"violation_identity", "closed_form_consistency", "lagrangian_converse"}
    assert [ch.V for ch in got["lagrangian_converse"]] == [4.0]
    assert len(got["violation_identity"]) == 2


def test_backlog_band_only_with_a_finite_edge():
    bounds = [_b(2.0, band_low=3.0), _b(4.0, band_high=8.0)]
    got = _by(cl.per_V_checks(_ctx(bounds=bounds)))
    b0, b1 = (ch.judge(0.9) for ch in got["backlog_band"])
    assert (b0.bound, b0.bound_high, b0.V) == (3.0, math.inf, 2.0)
    assert (b1.bound, b1.bound_high, b1.status) == (-math.inf, 8.0, st.FAIL)
    none = _by(cl.per_V_checks(_ctx(bounds=[_b(2.0), _b(4.0, band_low=1.0)])))
    assert [ch.V for ch in none["backlog_band"]] == [4.0]


def test_rate_check_slack_and_detail():
    c = _c(theta_star=2.5)
    ctx = _ctx(cl.APPROXIMATE, c=c, C_hat=np.array([1.0, 2.0]))
    got = _by(cl.per_V_checks(ctx))
    r1 = got["rate_throughput"][1]
    assert (r1.claim, r1.V, r1.intervals) == ("rate_throughput", 4.0, 1)
    v = r1.judge(0.9)
    slack = (3.0 + 2.0 + 8.0 / T_H) / 4.0
    assert v.bound == pytest.approx(-slack) and v.claim == "rate_throughput"
    assert v.measured == pytest.approx(1.5) and v.policy == "p" and v.V == 4.0
    ratio = 12.4 / 5.0
    assert f"sum N / sum T = {ratio:.6g} tokens/s" in v.detail
    assert f"theta* {2.5:.6g} - {slack / 1.25:.4g}" in v.detail
    assert "CI" in v.detail  # the inner expectation's detail is kept


def test_consistency_check_needs_both_tokens_and_energy():
    sim = _sim(
        model_dN=np.array([[0.1, -0.1, 0.2, -0.2], [0.1, -0.1, 0.2, -0.2]]),
        model_dE=np.array([[0.0, 0.0, 0.0, 0.0], [0.5, 0.6, 0.4, 0.5]]),
    )
    ok, bad = (cl._consistency(sim, i) for i in range(2))
    assert (ok.claim, ok.V, ok.intervals) == ("closed_form_consistency", 2.0, 2)
    v = ok.judge(0.9)
    e = st.estimate(sim.model_dN[0], 0.9, two_sided=True)
    assert v.status == st.PASS and v.policy == "p" and v.V == 2.0
    assert (v.measured, v.bound, v.low, v.high) == pytest.approx((0.0, 0.0, e.low, e.high))
    assert bad.judge(0.9).status == st.FAIL  # tokens fine, energy off
    sim2 = _sim(model_dN=np.array([[0.0] * 4, [0.0] * 4]), model_dE=np.array([[0.0] * 4] * 2))
    exact = cl._consistency(sim2, 0).judge(0.9)
    assert exact.status == st.PASS  # zero spread: holds within the 1e-12 tolerance
    sim3 = _sim(model_dN=np.array([[1e-11] * 4] * 2), model_dE=np.array([[0.0] * 4] * 2))
    assert cl._consistency(sim3, 0).judge(0.9).status == st.FAIL


def test_empirical_C_welch_interval():
    Q = np.arange(2 * 3 * 5, dtype=float).reshape(2, 3, 5)
    t = np.array([0, 25, 50, 75, 100])  # the last column is round T: excluded
    seen = {}

    def exact_C(V, q):
        seen["V"], seen["Q"] = V, q
        return 0.1 * q

    sim = _sim(
        trace_Q=Q,
        trace_t=t,
        shortfall_mean=np.array([[1.0, 1.2, 0.8, 1.0], [0.1, 0.2, 0.1, 0.2]]),
    )
    ctx = _ctx(cl.APPROXIMATE, sim=sim, exact_C=exact_C)
    got = _by(cl.per_V_checks(ctx))
    ch = got["empirical_C"][1]
    assert (ch.claim, ch.V, ch.intervals) == ("empirical_C", 4.0, 2)
    flat = Q[1][:, :4].ravel()
    assert seen["V"].tolist() == [4.0] * 12
    assert seen["Q"].tolist() == flat.tolist()
    v = ch.judge(0.9)
    a = st.estimate(sim.shortfall_mean[1], 0.9, True)
    b = st.estimate(0.1 * flat, 0.9, True)
    se = math.hypot(a.sd / 2.0, b.sd / math.sqrt(12))
    dof = se**4 / ((a.sd**2 / 4) ** 2 / 3 + (b.sd**2 / 12) ** 2 / 11)
    hw = sps.t.ppf(0.95, dof) * se
    diff = a.mean - b.mean
    assert (v.measured, v.bound) == pytest.approx((a.mean, b.mean))
    assert (v.low, v.high) == pytest.approx((diff - hw, diff + hw))
    assert v.status == (st.PASS if abs(diff) <= hw else st.FAIL)
    assert v.claim == "empirical_C" and v.V == 4.0 and v.policy == "p"
    # a measured C equal to the exact mean passes; one far away fails
    sim.shortfall_mean[0] = 0.1 * Q[0][:, :4].mean() + np.array([0.01, -0.01, 0.02, -0.02])
    assert got["empirical_C"][0].judge(0.9).status == st.PASS
    sim.shortfall_mean[0] = 50.0 + np.array([0.01, -0.01, 0.02, -0.02])
    assert got["empirical_C"][0].judge(0.9).status == st.FAIL


def test_empirical_C_samples_evenly_and_constant_values():
    Q = np.ones((2, 10, 11))
    sim = _sim(
        trace_Q=Q,
        trace_t=np.arange(11) * 10,
        shortfall_mean=np.full((2, 4), 0.1),
    )
    picked = {}

    def exact_C(V, q):
        picked["n"] = q.size
        return np.full(q.size, 0.1)

    ctx = _ctx(cl.APPROXIMATE, sim=sim, exact_C=exact_C)
    v = cl._c_check(ctx, 0).judge(0.9)
    assert picked["n"] == cl.C_SAMPLES == 48
    assert v.status == st.PASS and v.low == pytest.approx(0.0)
    sim.shortfall_mean = np.full((2, 4), 0.1 + 1e-9)
    assert cl._c_check(ctx, 0).judge(0.9).status == st.FAIL
    assert "empirical_C" not in _by(cl.per_V_checks(_ctx(cl.APPROXIMATE, sim=sim)))
    assert "empirical_C" not in _by(cl.per_V_checks(_ctx(cl.EXACT, sim=sim, exact_C=exact_C)))


def test_regret_regimes():
    V = np.array([1.0, 2.0, 4.0, 8.0])
    lf = st.line_fit(np.log(V), np.log(1 / V))
    one_over_V = cl.RegretFit(V, 1 / V, np.full(4, 0.01), lf)
    assert one_over_V.regime == "O(1/V): log-log slope -1.00 +- 0.00 (-1 expected)"
    # drops 100x from V = 2 to V = 4 (1/V gives 2x): exponentially small
    drop = cl.RegretFit(V, np.array([1.0, 0.5, 0.005, 0.0025]), np.full(4, 1e-4), lf)
    assert drop.regime.startswith("exponentially small past V = 2 (R falls 100x from V = 2 to 4")
    assert drop.regime.endswith("1/V gives 2x)")
    to_noise = cl.RegretFit(V, np.array([1.0, 0.5, 0.001, 0.0]), np.full(4, 0.01), lf)
    assert "past V = 2 (R falls to noise" in to_noise.regime
    # first points in the noise are skipped; a 10x drop over a doubling is the threshold
    edge = cl.RegretFit(V, np.array([0.0, 1.0, 0.05, 0.025]), np.full(4, 0.01), lf)
    assert edge.regime.startswith("O(1/V)")
    steep = cl.RegretFit(V, np.array([0.0, 1.0, 0.049, 0.02]), np.full(4, 0.01), lf)
    assert "past V = 2 " in steep.regime
    none = cl.RegretFit(V, np.zeros(4), np.full(4, 0.01), None)
    assert none.regime == "undetermined (fewer than 3 regrets above noise)"


def test_regret_fit_on_a_context():
    ctx = _ctx()
    fit = cl.regret_fit(ctx, 0.9)
    est = [st.estimate(cl.regret_values(ctx, i), 0.9) for i in range(2)]
    assert fit.V.tolist() == Vs.tolist()
    assert fit.mean == pytest.approx([e.mean for e in est])
    assert fit.half_width == pytest.approx([e.half_width for e in est])
    assert fit.loglog is None  # two V only
    sim = _sim()
    sim.mean_u_model = sim.mean_u_model.copy()
    sim.mean_u_model[1, 0] = np.nan
    assert cl.regret_fit(_ctx(sim=sim), 0.9) is None


def test_regret_fit_uses_only_regrets_above_noise():
    V = np.array([1.0, 2.0, 4.0, 8.0])
    n_V = V.size
    # regret values R = phi - (u - lambda* y) with y = 0: choose u so that R = 1/V exactly,
    # except at V = 8 where R is pure noise around 0
    phi_bar = (60 * 1.5 + 40 * 0.5) / T_H
    R = np.array([[1.0] * 4, [0.5] * 4, [0.25] * 4, [0.01, -0.01, 0.02, -0.02]])
    R[:3] += np.array([0.001, -0.001, 0.002, -0.002])
    sim = _sim(
        V=V,
        mean_u_model=phi_bar - R,
        mean_y_model=np.zeros((n_V, 4)),
        state_counts=np.array([[[60, 40]] * 4] * n_V, dtype=float),
    )
    ctx = _ctx(sim=sim, bounds=[_b(v) for v in V], C_hat=np.zeros(n_V))
    fit = cl.regret_fit(ctx, 0.9)
    assert fit.loglog.n == 3
    assert fit.loglog.slope == pytest.approx(-1.0, abs=0.01)


def test_scaling_checks():
    ctx = _ctx(cl.APPROXIMATE, C_hat=np.array([1.0, 2.0]))
    got = _by(cl.scaling_checks(ctx))
    assert set(got) == {"utility_scaling", "backlog_scaling"}
    u = got["utility_scaling"][0]
    assert (u.V, u.intervals) == (None, 2)
    v = u.judge(0.9)
    allowance = np.array([3.0 + 1.0 + 0.08, 3.0 + 2.0 + 0.08])
    gaps = [st.estimate(1.2 - ctx.sim.mean_u[i], 0.9) for i in range(2)]
    hi = np.array([g.high for g in gaps]) * Vs
    lo = np.array([g.low for g in gaps]) * Vs
    w = int(np.argmax(hi - allowance))
    assert v.V is None and v.claim == "utility_scaling" and v.policy == "p"
    assert (v.measured, v.bound, v.low, v.high) == pytest.approx(
        (hi[w], allowance[w], lo[w], hi[w])
    )
    assert v.status == st.PASS
    assert f"at V={Vs[w]:g}" in v.detail and "regret" in v.detail
    b = got["backlog_scaling"][0]
    assert (b.V, b.intervals) == (None, 2)
    vb = b.judge(0.9)
    lim = np.array([ctx.backlog_bound(i) for i in range(2)]) / Vs
    qs = [st.estimate(ctx.sim.mean_Q[i], 0.9) for i in range(2)]
    q_hi = np.array([q.high for q in qs]) / Vs
    q_lo = np.array([q.low for q in qs]) / Vs
    wb = int(np.argmax(q_hi - lim))
    assert (vb.measured, vb.bound, vb.low, vb.high) == pytest.approx(
        (q_hi[wb], lim[wb], q_lo[wb], q_hi[wb])
    )
    assert vb.status == st.PASS and vb.V is None and vb.claim == "backlog_scaling"
    assert "n/a (fewer than 3 V)" in vb.detail
    assert _by(cl.scaling_checks(_ctx(cl.CAUSAL))) == {}


def test_scaling_verdicts_fail_and_inconclusive():
    # a tiny allowance: V * gap above it on one V (fail), straddling it (inconclusive)
    c = _c(B_avg=0.0, L0=0.0, u_star=3.0)
    v = cl.scaling_checks(_ctx(cl.EXACT, c=c))[0].judge(0.9)
    assert v.status == st.FAIL
    c2 = _c(B_avg=0.0, L0=0.0, u_star=1.0 + 0.5 / 2.0)  # V=2 gap 0.25 -> V*gap 0.5 vs allowance 0
    sim = _sim(mean_u=np.array([[0.75, 0.95, 0.55, 0.75], [2.0, 2.0, 2.0, 2.0]]))
    v2 = cl.scaling_checks(_ctx(cl.EXACT, c=c2, sim=sim))[0].judge(0.9)
    assert v2.status == st.FAIL
    sim3 = _sim(mean_u=np.array([[1.25, 1.45, 1.05, 1.25], [2.0, 2.0, 2.0, 2.0]]))
    v3 = cl.scaling_checks(_ctx(cl.EXACT, c=c2, sim=sim3))[0].judge(0.9)
    assert v3.status == st.INCONCLUSIVE
    # backlog line below the measured backlog: fail; straddling: inconclusive
    bounds = [_b(2.0, backlog_bound_avg=1.0), _b(4.0)]
    assert cl.scaling_checks(_ctx(bounds=bounds))[1].judge(0.9).status == st.FAIL
    bounds = [_b(2.0, backlog_bound_avg=5.0), _b(4.0)]
    assert cl.scaling_checks(_ctx(bounds=bounds))[1].judge(0.9).status == st.INCONCLUSIVE


def test_backlog_scaling_slope_with_three_V():
    V = np.array([1.0, 2.0, 4.0])
    sim = _sim(
        V=V,
        mean_Q=np.array([[1.0, 1.1, 0.9, 1.0], [2.0, 2.1, 1.9, 2.0], [4.0, 4.1, 3.9, 4.0]]),
        mean_u=np.ones((3, 4)),
        mean_u_model=np.ones((3, 4)),
        mean_y_model=np.zeros((3, 4)),
        state_counts=np.array([[[60, 40]] * 4] * 3, dtype=float),
    )
    ctx = _ctx(sim=sim, bounds=[_b(v) for v in V], C_hat=np.zeros(3))
    vb = cl.scaling_checks(ctx)[1].judge(0.9)
    assert "fitted dQ_bar/dV 1 +- 0 J/(J/token) vs lambda* 0.5" in vb.detail


def test_checks_are_per_V_then_scaling():
    ctx = _ctx()
    names = [ch.claim for ch in cl.checks(ctx)]
    assert names[-2:] == ["utility_scaling", "backlog_scaling"]
    assert len(names) == len(cl.per_V_checks(ctx)) + 2


#: the unit (and relation) each claim's verdict reports
UNITS = {
    "theorem1_utility": " tokens (CI ",
    "theorem2_backlog": " J (CI ",
    "mean_rate_stability": " J/round (CI ",
    "lagrangian_converse": " tokens (CI ",
    "backlog_band": " J (CI ",
    "rate_throughput": " tokens (N - theta* T) (CI ",
}
RELATION = {
    "theorem1_utility": ">=",
    "theorem2_backlog": "<=",
    "mean_rate_stability": "<=",
    "lagrangian_converse": ">=",
    "rate_throughput": ">=",
}


def test_every_verdict_names_its_claim_policy_V_and_unit():
    bounds = [_b(2.0, band_low=3.0), _b(4.0, band_high=8.0)]
    Q = np.ones((2, 4, 5))
    sim = _sim(trace_Q=Q, trace_t=np.arange(5) * 25, shortfall_mean=np.full((2, 4), 0.5))
    for kind, c in ((cl.EXACT, _c()), (cl.APPROXIMATE, _c(theta_star=2.0))):
        ctx = _ctx(kind, sim=sim, c=c, bounds=bounds, exact_C=lambda V, q: np.full(q.size, 0.5))
        for ch in cl.checks(ctx):
            v = ch.judge(0.9)
            assert (v.claim, v.policy, v.V) == (ch.claim, "p", ch.V)
            assert v.claim in cl.CLAIMS and ctx.applies(v.claim)
            assert isinstance(v.detail, str) and v.detail
        for ch in cl.per_V_checks(ctx):  # every per-V verdict is at its V
            v = ch.judge(0.9)
            assert v.V in (2.0, 4.0) and ch.V == v.V
            if v.claim in UNITS:
                assert v.detail.startswith("mean ") and UNITS[v.claim] in v.detail
            if v.claim in RELATION:
                assert f") {RELATION[v.claim]} bound " in v.detail
    exact = _by(cl.per_V_checks(_ctx(bounds=bounds)))
    for name in ("theorem3_backlog", "coupled_theorem3"):
        v = exact[name][0].judge(0.9)
        assert v.detail.startswith("max over rounds and 4 paths of Q(t) 9 J vs bound")
    vi = exact["violation_identity"][1].judge(0.9)
    assert vi.detail.startswith("max over rounds and paths of sum_{s<t} y(s) - (Q(t) - Q(0)) = 1 J")
    cf = exact["closed_form_consistency"][0].judge(0.9)
    assert cf.detail.startswith("executor minus closed form: tokens +0 (CI +-")
    assert "energy +0 J (CI +-" in cf.detail
    ap = _ctx(cl.APPROXIMATE, sim=sim, bounds=bounds, exact_C=lambda V, q: np.full(q.size, 0.5))
    ec = _by(cl.per_V_checks(ap))["empirical_C"][0].judge(0.9)
    assert ec.detail.startswith("measured C 0.5 vs exact C of the documented rule 0.5 ")
    assert ec.status == st.PASS  # identical constant samples: zero spread, zero difference


def test_inconclusive_detail_keeps_the_measurement():
    vals = np.array([1.0, 2.0, 3.0, 4.0])
    v = cl.expectation("x", "p", 2.0, vals, 2.4, "lower", "J").judge(0.9)
    assert v.detail.startswith("mean 2.5 J (CI ") and v.detail.endswith("seeds would decide")
    b = cl.band("b", "p", 2.0, vals, 2.4, 10.0, "J").judge(0.9)
    assert b.detail.startswith("mean 2.5 J (CI ") and b.detail.endswith("seeds would decide")
    assert (b.claim, b.policy) == ("b", "p")


def test_band_with_the_interval_on_its_low_edge_needs_seeds_for_the_high_edge():
    vals = np.array([1.0, 2.0, 3.0, 4.0])
    e = st.estimate(vals, 0.9)
    v = cl.band("b", "p", 2.0, vals, e.low, e.high - 1.0, "J").judge(0.9)
    assert v.status == st.INCONCLUSIVE
    assert v.seeds_needed == st.seeds_to_decide(e, e.high - 1.0)
    assert v.seeds_needed > st.seeds_to_decide(e, e.low)


def test_consistency_interval_is_two_sided_with_a_rounding_allowance():
    # energy mean between the one-sided and the two-sided half-width: two-sided passes
    dE = np.array([0.0, 1.0, 2.0, 3.0]) - 0.2
    one, two = st.estimate(dE, 0.9), st.estimate(dE, 0.9, two_sided=True)
    assert one.half_width < abs(dE.mean()) <= two.half_width
    sim = _sim(model_dN=np.zeros((2, 4)), model_dE=np.array([dE, dE]))
    v = cl._consistency(sim, 0).judge(0.9)
    assert v.status == st.PASS and v.claim == "closed_form_consistency"
    sim = _sim(model_dN=np.array([np.zeros(4), dE]), model_dE=np.zeros((2, 4)))
    assert cl._consistency(sim, 1).judge(0.9).status == st.PASS
    # rounding-size differences (|mean| <= 1e-12, zero spread) pass, for tokens and for energy
    tiny = np.full((2, 4), 2.0**-41)  # 4.5e-13
    assert cl._consistency(_sim(model_dN=tiny, model_dE=np.zeros((2, 4))), 0).judge(0.5).status == (
        st.PASS
    )
    assert cl._consistency(_sim(model_dN=np.zeros((2, 4)), model_dE=tiny), 0).judge(0.5).status == (
        st.PASS
    )


def test_empirical_C_at_its_tolerance_and_with_zero_spread():
    Q = np.ones((2, 4, 5))
    sim = _sim(trace_Q=Q, trace_t=np.arange(5) * 25, shortfall_mean=np.full((2, 4), 0.5))
    ctx = _ctx(cl.APPROXIMATE, sim=sim, exact_C=lambda V, q: np.full(q.size, 0.5 - 2.0**-41))
    v = cl._c_check(ctx, 0).judge(0.9)
    assert v.status == st.PASS and v.low == v.high == 2.0**-41
    ctx = _ctx(cl.APPROXIMATE, sim=sim, exact_C=lambda V, q: np.full(q.size, 0.5))
    sim.shortfall_mean = np.full((2, 4), 0.5 + 1e-12)
    d = float(np.float64(0.5 + 1e-12) - 0.5)
    v = cl._c_check(ctx, 0).judge(0.9)
    assert v.low == v.high == d
    assert v.status == (st.PASS if d <= 1e-12 else st.FAIL)


def test_scaling_verdicts_at_the_allowance():
    # zero spread at V = 2: V * gap = 2 * 0.5 = 1 = allowance (B_avg 1, C 0, L0 0): holds
    c = _c(B_avg=1.0, L0=0.0, u_star=1.0)
    sim = _sim(mean_u=np.array([[0.5] * 4, [1.0, 1.1, 0.9, 1.0]]))
    v = cl.scaling_checks(_ctx(c=c, sim=sim))[0].judge(0.9)
    assert v.status == st.PASS and "V=2:" in v.detail
    # V = 4 straddles the allowance (0.25 +- ...): inconclusive, and V = 2 sits on it: not a fail
    sim = _sim(mean_u=np.array([[0.5] * 4, [0.75, 0.85, 0.65, 0.75]]))
    v = cl.scaling_checks(_ctx(c=c, sim=sim))[0].judge(0.9)
    assert v.status == st.INCONCLUSIVE
    assert v.V is None and "at V=4:" in v.detail  # the worst V is the one with the largest excess
    # backlog: Q_bar / V = 10 / 2 = 5 equal to the line at V = 2
    bounds = [_b(2.0, backlog_bound_avg=10.0), _b(4.0, backlog_bound_avg=40.0)]
    sim = _sim(mean_Q=np.array([[10.0] * 4, [9.0, 11.0, 10.0, 10.0]]))
    assert cl.scaling_checks(_ctx(sim=sim, bounds=bounds))[1].judge(0.9).status == st.PASS
    bounds = [_b(2.0, backlog_bound_avg=10.0), _b(4.0, backlog_bound_avg=10.0)]
    vb = cl.scaling_checks(_ctx(sim=sim, bounds=bounds))[1].judge(0.9)
    assert vb.status == st.INCONCLUSIVE and "V=4;" in vb.detail
    assert vb.policy == "p"
    assert "fitted dQ_bar/dV n/a (fewer than 3 V) vs" in vb.detail


def test_worst_V_is_the_largest_excess_over_the_allowance():
    # allowance grows with C: V = 2 is closer to its (small) allowance than V = 4 to its large one
    sim = _sim(mean_u=np.array([[0.5] * 4, [0.5] * 4]))  # V*gap: 1 and 2
    c = _c(B_avg_any=0.0, L0=0.0, u_star=1.0)
    ctx = _ctx(cl.APPROXIMATE, c=c, sim=sim, C_hat=np.array([0.5, 10.0]))
    v = cl.scaling_checks(ctx)[0].judge(0.9)
    assert "at V=2:" in v.detail and v.bound == 0.5 and v.measured == pytest.approx(1.0)


def test_utility_scaling_reports_the_regret_regime_or_why_not():
    ctx = _ctx()
    v = cl.scaling_checks(ctx)[0].judge(0.9)
    assert v.detail.endswith(f"; regret {cl.regret_fit(ctx, 0.9).regime}")
    sim = _sim()
    sim.mean_u_model = sim.mean_u_model.copy()
    sim.mean_u_model[0, 0] = np.nan
    v = cl.scaling_checks(_ctx(sim=sim))[0].judge(0.9)
    assert v.detail.endswith("; regret fit n/a (off-menu decisions)")
