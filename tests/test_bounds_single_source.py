"""The exact layer's numbers come from the symbolic expressions (SPEC §5, §5.1).

The hand-written formulas below are kept only here, as the independent reference: every bound the
exact layer returns must equal them to 1e-12 (relative), on the packaged presets, per-second, with an
initial backlog, and over a range of V and T. A deliberately wrong expression is shown to break it.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.exact import expressions as ex
from gelato_theory.exact.band import cost_steps, curved_lower, curved_upper, greedy_intervals
from gelato_theory.exact.bounds import bounds_at, constants
from gelato_theory.exact.dual import frontier

REL = 1e-12


def hand_band(problem, B_avg, V, T, Q0):
    """The band by the formulas of SPEC §5.1, optimized in a Python loop."""
    steps = cost_steps(problem)
    lo, hi = -math.inf, math.inf
    for a, b, c in zip(steps.edges[:-1], steps.edges[1:], steps.cost, strict=True):
        if -c > 0:
            d = -c
            lam = min(max((Q0 - d * T) / V, a), b)
            hi = min(hi, V * lam + B_avg / d + max(Q0 - V * lam, 0.0) ** 2 / (2 * d * T))
        if c > 0 and math.isfinite(b):
            lam = min(max((Q0 + c * T) / V, a), b)
            lo = max(lo, V * lam - B_avg / c - max(V * lam - Q0, 0.0) ** 2 / (2 * c * T))
    return lo, hi


def hand_bounds(problem, c, V, T):
    """Every bound of VBounds by hand."""
    backlog = (c.B + V * (c.u_max - c.u_0)) / c.epsilon + c.L0 / (c.epsilon * T)
    backlog_avg = (c.B_avg + V * (c.u_max - c.u_0)) / c.epsilon + c.L0 / (c.epsilon * T)
    f = frontier(problem)
    slack = -f.cost
    ok = slack > 0
    lp = ((c.B + V * (c.u_max - f.utility[ok])) / slack[ok] + c.L0 / (slack[ok] * T)).min()
    lp_avg = ((c.B_avg + V * (c.u_max - f.utility[ok])) / slack[ok] + c.L0 / (slack[ok] * T)).min()
    det = max(c.Q0, V * c.rho + c.y_max) if c.theorem3_applicable else math.inf
    lo, hi = greedy_intervals(problem)
    live = (lo <= hi) & (problem.y_hi > 0)
    coupled = max(c.Q0, float((V * hi[live] + problem.y_hi[live]).max())) if live.any() else c.Q0
    band_low, band_high = hand_band(problem, c.B_avg, V, T, c.Q0)
    # each end is the tighter of the straight band and the curved one (whose value at every
    # multiplier is checked against a chord-by-chord computation in test_band.py)
    steps = cost_steps(problem)
    band_low = max(band_low, curved_lower(steps, V, T, c.Q0))
    band_high = min(band_high, curved_upper(steps, V, T, c.Q0))
    out = {
        "utility_lower_bound": c.u_star - c.B / V - c.L0 / (V * T),
        "utility_lower_bound_tight": c.u_star - c.B_tight / V - c.L0 / (V * T),
        "utility_lower_bound_avg": c.u_star - c.B_avg / V - c.L0 / (V * T),
        "backlog_bound": backlog,
        "backlog_bound_lp": min(backlog, lp),
        "backlog_bound_avg": min(backlog_avg, lp_avg),
        "mean_rate_bound": math.sqrt(2 * c.L0 / T**2 + 2 * (c.B + V * (c.u_max - c.u_star)) / T),
        "deterministic_backlog_bound": det,
        "violation_bound": det / T,
        "band_low": band_low,
        "band_high": band_high,
        "coupled_backlog_bound": coupled,
    }
    if c.theta_star is not None:
        out["ratio_lower_bound"] = c.theta_star - (c.B + c.L0 / T) / (V * c.t_min)
    return out


SCENARIOS = {
    "default": preset("default"),
    "default-Q0": preset("default").replace(**{"control.Q0": 0.7}),
    "paper-like": preset("paper-like"),
    "per-second-Q0": preset("default").replace(
        **{"objective.kind": "per_second", "objective.power_budget_w": 1.2, "control.Q0": 0.2}
    ),
}


@pytest.fixture(scope="module", params=list(SCENARIOS))
def solved(request):
    return constants(SCENARIOS[request.param])


def test_constants_equal_their_hand_formulas(solved) -> None:
    problem, c = solved
    assert c.B == pytest.approx(max(c.y_min**2, c.y_max**2) / 2, rel=REL)
    assert c.B_avg == pytest.approx(float(problem.pi @ problem.y2.max(axis=1)) / 2, rel=REL)


@pytest.mark.parametrize("V", [0.001, 0.03, 0.3, 10.0])
@pytest.mark.parametrize("T", [1, 50, 4000])
def test_every_bound_equals_its_hand_formula(solved, V, T) -> None:
    problem, c = solved
    got = bounds_at(c, V, T, problem)
    for name, want in hand_bounds(problem, c, V, T).items():
        value = getattr(got, name)
        if math.isinf(want):
            assert value == want, name
        else:
            assert value == pytest.approx(want, rel=REL, abs=1e-15), name


def test_estimator_expressions_equal_their_hand_formulas() -> None:
    rng = np.random.default_rng(1)
    phi, u, y = rng.normal(size=(3, 50))
    lam = 7.5
    np.testing.assert_allclose(ex.control_variate(phi, u, lam, y), phi - u + lam * y, rtol=REL)
    np.testing.assert_allclose(ex.regret(phi, u, lam, y), phi - u + lam * y, rtol=REL)
    np.testing.assert_allclose(ex.converse_upper(2.5, lam, y), 2.5 + lam * y, rtol=REL)
    np.testing.assert_allclose(ex.gap_from_regret(u, lam, y), u - lam * y, rtol=REL)
    assert ex.scaled_gap_bound(0.5, 10, 2.0) == pytest.approx(0.7, rel=REL)
    assert ex.renewal_bound(0.5, 0.1, 10, 2.0) == pytest.approx(-7.0, rel=REL)


def test_a_wrong_expression_breaks_the_equality(monkeypatch) -> None:
    import sympy as sp

    from gelato_theory.symbolic.symbols import L0, B, T, V, u_star

    _, c = constants(SCENARIOS["default"])
    wrong = sp.lambdify([B, L0, T, V, u_star], u_star - B / (2 * V) - L0 / (V * T))
    monkeypatch.setattr(
        ex, "_compiled", lambda *_: (wrong, ("B", "L0", "T", "V", "u_star"), frozenset())
    )
    got = ex.utility_bound(c.u_star, c.B, 0.1, 100, c.L0)
    assert got != pytest.approx(c.u_star - c.B / 0.1, rel=REL)


def test_wrong_arguments_name_the_expected_ones() -> None:
    with pytest.raises(TypeError, match=r"takes \['B', 'L0', 'T', 'V', 'u_star'\]"):
        ex.evaluate("theorem1_utility", "utility", B=1.0)


def test_importing_the_exact_layer_does_not_import_sympy() -> None:
    code = (
        "import sys, gelato_theory.exact.bounds, gelato_theory.cli.main;"
        "print('sympy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
