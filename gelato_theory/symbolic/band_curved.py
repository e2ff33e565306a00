"""The curved backlog band of exact DPP (SPEC §5.1): the band of :mod:`.band` from the whole cost curve.

The straight band bounds the drift of ½((Q − Vλ₂)⁺)² by B_avg − d₂·R with one slope d₂ = −c(λ₂⁺) and
the worst second moment of any action. Exact DPP at backlog Q plays the greedy action at λ = Q/V, so
with R = Q − Vλ₂ ≥ 0 its drift is at most σ(λ) + R·c(λ), where c(λ) = Σ_m π_m ȳ(m, greedy(λ)) and
σ(λ) = ½ Σ_m π_m E[y² | m, greedy(λ)] are the cost and second moment of the actions it actually
plays there; with R < 0 the drift is at most ½ E[((R + y)⁺)²] ≤ ½ Σ_m π_m min(E[y²], ((R + ŷ)⁺)²)
(ŷ the largest realizable cost), whose supremum over the region is B̄₂. So with
G₂(R) = B̄₂ − σ(λ₂ + R/V) − R·c(λ₂ + R/V) for R > 0 and G₂(0) = min(0, B̄₂ − σ(λ₂)), every round
obeys E[ΔL₂ | Q] ≤ B̄₂ − G₂(R⁺); summing, (1/T)·Σ E[G₂(R⁺)] ≤ B̄₂ + ((Q₀ − Vλ₂)⁺)²/(2T) =: budget₂,
and for the convex minorant Ğ₂ ≤ G₂ Jensen's inequality gives

  (1/T)·Σ_{t<T} E[Q(t)] ≤ Vλ₂ + sup{x ≥ 0 : Ğ₂(x) ≤ budget₂}.

The lower side is the mirror image with w = Vλ₁ − Q, G₁(w) = B̄₁ − σ(λ₁ − w/V) + w·c(λ₁ − w/V) and
the smallest realizable cost. c and σ are step functions, so G is piecewise linear and Ğ is the lower
convex hull of its values at the breakpoints (the smaller side of each jump), continued by a ray;
the sup is where a hull segment or the ray crosses the budget (the ``crossing`` and ``ray`` bounds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.band import EQ, L_T, X, Y, pos, t, w, z_pos
from gelato_theory.symbolic.obligation import Obligation, Step, isolate
from gelato_theory.symbolic.symbols import MEANING, Q0, T, V, lam1, lam2
from gelato_theory.symbolic.utility import telescoping_step

R = sp.Symbol("R", nonnegative=True)  # (Q - V lambda2)^+ or (V lambda1 - Q)^+, J
h = sp.Symbol("h", real=True)  # -c(lambda2 + R/V) (or c(lambda1 - R/V)), J/round
g = sp.Symbol("g", nonnegative=True)
B_bar = sp.Symbol("B_bar", nonnegative=True)  # sup of the drift where R < 0, J^2
sigma = sp.Symbol("sigma", nonnegative=True)  # half the second moment of the greedy actions, J^2
G = sp.Symbol("G", real=True)
Y_hi = sp.Symbol("Y_hi", real=True)
delta = sp.Symbol("delta", nonnegative=True)
a_ = sp.Symbol("a", nonnegative=True)
S_psi = sp.Symbol("S_G", real=True)  # sum_{t<T} E[G(R(t)^+)]
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
    budget_high: sp.Expr = B_bar + pos(Q0 - V * lam2) ** 2 / (2 * T)
    budget_low: sp.Expr = B_bar + pos(V * lam1 - Q0) ** 2 / (2 * T)
    crossing: sp.Expr = CROSSING
    ray: sp.Expr = RAY

    title = "Two-sided backlog band from the whole cost curve (exact DPP)"
    spec = "§5.1"
    summary = (
        "With G₂(R) = B̄₂ − σ(λ₂ + R/V) − R·c(λ₂ + R/V), G₁(w) = B̄₁ − σ(λ₁ − w/V) + "
        "w·c(λ₁ − w/V) (σ: half the second moment of the greedy actions; B̄: the largest drift on "
        "the far side of the multiplier) and their convex minorants Ğ: "
        "Vλ₁ − sup{x : Ğ₁(x) ≤ B̄₁ + ((Vλ₁ − Q₀)⁺)²/(2T)} ≤ (1/T)·Σ_{t<T} E[Q(t)] ≤ "
        "Vλ₂ + sup{x : Ğ₂(x) ≤ B̄₂ + ((Q₀ − Vλ₂)⁺)²/(2T)}, for every λ₁, λ₂ ≥ 0."
    )
    assumptions = (
        "exact DPP: in state m with backlog Q it plays an action maximizing ū − (Q/V)·ȳ, ties to "
        "the lower cost, so E[y | Q] = c(Q/V) with c(λ) = Σ_m π_m ȳ(m, greedy(λ)) non-increasing",
        "the channel state is i.i.d. and independent of Q, so E[y² | Q] = 2σ(Q/V) and every "
        "realized cost of (m, a) lies in [y̌(m,a), ŷ(m,a)]; Q(0) = Q₀",
        "Ğ is convex with Ğ ≤ G on [0, ∞) and Ğ(0) ≤ 0 (the lower convex hull), so Jensen's "
        "inequality Ğ(E[X]) ≤ E[Ğ(X)] applies to the average over rounds and paths",
    )

    @property
    def statement(self) -> sp.Basic:
        average = sp.Sum(EQ(t), (t, 0, T - 1)) / T
        inv = sp.Function(r"\breve G^{-1}")
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
            (y_a, "Ğ at that vertex, J²"),
            (x_b, "next hull vertex, J"),
            (y_b, "Ğ at the next vertex, J²"),
            (k, "slope of the hull's final ray (−c beyond the last breakpoint), J/round"),
            (budget, "the side's budget B̄ + L(0)/T, J²"),
            (B_bar, "B̄: the largest expected drift where the queue is on the far side of Vλ, J²"),
        )
        return tuple((s, MEANING[s]) for s in (V, lam1, lam2, Q0, T)) + own

    def steps(self) -> tuple[Step, ...]:
        up_sum = (L_T - pos(Q0 - V * lam2) ** 2 / 2) - (T * B_bar - S_psi)  # <= 0
        coef, thr = isolate(up_sum, S_psi)
        segment = y_a + (x - x_a) * (y_b - y_a) / (x_b - x_a)
        grow = {x_b: x_a + dx, y_b: y_a + dpsi}
        return (
            Step(
                "Upper side, one round with R = Q − Vλ₂ ≥ 0: DPP is greedy at λ = λ₂ + R/V, so "
                "E[y | Q] = c(λ) = −h − g for any h ≤ −c(λ) (g ≥ 0) and E[y² | Q]/2 = σ; the "
                "shifted drift of the straight band gives E[ΔL₂ | Q] ≤ σ + R·E[y | Q] ≤ B̄ − G "
                "with G = B̄ − σ + R·h (difference ≤ 0):",
                (sigma + R * (-h - g)) - (B_bar - (B_bar - sigma + R * h)),
                "nonpositive",
            ),
            Step(
                "With R = X = −w < 0 the drift is at most ((X + Y)⁺)²/2, which is at most Y²/2: "
                "case X + Y = z ≥ 0 ...",
                (pos(X + Y) ** 2 - Y**2).subs({X: -w, Y: w + sp.Symbol("z", nonnegative=True)}),
                "nonpositive",
            ),
            Step(
                "... and case X + Y < 0;",
                (pos(X + Y) ** 2 - Y**2).subs({X: -w, Y: w - z_pos}),
                "nonpositive",
            ),
            Step(
                "and at most ((X + ŷ)⁺)²/2 for every realized cost Y = ŷ − δ ≤ ŷ: case "
                "X + ŷ − δ = −z < 0 ...",
                (pos(X + Y_hi - delta) ** 2 - pos(X + Y_hi) ** 2).subs({Y_hi: -X - z_pos + delta}),
                "nonpositive",
            ),
            Step(
                "... and case X + ŷ − δ = a ≥ 0. So the drift where R < 0 is at most B̄ = the "
                "supremum over that region of ½ Σ_m π_m min(E[y²], ((R + ŷ)⁺)²), and with "
                "G(0) ≤ 0 it is at most B̄ − G(R⁺) too:",
                (pos(X + Y_hi - delta) ** 2 - pos(X + Y_hi) ** 2).subs({Y_hi: a_ - X + delta}),
                "nonpositive",
            ),
            Step(
                "Lower side, one round with w = Vλ₁ − Q ≥ 0: greedy at λ₁ − w/V, E[y | Q] = h + g "
                "for any h ≤ c there; E[ΔL₁ | Q] ≤ σ − w·E[y | Q] ≤ B̄ − G, G = B̄ − σ + w·h "
                "(where w < 0 the mirror cases apply with the smallest realizable cost):",
                (sigma - R * (h + g)) - (B_bar - (B_bar - sigma + R * h)),
                "nonpositive",
            ),
            telescoping_step(Lf, "E[L₂] (and E[L₁])"),
            Step(
                "Summed upper inequality with L_T ≥ 0 and S_G = Σ_{t<T} E[G₂(R(t)⁺)] (claim ≤ 0):",
                up_sum,
            ),
            Step("The coefficient of S_G is positive: an upper bound on S_G ...", coef, "positive"),
            Step(
                "... which, divided by T with L_T = 0, is the declared budget (difference = 0); the "
                "lower side is the same with ((Vλ₁ − Q₀)⁺)²:",
                thr.subs(L_T, 0) / T - self.budget_high,
                "zero",
            ),
            Step(
                "Jensen: Ğ₂((1/T)·Σ E[R⁺]) ≤ (1/T)·Σ E[Ğ₂(R⁺)] ≤ S_G/T ≤ budget, and Ğ is "
                "convex with Ğ(0) ≤ 0 ≤ budget, so the average excess lies where Ğ ≤ budget: at most the "
                "point where Ğ crosses it. On a hull segment from (x_a, y_a) to (x_b, y_b), "
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
                "Ğ(x) > budget:",
                sp.diff(segment, x).subs(grow),
                "positive",
            ),
            Step(
                "Past the last vertex Ğ is the ray y_a + k·(x − x_a) (k = −c beyond the last "
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
