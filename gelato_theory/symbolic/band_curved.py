"""The curved backlog band of exact DPP (SPEC §5.1): the band of :mod:`.band` using the whole cost curve.

The straight band bounds the drift of ½((Q − Vλ₂)⁺)² by B_avg − d₂·R with one slope d₂ = −c(λ₂⁺).
Exact DPP drifts harder the further Q is from Vλ₂: with R = Q − Vλ₂ ≥ 0 it plays the greedy action at
λ₂ + R/V, so E[y | Q] = c(λ₂ + R/V) and the drift is at most B_avg − ψ₂(R), ψ₂(R) = −R·c(λ₂ + R/V)
(ψ₂(0) = 0). Summing over rounds, (1/T)·Σ E[ψ₂(R(t)⁺)] ≤ B_avg + ((Q₀ − Vλ₂)⁺)²/(2T) =: budget₂.
For the convex minorant ψ̆₂ ≤ ψ₂, Jensen's inequality gives ψ̆₂((1/T)·Σ E[R⁺]) ≤ budget₂, so

  (1/T)·Σ_{t<T} E[Q(t)] ≤ Vλ₂ + sup{x ≥ 0 : ψ̆₂(x) ≤ budget₂},

and likewise from below with w = Vλ₁ − Q, ψ₁(w) = w·c(λ₁ − w/V) and budget₁ = B_avg +
((Vλ₁ − Q₀)⁺)²/(2T). c is a step function, so ψ is piecewise linear and ψ̆ is the lower convex hull
of its values at the breakpoints (taken on the conservative side of each jump), continued by a ray;
the sup is where a hull segment or the ray crosses the budget (the ``crossing`` and ``ray`` bounds).
Since ψ₂(R) ≥ d₂·R, the curved band is never wider than the straight one at the same λ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.band import EQ, L_T, X, Y, pos, shifted_drift_residual, t, w, z_pos
from gelato_theory.symbolic.obligation import Obligation, Step, isolate
from gelato_theory.symbolic.symbols import MEANING, Q0, B_avg, T, V, lam1, lam2
from gelato_theory.symbolic.utility import telescoping_step

R = sp.Symbol("R", nonnegative=True)  # (Q - V lambda2)^+ or (V lambda1 - Q)^+, J
h = sp.Symbol("h", real=True)  # -c(lambda2 + R/V) (or c(lambda1 - R/V)), J/round
g = sp.Symbol("g", nonnegative=True)
S_psi = sp.Symbol("S_psi", real=True)  # sum_{t<T} E[psi(R(t)^+)]
budget = sp.Symbol("b", real=True)  # the budget of one side, J^2
x = sp.Symbol("x", real=True)
x_a = sp.Symbol("x_a", nonnegative=True)  # hull vertex below the crossing, J
y_a = sp.Symbol("y_a", real=True)  # psi there, J^2
dx = sp.Symbol("Delta_x", positive=True)  # next vertex - this vertex (x), J
dpsi = sp.Symbol("Delta_psi", positive=True)  # next vertex - this vertex (psi), J^2
x_b, y_b = sp.Symbol("x_b", positive=True), sp.Symbol("y_b", real=True)
k = sp.Symbol("k", positive=True)  # slope of the final ray, J/round
over = sp.Symbol("o", nonnegative=True)  # budget - y_a >= 0 on the crossing segment
psi_breve = sp.Function("breve_psi")
Lf = sp.Function("L")

CROSSING = x_a + (budget - y_a) * (x_b - x_a) / (y_b - y_a)
RAY = x_a + (budget - y_a) / k


@dataclass(frozen=True)
class CurvedBacklogBand(Obligation):
    """Two-sided bound on (1/T)·Σ E[Q(t)] of exact DPP from the whole cost curve (SPEC §5.1)."""

    name: str = "backlog_band_curved"
    budget_high: sp.Expr = B_avg + pos(Q0 - V * lam2) ** 2 / (2 * T)
    budget_low: sp.Expr = B_avg + pos(V * lam1 - Q0) ** 2 / (2 * T)
    crossing: sp.Expr = CROSSING
    ray: sp.Expr = RAY

    title = "Two-sided backlog band from the whole cost curve (exact DPP)"
    spec = "§5.1"
    summary = (
        "With ψ₂(R) = −R·c(λ₂ + R/V) and ψ₁(w) = w·c(λ₁ − w/V) and their convex minorants ψ̆: "
        "Vλ₁ − sup{x : ψ̆₁(x) ≤ B_avg + ((Vλ₁ − Q₀)⁺)²/(2T)} ≤ (1/T)·Σ_{t<T} E[Q(t)] ≤ "
        "Vλ₂ + sup{x : ψ̆₂(x) ≤ B_avg + ((Q₀ − Vλ₂)⁺)²/(2T)}, for every λ₁, λ₂ ≥ 0."
    )
    assumptions = (
        "exact DPP: in state m with backlog Q it plays an action maximizing ū − (Q/V)·ȳ, ties to "
        "the lower cost, so E[y | Q] = c(Q/V) with c(λ) = Σ_m π_m ȳ(m, greedy(λ)) non-increasing",
        "Lemma 1′: E[y(t)² | Q(t)]/2 ≤ B_avg; Q(0) = Q₀",
        "ψ̆ is convex with ψ̆ ≤ ψ on [0, ∞) and ψ̆(0) = 0 (the lower convex hull), so Jensen's "
        "inequality ψ̆(E[X]) ≤ E[ψ̆(X)] applies to the average over rounds and paths",
    )

    @property
    def statement(self) -> sp.Basic:
        average = sp.Sum(EQ(t), (t, 0, T - 1)) / T
        inv = sp.Function(r"\breve\psi^{-1}")
        return sp.And(
            sp.LessThan(average, V * lam2 + inv(self.budget_high), evaluate=False),
            sp.GreaterThan(average, V * lam1 - inv(self.budget_low), evaluate=False),
        )

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {
            "budget_high": self.budget_high,
            "budget_low": self.budget_low,
            "crossing": self.crossing,
            "ray": self.ray,
        }

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        own = (
            (x_a, "hull vertex at or below the crossing, J"),
            (y_a, "ψ̆ at that vertex, J²"),
            (x_b, "next hull vertex, J"),
            (y_b, "ψ̆ at the next vertex, J²"),
            (k, "slope of the hull's final ray (−c beyond the last breakpoint), J/round"),
            (budget, "the side's budget B_avg + L(0)/T, J²"),
        )
        return tuple((s, MEANING[s]) for s in (V, lam1, lam2, B_avg, Q0, T)) + own

    def steps(self) -> tuple[Step, ...]:
        res = shifted_drift_residual()
        up_sum = (L_T - pos(Q0 - V * lam2) ** 2 / 2) - (T * B_avg - S_psi)  # <= 0
        coef, thr = isolate(up_sum, S_psi)
        segment = y_a + (x - x_a) * (y_b - y_a) / (x_b - x_a)
        grow = {x_b: x_a + dx, y_b: y_a + dpsi}
        return (
            Step(
                "Upper side, one round with R = Q − Vλ₂ ≥ 0: DPP is greedy at Q/V = λ₂ + R/V, so "
                "E[y | Q] = c(λ₂ + R/V) = −h − g for any h ≤ −c there (g ≥ 0); with the shifted "
                "drift of the straight band, E[ΔL₂ | Q] ≤ B_avg + R·E[y | Q] ≤ B_avg − R·h = "
                "B_avg − ψ₂(R) (difference ≤ 0):",
                (B_avg + R * (-h - g)) - (B_avg - R * h),
                "nonpositive",
            ),
            Step(
                "With Q < Vλ₂ (X = −w < 0) the drift is at most Y²/2 ≤ B_avg = B_avg − ψ₂(0): "
                "((X + Y)⁺)² − Y² ≤ 0 in both cases X + Y ≥ 0 ...",
                (pos(X + Y) ** 2 - Y**2).subs({X: -w, Y: w + sp.Symbol("z", nonnegative=True)}),
                "nonpositive",
            ),
            Step(
                "... and X + Y < 0 (the shifted-drift residual is the straight band's):",
                (pos(X + Y) ** 2 - Y**2).subs({X: -w, Y: w - z_pos}),
                "nonpositive",
            ),
            Step(
                "Lower side, one round with R = Vλ₁ − Q ≥ 0: greedy at λ₁ − R/V, E[y | Q] = h + g "
                "for any h ≤ c there; E[ΔL₁ | Q] ≤ B_avg − R·E[y | Q] ≤ B_avg − ψ₁(R):",
                (B_avg - R * (h + g)) - (B_avg - R * h),
                "nonpositive",
            ),
            Step("(The shifted drift itself, checked in the straight band:)", res),
            telescoping_step(Lf, "E[L₂] (and E[L₁])"),
            Step(
                "Summed upper inequality with L_T ≥ 0 and S_ψ = Σ_{t<T} E[ψ₂(R(t)⁺)] (claim ≤ 0):",
                up_sum,
            ),
            Step("The coefficient of S_ψ is positive: an upper bound on S_ψ ...", coef, "positive"),
            Step(
                "... which, divided by T with L_T = 0, is the declared budget (difference = 0); the "
                "lower side is the same with ((Vλ₁ − Q₀)⁺)²:",
                thr.subs(L_T, 0) / T - self.budget_high,
                "zero",
            ),
            Step(
                "Jensen: ψ̆₂((1/T)·Σ E[R⁺]) ≤ (1/T)·Σ E[ψ̆₂(R⁺)] ≤ S_ψ/T ≤ budget, and ψ̆ is "
                "convex with ψ̆(0) = 0, so the average excess lies where ψ̆ ≤ budget: at most the "
                "point where ψ̆ crosses it. On a hull segment from (x_a, y_a) to (x_b, y_b), "
                "y_a ≤ budget < y_b, the declared crossing solves the segment's equation "
                "(difference = 0):",
                sp.simplify(segment.subs(x, self.crossing) - budget),
                "zero",
            ),
            Step(
                "The crossing lies on the segment, not before it (x_b = x_a + Δx, "
                "y_b = y_a + Δψ, budget = y_a + o, o ≥ 0) ...",
                (self.crossing - x_a).subs(grow).subs(budget, y_a + over),
                "nonnegative",
            ),
            Step(
                "... and the segment rises (slope > 0), so every x past the crossing has "
                "ψ̆(x) > budget:",
                sp.diff(segment, x).subs(grow),
                "positive",
            ),
            Step(
                "Past the last vertex ψ̆ is the ray y_a + k·(x − x_a) (k = −c beyond the last "
                "breakpoint > 0); the declared ray crossing solves it (difference = 0):",
                (y_a + k * (self.ray - x_a)) - budget,
                "zero",
            ),
            Step(
                "Averaging Q(t) ≤ Vλ₂ + R(t)⁺ (and Q(t) ≥ Vλ₁ − R(t)⁺) as in the straight band "
                "gives the declared two-sided band:",
                self.statement,
            ),
        )
