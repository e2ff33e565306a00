"""The envelope lookup of the DPP decision agrees with the full scan of the menu, on exact and near
ties too (SPEC §4, the tie rule)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gelato_theory.control.envelope import EnvelopeTable, optimum_table
from gelato_theory.control.per_slot import solve_per_slot
from gelato_theory.exact.dual import TIE_RTOL, decision_envelope
from gelato_theory.exact.problem import build_problem
from gelato_theory.scenario.load import scenario_from_dict
from gelato_theory.testing import scenarios

# a gap of 6.2e-11 tokens between K = 1 and K = 0 at V ~ 1e-3: real, not a tie (an absolute band
# once treated it as one in the scan but not in the envelope)
NEAR_ZERO_ACCEPTANCE = {
    "name": "drawn",
    "channel": {
        "model": "table",
        "bandwidth_hz": 1e7,
        "tx_power_w": 0.2,
        "noise_psd_w_per_hz": 3.98e-20,
        "gains": [1e-13],
        "probabilities": [1.0],
    },
    "device": {"e_c": 0.0625, "tau_c": 0.03125, "e_0": 0.0, "payload_bits": 1024.0},
    "edge": {"tau_0": 0.0625, "tau_v1": 0.0},
    "tokens": {
        "model": "table",
        "weights": [1.0],
        "entropies": [0.0],
        "acceptances": [6.238668480845286e-11],
    },
    "actions": {"K_max": 1, "thresholds": [float("inf")]},
    "control": {"V": [0.01, 0.1]},
    "objective": {"kind": "per_round", "energy_budget_j": 0.0625},
}


def _agree(problem, m, lam, V):
    table = EnvelopeTable.build(problem.u, problem.y)
    Q = lam * V
    np.testing.assert_array_equal(table.choose(m, Q / V), solve_per_slot(problem, m, Q, V))


@given(scenarios(), st.integers(0, 2**32 - 1))
@example(scenario_from_dict(NEAR_ZERO_ACCEPTANCE), 0)
def test_envelope_lookup_equals_the_menu_scan(scenario, seed):
    problem = build_problem(scenario)
    rng = np.random.default_rng(seed)
    B = 400
    m = rng.integers(0, problem.M, B)
    V = 10 ** rng.uniform(-3, 2, B)
    lam = 10 ** rng.uniform(-2, 3, B) * rng.integers(0, 2, B)  # half of them with Q = 0
    _agree(problem, m, lam, V)


def _planted(problem, rng):
    """The problem with near-duplicates of its actions appended: utility moved by -4, -1/4, 0,
    +1/4 and +4 tie bands, cost a little lower or higher."""
    U = np.abs(problem.u).max(axis=1, keepdims=True)
    src = rng.integers(0, problem.A, 5)
    shift = np.array([-4.0, -0.25, 0.0, 0.25, 4.0]) * TIE_RTOL * U
    dy = rng.choice([-0.1, 0.0, 0.1], 5) * np.abs(problem.y).max(axis=1, keepdims=True)
    u = np.concatenate([problem.u, problem.u[:, src] + shift], axis=1)
    y = np.concatenate([problem.y, problem.y[:, src] + dy], axis=1)
    return dataclasses.replace(problem, u=u, y=y)


# two states, K_max = 0: planted parallel lines 16 ulps apart, whose scores round to equal values
# at large Q (equal cost: the higher utility wins, not the rounded score)
PARALLEL = {
    **NEAR_ZERO_ACCEPTANCE,
    "channel": {
        **NEAR_ZERO_ACCEPTANCE["channel"],
        "gains": [3.5219758669267076e-11, 8.261988091089157e-11],
        "probabilities": [0.5, 0.5],
    },
    "tokens": {"model": "table", "weights": [1.0], "entropies": [0.0], "acceptances": [0.0]},
    "actions": {"K_max": 0, "thresholds": [float("inf")]},
}


@given(scenarios(), st.integers(0, 2**32 - 1))
@example(scenario_from_dict(PARALLEL), 126)
def test_lookup_equals_scan_on_planted_near_ties_and_at_switch_points(scenario, seed):
    rng = np.random.default_rng(seed)
    problem = _planted(build_problem(scenario), rng)
    for m in range(problem.M):
        u, y = problem.u[m], problem.y[m]
        acts, pts = decision_envelope(u, y)
        pts = np.asarray(pts)
        # A scan's choice is fixed only up to float error, a few ulps of max|u| + lambda max|y|
        # in score, so near a switch between actions of costs y1, y2 it is fixed up to about
        # TIE_RTOL (U + lambda Y) / |y1 - y2| in lambda: probe two such widths on either side.
        U, Y = np.abs(u).max(), np.abs(y).max()
        dy = np.abs(np.diff(y[np.asarray(acts)]))
        with np.errstate(divide="ignore"):
            width = np.maximum(2 * TIE_RTOL * (U + pts * Y) / dy, 1e-6 * pts)
        lam = np.concatenate([[0.0], pts - width, pts + width, 10 ** rng.uniform(-3, 3, 50)])
        lam = lam[np.isfinite(lam) & (lam >= 0)]
        V = 10 ** rng.uniform(-3, 2, lam.size)
        _agree(problem, np.full(lam.size, m), lam, V)


def test_hand_made_exact_and_near_ties():
    # lines 3 - 2 lam, 2 - lam, 0 (breakpoints 1, 2); action 3 duplicates action 1 exactly;
    # action 4 is action 0 a quarter band lower and 1e-15 J cheaper (tied with 0: the cheaper wins);
    # action 5 is action 1 twelve bands lower (never chosen)
    eps = TIE_RTOL * 3.0
    u = np.array([[3.0, 2.0, 0.0, 2.0, 3.0 - eps / 4, 2.0 - 4 * eps]])
    y = np.array([[2.0, 1.0, 0.0, 1.0, 2.0 - 1e-15, 1.0]])
    problem = dataclasses.replace(build_problem(scenario_from_dict(NEAR_ZERO_ACCEPTANCE)), u=u, y=y)
    lam = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 7.0])
    m = np.zeros(lam.size, int)
    # at the breakpoints the cheaper line wins; the exact duplicate (3) loses to the lower index
    want = [4, 4, 1, 1, 2, 2]
    assert solve_per_slot(problem, m, lam * 0.3, np.full(lam.size, 0.3)).tolist() == want
    assert EnvelopeTable.build(u, y).choose(m, lam).tolist() == want


@pytest.mark.parametrize("gap_bands, want", [(0.5, 1), (2.0, 0)])
def test_a_tie_is_decided_by_the_band_at_every_V(gap_bands, want):
    # two actions whose utilities differ by half / two bands: the same answer at every V and Q = 0
    u = np.array([[1.0, 1.0 - gap_bands * TIE_RTOL]])
    y = np.array([[1.0, 0.0]])
    problem = dataclasses.replace(build_problem(scenario_from_dict(NEAR_ZERO_ACCEPTANCE)), u=u, y=y)
    V = np.array([1e-6, 1e-3, 1.0, 1e3])
    m = np.zeros(V.size, int)
    assert solve_per_slot(problem, m, np.zeros(V.size), V).tolist() == [want] * V.size
    assert EnvelopeTable.build(u, y).choose(m, np.zeros(V.size)).tolist() == [want] * V.size


@given(scenarios())
def test_restricted_menu(scenario):
    problem = build_problem(scenario)
    allowed = np.isinf(problem.stats.menu.eta)
    table = EnvelopeTable.build(problem.u, problem.y, allowed)
    lam = np.array([0.0, 1.0, 10.0, 1e3, 1e6])
    for m in range(problem.M):
        got = table.choose(np.full(lam.size, m), lam)
        assert allowed[got].all()
        V = np.ones(lam.size)
        want = solve_per_slot(problem, np.full(lam.size, m), lam, V, allowed=allowed)
        np.testing.assert_array_equal(got, want)


def test_the_optimum_table_is_built_once_per_problem():
    problem = build_problem(scenario_from_dict(NEAR_ZERO_ACCEPTANCE))
    table = optimum_table(problem)
    fresh = EnvelopeTable.build(problem.u, problem.y)
    np.testing.assert_array_equal(table.breaks, fresh.breaks)
    np.testing.assert_array_equal(table.actions, fresh.actions)
    assert optimum_table(problem) is table
    other = build_problem(scenario_from_dict(NEAR_ZERO_ACCEPTANCE))
    assert optimum_table(other) is not table  # keyed by the problem object, not its contents
