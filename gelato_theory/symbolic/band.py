"""The two-sided backlog band of exact DPP (SPEC §5.1).

With c(λ) = Σ_m π_m ȳ(m, greedy action at λ), non-increasing in λ, and multipliers λ₁, λ₂ with
d₁ = c(λ₁⁻) > 0 and d₂ = −c(λ₂⁺) > 0, the Lyapunov functions ½((Q − Vλ₂)⁺)² and ½((Vλ₁ − Q)⁺)² give

  Vλ₁ − B_avg/d₁ − ((Vλ₁ − Q₀)⁺)²/(2d₁T) ≤ (1/T)·Σ_{t<T} E[Q(t)] ≤ Vλ₂ + B_avg/d₂ + ((Q₀ − Vλ₂)⁺)²/(2d₂T).

Each side is then optimized over (λ, d) by the exact layer; on an interval of constant c the upper side
is convex in λ₂ with its minimum at λ₂ = (Q₀ − d₂T)/V (clipped), the lower side concave in λ₁ with its
maximum at λ₁ = (Q₀ + d₁T)/V (clipped).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Step, isolate
from gelato_theory.symbolic.symbols import MEANING, Q0, B_avg, Q, T, V, d1, d2, lam1, lam2, y
from gelato_theory.symbolic.utility import telescoping_step

X = sp.Symbol("X", real=True)  # Q - V lambda2 (or V lambda1 - Q)
Y = sp.Symbol("Y", real=True)  # y (or -y)
x = sp.Symbol("x", nonnegative=True)
w = sp.Symbol("w", positive=True)
z = sp.Symbol("z", nonnegative=True)
z_pos = sp.Symbol("z", positive=True)
c = sp.Symbol("c", nonnegative=True)  # V lambda >= 0
g = sp.Symbol("g", nonnegative=True)
R = sp.Symbol("R", nonnegative=True)  # (Q - V lambda2)^+ or (V lambda1 - Q)^+
s1, s2 = sp.symbols("s_1 s_2", nonnegative=True)  # optimality slacks
u_a, u_b, y_a, y_b = sp.symbols("u_a u_b y_a y_b", real=True)
lam, dlam = sp.Symbol("lambda", nonnegative=True), sp.Symbol("delta", positive=True)
L_T = sp.Symbol("L_T", nonnegative=True)
S_R = sp.Symbol("S_R", real=True)  # sum_{t<T} E[R(t)]
t = sp.Symbol("t", integer=True, nonnegative=True)
Lf = sp.Function("L")
EQ = sp.Function(r"\mathbb{E}Q")


def pos(e: sp.Expr) -> sp.Expr:
    """(e)⁺ = max(e, 0)."""
    return sp.Max(e, 0)


def shifted_drift_residual() -> sp.Expr:
    """((X + Y)⁺)²/2 − (X⁺)²/2 − Y²/2 − X⁺·Y: claimed ≤ 0 for all real X, Y."""
    return pos(X + Y) ** 2 / 2 - pos(X) ** 2 / 2 - Y**2 / 2 - pos(X) * Y


@dataclass(frozen=True)
class BacklogBand(Obligation):
    """Two-sided bound on (1/T)·Σ E[Q(t)] of exact DPP (SPEC §5.1)."""

    name: str = "backlog_band"
    high: sp.Expr = V * lam2 + B_avg / d2 + pos(Q0 - V * lam2) ** 2 / (2 * d2 * T)
    low: sp.Expr = V * lam1 - B_avg / d1 - pos(V * lam1 - Q0) ** 2 / (2 * d1 * T)

    title = "Two-sided backlog band (exact DPP)"
    spec = "§5.1"
    summary = (
        "For multipliers λ₁ ≤ λ* ≤ λ₂ with d₁ = c(λ₁⁻) > 0 and d₂ = −c(λ₂⁺) > 0: "
        "Vλ₁ − B_avg/d₁ − ((Vλ₁ − Q₀)⁺)²/(2d₁T) ≤ (1/T)·Σ_{t<T} E[Q(t)] ≤ "
        "Vλ₂ + B_avg/d₂ + ((Q₀ − Vλ₂)⁺)²/(2d₂T), optimized over the envelope breakpoints."
    )
    assumptions = (
        "exact DPP: in state m with backlog Q it plays an action maximizing ū − (Q/V)·ȳ",
        "c(λ) = Σ_m π_m ȳ(m, greedy(λ)); d₂ = −c(λ₂⁺) > 0, d₁ = c(λ₁⁻) > 0",
        "Lemma 1′: E[y(t)² | Q(t)]/2 ≤ B_avg; Q(0) = Q₀",
    )

    @property
    def statement(self) -> sp.Basic:
        average = sp.Sum(EQ(t), (t, 0, T - 1)) / T
        return sp.And(
            sp.LessThan(average, self.high, evaluate=False),
            sp.GreaterThan(average, self.low, evaluate=False),
        )

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {
            "high": self.high,
            "low": self.low,
            "high_stationary": (Q0 - d2 * T) / V,
            "low_stationary": (Q0 + d1 * T) / V,
        }

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return tuple((s, MEANING[s]) for s in (V, lam1, lam2, d1, d2, B_avg, Q0, T))

    def steps(self) -> tuple[Step, ...]:
        res = shifted_drift_residual()
        up_sum = (L_T - self._L0_high()) - (T * B_avg - d2 * S_R)  # <= 0
        coef_up, thr_up = isolate(up_sum, S_R)
        lo_sum = (L_T - self._L0_low()) - (T * B_avg - d1 * S_R)
        coef_lo, thr_lo = isolate(lo_sum, S_R)
        high_lam = sp.Symbol("lambda_2", positive=True)
        inner_high = V * high_lam + B_avg / d2 + (Q0 - V * high_lam) ** 2 / (2 * d2 * T)
        inner_low = V * lam1 - B_avg / d1 - (V * lam1 - Q0) ** 2 / (2 * d1 * T)
        return (
            Step(
                "Shifted drift: for real X, Y, ((X + Y)⁺)²/2 − (X⁺)²/2 ≤ Y²/2 + X⁺·Y. The residual "
                "(claimed ≤ 0):",
                res,
            ),
            Step("Case X = x ≥ 0, X + Y = z ≥ 0:", res.subs({X: x, Y: z - x}), "nonpositive"),
            Step("Case X = x ≥ 0, X + Y = −z < 0:", res.subs({X: x, Y: -x - z_pos}), "nonpositive"),
            Step("Case X = −w < 0, X + Y = z ≥ 0:", res.subs({X: -w, Y: w + z}), "nonpositive"),
            Step(
                "Case X = −w < 0, X + Y = −z < 0:", res.subs({X: -w, Y: w - z_pos}), "nonpositive"
            ),
            Step(
                "Upper side: with c = Vλ₂ ≥ 0, (max(Q + y, 0) − c)⁺ ≤ (Q + y − c)⁺, so "
                "R(t+1) = (Q(t+1) − Vλ₂)⁺ ≤ (X + y)⁺ with X = Q − Vλ₂; case Q + y = z ≥ 0:",
                (pos(pos(Q + y) - c) - pos(Q + y - c)).subs(y, z - Q),
                "nonpositive",
            ),
            Step(
                "and case Q + y = −z < 0:",
                (pos(pos(Q + y) - c) - pos(Q + y - c)).subs(y, -z_pos - Q),
                "nonpositive",
            ),
            Step(
                "Lower side: (c − max(Q + y, 0))⁺ ≤ (c − Q − y)⁺ (max(Q + y, 0) ≥ Q + y); so the "
                "shifted drift applies with X = Vλ₁ − Q, Y = −y. Case Q + y = z ≥ 0:",
                (pos(c - pos(Q + y)) - pos(c - Q - y)).subs(y, z - Q),
                "nonpositive",
            ),
            Step(
                "and case Q + y = −z < 0:",
                (pos(c - pos(Q + y)) - pos(c - Q - y)).subs(y, -z_pos - Q),
                "nonpositive",
            ),
            Step(
                "c(λ) is non-increasing: if a is greedy at λ and b at λ + δ (δ > 0), the optimality "
                "slacks s₁ = (u_a − λy_a) − (u_b − λy_b) ≥ 0 and s₂ = (u_b − (λ+δ)y_b) − "
                "(u_a − (λ+δ)y_a) ≥ 0 add up to δ·(y_a − y_b) (difference = 0), so y_b ≤ y_a:",
                ((u_a - lam * y_a) - (u_b - lam * y_b))
                + ((u_b - (lam + dlam) * y_b) - (u_a - (lam + dlam) * y_a))
                - dlam * (y_a - y_b),
                "zero",
            ),
            Step(
                "Upper side, one round: when R = Q − Vλ₂ > 0, DPP is greedy at Q/V > λ₂, so "
                "E[y | Q] = −d₂ − g with g ≥ 0; E[ΔL₂ | Q] ≤ B_avg + R·E[y | Q] ≤ B_avg − d₂·R "
                "(difference ≤ 0):",
                (B_avg + R * (-d2 - g)) - (B_avg - d2 * R),
                "nonpositive",
            ),
            Step(
                "Lower side, one round: when R = Vλ₁ − Q > 0, DPP is greedy at Q/V < λ₁, so "
                "E[y | Q] = d₁ + g; E[ΔL₁ | Q] ≤ B_avg − R·E[y | Q] ≤ B_avg − d₁·R:",
                (B_avg - R * (d1 + g)) - (B_avg - d1 * R),
                "nonpositive",
            ),
            telescoping_step(Lf, "E[L₂] (and E[L₁])"),
            Step(
                "Summed upper inequality with L_T ≥ 0, S_R = Σ_{t<T} E[(Q(t) − Vλ₂)⁺] (claim ≤ 0):",
                up_sum,
            ),
            Step("The coefficient of S_R is positive: an upper bound on S_R.", coef_up, "positive"),
            Step(
                "Q ≤ c + (Q − c)⁺ for c = Vλ₂ (and Q ≥ c − (c − Q)⁺ for c = Vλ₁); case Q = c + z:",
                (Q - c - pos(Q - c)).subs(Q, c + z),
                "nonpositive",
            ),
            Step(
                "and case Q = c − w < c:",
                (Q - c - pos(Q - c)).subs(Q, c - w),
                "nonpositive",
            ),
            Step(
                "Averaging Q(t) ≤ Vλ₂ + R(t) over t < T, with L_T = 0 the upper band equals the "
                "declared one (difference = 0):",
                V * lam2 + thr_up.subs(L_T, 0) / T - self.high,
                "zero",
            ),
            Step(
                "Summed lower inequality with S_R = Σ_{t<T} E[(Vλ₁ − Q(t))⁺] (claim ≤ 0):",
                lo_sum,
            ),
            Step("The coefficient of S_R is positive: an upper bound on S_R.", coef_lo, "positive"),
            Step(
                "Averaging Q(t) ≥ Vλ₁ − (Vλ₁ − Q(t))⁺, with L_T = 0 the lower band equals the "
                "declared one (difference = 0):",
                V * lam1 - thr_lo.subs(L_T, 0) / T - self.low,
                "zero",
            ),
            Step(
                "Optimizing λ₂ on an interval of constant d₂, where Q₀ > Vλ₂: the upper band is "
                "convex (second derivative > 0) ...",
                sp.diff(inner_high, high_lam, 2),
                "positive",
            ),
            Step(
                "... and stationary at λ₂ = (Q₀ − d₂T)/V (derivative = 0):",
                sp.diff(inner_high, high_lam).subs(high_lam, self.bounds["high_stationary"]),
                "zero",
            ),
            Step(
                "Likewise the lower band, where Vλ₁ > Q₀, is concave in λ₁ ...",
                sp.diff(inner_low, lam1, 2),
                "negative",
            ),
            Step(
                "... and stationary at λ₁ = (Q₀ + d₁T)/V (derivative = 0):",
                sp.diff(inner_low, lam1).subs(lam1, self.bounds["low_stationary"]),
                "zero",
            ),
        )

    def _L0_high(self) -> sp.Expr:
        return pos(Q0 - V * lam2) ** 2 / 2

    def _L0_low(self) -> sp.Expr:
        return pos(V * lam1 - Q0) ** 2 / 2
