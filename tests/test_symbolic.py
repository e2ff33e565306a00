"""The symbolic layer (SPEC §5): every obligation holds, planted wrong statements are refuted, bound
expressions evaluate numerically, and the layer imports nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import gelato_theory.symbolic as symbolic
from gelato_theory.symbolic import (
    ALL_OBLIGATIONS,
    DriftLemma,
    GeometricSums,
    MeanRateStability,
    OutputLaw,
    Theorem1,
    Theorem2,
    Theorem3,
    wrong_statements,
)
from gelato_theory.symbolic.geometric import K, a, s
from gelato_theory.symbolic.obligation import counterexample, decide
from gelato_theory.symbolic.output_law import R, beta, p, q, sample_output_law
from gelato_theory.symbolic.symbols import Q, y


def _refuted(result) -> bool:
    """Failed, and at least one step failed with a concrete counterexample or numeric violation."""
    return not result.passed and any(
        r.passed is False and ("refuted" in r.detail or "max |" in r.detail) for r in result.steps
    )


@pytest.mark.parametrize("ob", ALL_OBLIGATIONS, ids=lambda o: o.name)
def test_every_obligation_holds(ob):
    result = ob.check()
    assert result.passed, result.detail
    assert result.name == ob.name
    assert result.method in ("symbolic", "numeric sampling", "symbolic + numeric sampling")
    assert any(r.passed for r in result.steps)


def test_registry_names_are_unique_and_in_order():
    names = [o.name for o in symbolic.registry()]
    assert len(set(names)) == len(names)
    assert names[0] == "lemma1_drift"
    assert symbolic.obligation("theorem1_utility") == Theorem1()
    with pytest.raises(KeyError, match="known"):
        symbolic.obligation("no_such_result")


def test_run_all_returns_one_result_per_obligation():
    results = symbolic.run_all([DriftLemma(), Theorem1()])
    assert [r.name for r in results] == ["lemma1_drift", "theorem1_utility"]
    assert all(r.passed for r in results)


@pytest.mark.parametrize("wrong", wrong_statements(), ids=lambda w: w.name)
def test_planted_wrong_statement_is_refuted(wrong):
    assert _refuted(wrong.obligation.check())


def test_drift_with_flipped_sign_is_refuted():
    result = DriftLemma().mutant(drift_bound=y**2 / 2 - Q * y).check()
    assert not result.passed
    case = result.steps[1]  # case Q + y >= 0
    assert case.passed is False and case.detail.startswith("refuted")


def test_geometric_sum_off_by_one_is_refuted():
    result = GeometricSums().mutant(accepted=a * (1 - a**K) / (1 - a) * a).check()
    assert _refuted(result)
    result = GeometricSums().mutant(sent=s * (1 - s ** (K - 1)) / (1 - s)).check()
    assert _refuted(result)


def test_output_law_without_normalization_is_refuted_symbolically_and_numerically():
    wrong = sp.Min(p, q) + (1 - beta) * sp.Max(p - q, 0)
    result = OutputLaw().mutant(law=wrong).check()
    assert _refuted(result)
    assert not sample_output_law(wrong).passed
    assert sample_output_law(OutputLaw().law).passed


def test_theorem_with_wrong_constant_is_refuted():
    from gelato_theory.symbolic.symbols import L0, B, T, V, epsilon, u_0, u_max

    assert _refuted(Theorem2().mutant(backlog_bound=(B + V * (u_max - u_0)) / epsilon).check())
    assert _refuted(
        MeanRateStability().mutant(rate_bound=sp.sqrt(2 * L0 / T**2 + (B + V * u_max) / T)).check()
    )


def test_decide_and_counterexample():
    z = sp.Symbol("z", positive=True)
    assert decide(-(z**2), "negative")[0]
    ok, detail = decide(z - 1, "nonnegative")
    assert not ok and detail.startswith("refuted")
    assert counterexample(z**2, "nonnegative") is None


def test_evaluate_matches_the_formulas():
    assert Theorem1().evaluate(u_star=2.0, B=1.0, V=10.0, T=100, L0=5.0) == pytest.approx(
        2.0 - 0.1 - 5.0 / 1000
    )
    assert Theorem1().numeric(u_star=2.0, B=1.0, V=10.0, T=100, L0=5.0) == Theorem1().evaluate(
        u_star=2.0, B=1.0, V=10.0, T=100, L0=5.0
    )
    V = np.array([1.0, 10.0, 100.0])
    got = Theorem2().evaluate(B=2.0, V=V, u_max=3.0, u_0=1.0, epsilon=0.5, T=10, L0=1.0)
    np.testing.assert_allclose(got, (2.0 + V * 2.0) / 0.5 + 1.0 / 5.0)
    assert MeanRateStability().evaluate(L0=0.0, B=1.0, V=1.0, u_max=2.0, u_star=1.0, T=4) == (
        pytest.approx(np.sqrt(2 * 2.0 / 4))
    )
    assert Theorem3().evaluate(V=10.0, rho=0.5, y_max=2.0, Q0=0.0) == 7.0
    assert Theorem3().evaluate(V=10.0, rho=0.5, y_max=2.0, Q0=9.0) == 9.0
    assert Theorem3().evaluate("violation", V=10.0, rho=0.5, y_max=2.0, Q0=0.0, T=70) == 0.1
    assert DriftLemma().evaluate(y_min=-3.0, y_max=2.0) == 4.5
    assert GeometricSums().evaluate("tokens", a=0.5, K=3) == pytest.approx(1.875)


def test_evaluate_validates_names():
    with pytest.raises(TypeError, match="missing"):
        Theorem1().evaluate(u_star=1.0, B=1.0, V=1.0, T=1)
    with pytest.raises(TypeError, match="unknown"):
        Theorem1().evaluate(u_star=1.0, B=1.0, V=1.0, T=1, L0=0.0, Vee=2.0)
    with pytest.raises(KeyError, match="no bound"):
        Theorem1().evaluate("backlog", u_star=1.0)
    with pytest.raises(AttributeError):
        OutputLaw().bound  # noqa: B018


def test_geometric_closed_forms_equal_the_sums_of_tail_probabilities():
    for s_, a_ in ((0.3, 0.2), (0.9, 0.7), (0.999, 0.5)):
        for k in range(0, 12):
            i = np.arange(1, k + 1)
            ob = GeometricSums()
            assert ob.evaluate("computed", s=s_, K=k) == pytest.approx((s_ ** (i - 1)).sum())
            assert ob.evaluate("sent", s=s_, K=k) == pytest.approx((s_**i).sum())
            assert ob.evaluate("accepted", a=a_, K=k) == pytest.approx((a_**i).sum())


@settings(deadline=None)
@given(
    st.floats(0, 1e6, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
)
def test_drift_inequality_holds_numerically(q_, y_):
    lhs = max(q_ + y_, 0.0) ** 2 / 2 - q_**2 / 2
    assert lhs <= y_**2 / 2 + q_ * y_ + 1e-9 * (1 + q_**2 + y_**2)


_LAW = sp.lambdify((p, q, beta, R), OutputLaw().law, "numpy")


@settings(deadline=None)
@given(
    st.integers(2, 40).flatmap(
        lambda v: st.tuples(
            st.lists(st.floats(0, 1, allow_subnormal=False), min_size=v, max_size=v),
            st.lists(st.floats(0, 1, allow_subnormal=False), min_size=v, max_size=v),
        )
    )
)
def test_output_law_identity_on_hypothesis_examples(pq):
    pp, qq = (np.asarray(v) for v in pq)
    if pp.sum() == 0 or qq.sum() == 0:
        return
    pp, qq = pp / pp.sum(), qq / qq.sum()
    f = _LAW
    m = np.minimum(pp, qq)
    r_mass = np.maximum(pp - qq, 0).sum()
    law = f(pp, qq, m.sum(), r_mass if r_mass > 0 else 1.0)
    np.testing.assert_allclose(law, pp, atol=1e-12)


ALLOWED = ("sympy", "numpy", "gelato_theory.errors", "gelato_theory.symbolic", "__future__")


def test_symbolic_layer_imports_nothing_above_it():
    root = Path(symbolic.__file__).parent
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [n.name for n in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "gelato_theory" or top in ("sympy", "numpy"):
                    assert name.startswith(ALLOWED), f"{path.name} imports {name}"


@pytest.mark.parametrize("preset_name", ["default", "paper-like"])
def test_exact_layer_bounds_equal_the_symbolic_expressions(preset_name):
    from gelato_theory.exact.bounds import bounds_at, constants
    from gelato_theory.scenario import preset

    _, c = constants(preset(preset_name))
    for V in (0.5, 10.0, 300.0):
        for T in (1, 1000):
            b = bounds_at(c, V, T)
            common = dict(B=c.B, V=V, T=T, L0=c.L0)
            assert b.utility_lower_bound == pytest.approx(
                Theorem1().evaluate(u_star=c.u_star, **common)
            )
            assert b.backlog_bound == pytest.approx(
                Theorem2().evaluate(u_max=c.u_max, u_0=c.u_0, epsilon=c.epsilon, **common)
            )
            assert b.mean_rate_bound == pytest.approx(
                MeanRateStability().evaluate(u_max=c.u_max, u_star=c.u_star, **common)
            )
            if c.theorem3_applicable:
                det = dict(V=V, rho=c.rho, y_max=c.y_max, Q0=c.Q0)
                assert b.deterministic_backlog_bound == pytest.approx(Theorem3().evaluate(**det))
                assert b.violation_bound == pytest.approx(
                    Theorem3().evaluate("violation", T=T, **det)
                )
