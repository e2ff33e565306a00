"""The envelope lookup of the DPP decision agrees with the full scan of the menu (SPEC §4)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gelato_theory.control.envelope import EnvelopeTable
from gelato_theory.control.per_slot import dpp_scores, solve_per_slot
from gelato_theory.exact.problem import build_problem
from gelato_theory.testing import scenarios


@given(scenarios(), st.integers(0, 2**32 - 1))
def test_envelope_lookup_equals_the_menu_scan(scenario, seed):
    problem = build_problem(scenario)
    rng = np.random.default_rng(seed)
    B = 400
    m = rng.integers(0, problem.M, B)
    V = 10 ** rng.uniform(-3, 2, B)
    Q = V * 10 ** rng.uniform(-2, 3, B) * rng.integers(0, 2, B)  # half of them with Q = 0
    table = EnvelopeTable.build(problem.u, problem.y)
    got, want = table.choose(m, Q / V), solve_per_slot(problem, m, Q, V)
    # the scan's ties are absolute (rtol (1 + |best|)), the envelope's exact in lambda: they may
    # part only where the two actions' scores are within the scan's tie tolerance
    scores = dpp_scores(problem, m, Q, V)
    rows = np.arange(B)
    best = scores[rows, want]
    tie = np.abs(scores[rows, got] - best) <= 1e-12 * (1.0 + np.abs(best))
    assert (tie | (got == want)).all(), np.flatnonzero(~tie & (got != want))


@given(scenarios())
def test_restricted_menu(scenario):
    problem = build_problem(scenario)
    allowed = np.isinf(problem.stats.menu.eta)
    table = EnvelopeTable.build(problem.u, problem.y, allowed)
    lam = np.array([0.0, 1.0, 10.0, 1e3, 1e6])
    for m in range(problem.M):
        got = table.choose(np.full(lam.size, m), lam)
        assert allowed[got].all()
        scores = problem.u[m][None] - lam[:, None] * problem.y[m][None]
        best = np.where(allowed, scores, -np.inf).max(axis=1)
        np.testing.assert_allclose(scores[np.arange(lam.size), got], best, rtol=1e-12, atol=1e-12)
