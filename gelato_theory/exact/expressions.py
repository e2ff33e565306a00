"""Numbers from the symbolic layer's bound expressions (SPEC §5, §5.1): one source for every bound.

Each function evaluates a bound declared by an obligation of :mod:`gelato_theory.symbolic` (the same
sympy expression its proof document shows), lambdified once and cached. sympy is imported on first
use only, so importing the exact layer stays light. Arguments broadcast as NumPy arrays.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np


@functools.cache
def _compiled(obligation: str, bound: str) -> tuple[Callable[..., Any], tuple[str, ...], frozenset]:
    """(numpy function, argument names, names passed as counts) of one declared bound."""
    import sympy as sp

    from gelato_theory.symbolic import obligation as find
    from gelato_theory.symbolic.obligation import arguments, summation_limits

    expr = find(obligation).bounds[bound]
    syms = arguments(expr)
    fn = sp.lambdify(syms, expr, modules="numpy")
    return fn, tuple(str(s) for s in syms), frozenset(summation_limits(expr))


def evaluate(obligation: str, bound: str, **values: Any) -> Any:
    """Bound ``bound`` of obligation ``obligation`` at ``values`` (float, or array if broadcast)."""
    fn, names, counts = _compiled(obligation, bound)
    if set(values) != set(names):
        raise TypeError(f"{obligation}.{bound} takes {sorted(names)}, got {sorted(values)}")
    args = (int(values[n]) if n in counts else np.asarray(values[n], dtype=float) for n in names)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(fn(*args), dtype=float)
    return float(out) if out.ndim == 0 else out


# -- Lemma 1 and its average form --------------------------------------------------------------


def drift_constant(y_min: float, y_max: float) -> float:
    """B = max(y_min², y_max²)/2, J² (Lemma 1)."""
    return evaluate("lemma1_drift", "B", y_min=y_min, y_max=y_max)


def average_drift_constant(pi: np.ndarray, W: np.ndarray) -> float:
    """B_avg = ½ Σ_m π_m W_m with W_m = max_a E[y² | m, a], J² (Lemma 1′)."""
    pi = np.asarray(pi, dtype=float)
    return evaluate("lemma1_average_drift", "B_avg", pi=pi, W=W, M=pi.size)


# -- Theorems 1-3 --------------------------------------------------------------------------------


def utility_bound(u_star: float, B: float, V: Any, T: Any, L0: float) -> Any:
    """Theorem 1: u* − B/V − E[L(0)]/(V T)."""
    return evaluate("theorem1_utility", "utility", u_star=u_star, B=B, V=V, T=T, L0=L0)


def scaled_gap_bound(B: float, T: Any, L0: float) -> Any:
    """Theorem 1 scaled by V: B + E[L(0)]/T."""
    return evaluate("theorem1_utility_scaling", "scaled_gap", B=B, T=T, L0=L0)


def renewal_bound(B: float, V: Any, T: Any, L0: float) -> Any:
    """Per-second: (1/T) Σ E[N − θ* T] ≥ −(B + E[L(0)]/T)/V."""
    return evaluate("per_second_renewal", "renewal", B=B, V=V, T=T, L0=L0)


def ratio_bound(theta_star: float, B: float, V: Any, T: Any, L0: float, t_min: float) -> Any:
    """Per-second: E[ΣN]/E[ΣT] ≥ θ* − (B + E[L(0)]/T)/(V t_min), tokens/s."""
    return evaluate(
        "per_second_renewal", "ratio", theta_star=theta_star, B=B, V=V, T=T, L0=L0, t_min=t_min
    )


def backlog_bound(B: float, V: Any, u_max: float, u_0: Any, epsilon: Any, T: Any, L0: float) -> Any:
    """Theorem 2: (B + V (u_max − u_0))/ε + E[L(0)]/(ε T); u_0, ε may be arrays of policies."""
    return evaluate(
        "theorem2_backlog", "backlog", B=B, V=V, u_max=u_max, u_0=u_0, epsilon=epsilon, T=T, L0=L0
    )


def mean_rate_bound(B: float, V: Any, u_max: float, u_star: float, T: Any, L0: float) -> Any:
    """Mean-rate stability: sqrt(2 E[L(0)]/T² + 2 (B + V (u_max − u*))/T)."""
    return evaluate(
        "theorem2_mean_rate_stability", "rate", B=B, V=V, u_max=u_max, u_star=u_star, T=T, L0=L0
    )


def deterministic_bound(V: Any, rho: float, y_max: float, Q0: float) -> Any:
    """Theorem 3: max(Q0, V ρ + y_max)."""
    return evaluate("theorem3_deterministic_backlog", "backlog", V=V, rho=rho, y_max=y_max, Q0=Q0)


def violation_bound(V: Any, rho: float, y_max: float, Q0: float, T: Any) -> Any:
    """Theorem 3: max(Q0, V ρ + y_max)/T."""
    return evaluate(
        "theorem3_deterministic_backlog", "violation", V=V, rho=rho, y_max=y_max, Q0=Q0, T=T
    )


def coupled_bound(V: Any, lambda_hi: Any, y_hat: Any, Q0: float) -> Any:
    """Coupled Theorem 3 for one (state, action) pair: max(Q0, V λ_hi + ŷ_max)."""
    return evaluate("theorem3_coupled", "backlog", V=V, lambda_hi=lambda_hi, y_hat=y_hat, Q0=Q0)


# -- the backlog band ----------------------------------------------------------------------------


def band_high(V: Any, lam: Any, d: Any, B_avg: float, Q0: float, T: Any) -> Any:
    """Vλ₂ + B_avg/d₂ + ((Q0 − Vλ₂)⁺)²/(2 d₂ T)."""
    return evaluate("backlog_band", "high", V=V, lambda_2=lam, d_2=d, B_avg=B_avg, Q0=Q0, T=T)


def band_low(V: Any, lam: Any, d: Any, B_avg: float, Q0: float, T: Any) -> Any:
    """Vλ₁ − B_avg/d₁ − ((Vλ₁ − Q0)⁺)²/(2 d₁ T)."""
    return evaluate("backlog_band", "low", V=V, lambda_1=lam, d_1=d, B_avg=B_avg, Q0=Q0, T=T)


def band_high_stationary(V: Any, d: Any, Q0: float, T: Any) -> Any:
    """λ₂ = (Q0 − d₂ T)/V, where the convex upper band is stationary."""
    return evaluate("backlog_band", "high_stationary", V=V, d_2=d, Q0=Q0, T=T)


def band_low_stationary(V: Any, d: Any, Q0: float, T: Any) -> Any:
    """λ₁ = (Q0 + d₁ T)/V, where the concave lower band is stationary."""
    return evaluate("backlog_band", "low_stationary", V=V, d_1=d, Q0=Q0, T=T)


def curved_budget_high(V: Any, lam: Any, B_bar: float, Q0: float, T: Any) -> Any:
    """Curved band, upper side: B̄₂ + ((Q0 − Vλ₂)⁺)²/(2T), J²."""
    return evaluate(
        "backlog_band_curved", "budget_high", V=V, lambda_2=lam, B_bar=B_bar, Q0=Q0, T=T
    )


def curved_budget_low(V: Any, lam: Any, B_bar: float, Q0: float, T: Any) -> Any:
    """Curved band, lower side: B̄₁ + ((Vλ₁ − Q0)⁺)²/(2T), J²."""
    return evaluate("backlog_band_curved", "budget_low", V=V, lambda_1=lam, B_bar=B_bar, Q0=Q0, T=T)


def curved_crossing(x_a: Any, y_a: Any, x_b: Any, y_b: Any, budget: Any) -> Any:
    """Where the hull segment (x_a, y_a)–(x_b, y_b) reaches the budget, J."""
    return evaluate("backlog_band_curved", "crossing", x_a=x_a, y_a=y_a, x_b=x_b, y_b=y_b, b=budget)


def curved_ray(x_a: Any, y_a: Any, k: Any, budget: Any) -> Any:
    """Where the hull's final ray from (x_a, y_a) with slope k reaches the budget, J."""
    return evaluate("backlog_band_curved", "ray", x_a=x_a, y_a=y_a, k=k, b=budget)


# -- converse and regret (estimators the verifier evaluates) -------------------------------------


def converse_upper(u_star: float, lambda_star: float, y_bar: Any) -> Any:
    """Lagrangian converse: E[ū_T] ≤ u* + λ* E[ȳ_T]."""
    return evaluate(
        "lagrangian_converse", "utility_upper", u_star=u_star, lambda_star=lambda_star, y_bar=y_bar
    )


def control_variate(phi_bar: Any, u_bar: Any, lambda_star: float, y_bar: Any) -> Any:
    """G = φ̄_T − ū_T + λ* ȳ_T, with E[G] ≥ 0 for every causal policy."""
    return evaluate(
        "lagrangian_converse",
        "control_variate",
        phi_bar=phi_bar,
        u_bar=u_bar,
        lambda_star=lambda_star,
        y_bar=y_bar,
    )


def regret(phi_bar: Any, u_bar: Any, lambda_star: float, y_bar: Any) -> Any:
    """R_T = φ̄_T − ū_T + λ* ȳ_T on model values (≥ 0 on every path)."""
    return evaluate(
        "regret_identity", "regret", phi_bar=phi_bar, u_bar=u_bar, lambda_star=lambda_star,
        y_bar=y_bar,
    )  # fmt: skip


def gap_from_regret(R_bar: Any, lambda_star: float, Ey_bar: Any) -> Any:
    """u* − E[ū_T] = E[R_T] − λ* E[ȳ_T]."""
    return evaluate("regret_identity", "gap", R_bar=R_bar, lambda_star=lambda_star, Ey_bar=Ey_bar)
