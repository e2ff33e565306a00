"""Numeric bound constants (SPEC §5) against their definitions, computed independently here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

from gelato_theory import preset
from gelato_theory.cli.main import main
from gelato_theory.exact.bounds import bound_report, bounds_at, constants
from gelato_theory.testing import scenarios


def realizable_costs(scenario, problem):
    """Every realizable y of every (state, action), by enumerating (c, k) from the round rules."""
    st = problem.stats
    dev, obj = scenario.device, scenario.objective
    out = []
    for m in range(problem.M):
        for a in range(problem.A):
            K, s = int(st.menu.K[a]), float(st.s[a])
            if K == 0:
                ck = [(0, 0)]
            elif s == 0:
                ck = [(1, 0)]
            elif s == 1:
                ck = [(K, K)]
            else:
                ck = [(c, c - 1) for c in range(1, K + 1)] + [(K, K)]
            for c, k in ck:
                E = dev.e_0 + dev.e_c * c + st.e_tx[m] * k
                T = scenario.edge.tau_0 + dev.tau_c * c + (st.t_tx[m] + scenario.edge.tau_v1) * k
                out.append(
                    E - obj.energy_budget_j
                    if obj.kind == "per_round"
                    else E - obj.power_budget_w * T
                )
    return np.array(out)


@given(scenarios())
def test_constants_match_their_definitions(scenario):
    problem, c = constants(scenario)
    y = realizable_costs(scenario, problem)
    assert c.y_max == pytest.approx(y.max(), abs=1e-12)
    assert c.y_min == pytest.approx(y.min(), abs=1e-12)
    assert c.B == pytest.approx(max(y.min() ** 2, y.max() ** 2) / 2, rel=1e-12)
    assert c.B_tight <= c.B * (1 + 1e-12)
    pi = problem.pi
    assert c.epsilon == pytest.approx(-(pi @ problem.y.min(axis=1)), abs=1e-12)
    assert c.u_max == pytest.approx(pi @ problem.u.max(axis=1))
    assert c.u_0 <= c.u_star + 1e-9 <= c.u_max + 2e-9
    # rho: no action gains more utility per unit of extra cost over the minimum-cost action
    rows = np.arange(problem.M)
    a0 = problem.y.argmin(axis=1)
    extra = problem.y - problem.y[rows, a0][:, None]
    gain = problem.u - problem.u[rows, a0][:, None]
    assert np.all(gain[extra > 0] <= c.rho * extra[extra > 0] + 1e-9)


@given(scenarios())
def test_per_V_bounds_are_ordered(scenario):
    problem, c = constants(scenario)
    prev = None
    for V in (0.01, 0.1, 1.0, 10.0):
        b = bounds_at(c, V, 1000, problem)
        assert b.utility_lower_bound == pytest.approx(c.u_star - c.B / V - c.L0 / (V * 1000))
        assert b.backlog_bound_lp <= b.backlog_bound * (1 + 1e-12)
        if c.theorem3_applicable:
            assert b.deterministic_backlog_bound == pytest.approx(max(c.Q0, V * c.rho + c.y_max))
        if prev is not None:  # the utility bound tightens and the backlog bounds grow with V
            assert b.utility_lower_bound >= prev.utility_lower_bound
            assert b.backlog_bound >= prev.backlog_bound
        prev = b


def test_initial_backlog_enters_every_bound():
    s = preset("default").replace(**{"control.Q0": 2.0})
    _, c = constants(s)
    b = bounds_at(c, 0.1, 100)
    assert c.L0 == 2.0
    assert b.utility_lower_bound == pytest.approx(c.u_star - c.B / 0.1 - 2.0 / (0.1 * 100))
    assert b.deterministic_backlog_bound >= 2.0
    assert b.mean_rate_bound == pytest.approx(
        math.sqrt(2 * 2.0 / 100**2 + 2 * (c.B + 0.1 * (c.u_max - c.u_star)) / 100)
    )


def test_per_second_ratio_bound():
    s = preset("default").replace(
        **{"objective.kind": "per_second", "objective.power_budget_w": 1.2}
    )
    _, c = constants(s)
    assert c.theta_star > 0
    assert abs(c.u_star) < 1e-6  # at theta*, the best E[N - theta* T] under the budget is zero
    b = bounds_at(c, 1.0, 1000)
    assert b.ratio_lower_bound == pytest.approx(c.theta_star - c.B / c.t_min)


def test_bound_report_json_has_the_documented_keys(tmp_path):
    import json

    out = tmp_path / "b.json"
    assert main(["bounds", "--V", "0.01,0.1", "--json", str(out)]) == 0
    d = json.loads(out.read_text())
    for key in ("u_star", "lambda_star", "B", "epsilon", "rho", "y_max", "u_max", "u_0", "per_V"):
        assert key in d
    assert [r["V"] for r in d["per_V"]] == [0.01, 0.1]
    for r in d["per_V"]:
        for key in ("V", "utility_lower_bound", "backlog_bound", "deterministic_backlog_bound"):
            assert key in r
    assert bound_report(preset("default")).constants.u_star == pytest.approx(d["u_star"])


def test_theorem3_bound_is_infinite_when_it_does_not_apply():
    import dataclasses

    _, c = constants(preset("default"))
    assert c.theorem3_applicable  # per-round: pure offload always costs e_0 - E_bar < 0
    off = dataclasses.replace(c, theorem3_applicable=False)
    assert math.isinf(bounds_at(off, 1.0, 100).deterministic_backlog_bound)
