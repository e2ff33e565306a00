"""Theorem 2 (backlog) and mean-rate stability of SPEC §5.

(1/T)·Σ_{t<T} E[Q(t)] ≤ (B + V·(u_max − u_0))/ε + E[L(0)]/(ε·T), and
E[Q(T)]/T ≤ sqrt(2·E[L(0)]/T² + 2·(B + V·(u_max − u*))/T).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Step, isolate
from gelato_theory.symbolic.symbols import L0, MEANING, B, Q, T, V, epsilon, u_0, u_max, u_star
from gelato_theory.symbolic.utility import L_T, S_u, t, telescoping_step

S_Q = sp.Symbol("S_Q", real=True)  # sum_{t<T} E[Q(t)]
u_t = sp.Symbol("u_t", real=True)  # E[u(t) | Q(t)]
gap = sp.Symbol("g", nonnegative=True)  # u_max - E[u] >= 0, or T*u_max - S_u >= 0
Lf = sp.Function("L")
Qt = sp.Function("Q")  # E[Q(t)]
EQ = sp.Function(r"\mathbb{E}Q")


@dataclass(frozen=True)
class Theorem2(Obligation):
    """Theorem 2: time-average expected backlog is O(V) under Slater slack ε > 0 (SPEC §5)."""

    name: str = "theorem2_backlog"
    backlog_bound: sp.Expr = (B + V * (u_max - u_0)) / epsilon + L0 / (epsilon * T)

    title = "Theorem 2 (backlog)"
    summary = (
        "With Slater slack ε = Ē − E_ω[min_a ē] > 0, the time-average expected backlog satisfies "
        "(1/T)·Σ_{t<T} E[Q(t)] ≤ (B + V·(u_max − u_0))/ε + E[L(0)]/(ε·T) for every T ≥ 1."
    )
    assumptions = (
        "Lemma 1: E[L(t+1) − L(t) | Q(t)] ≤ B + Q(t)·E[y(t) | Q(t)]",
        "the controller maximizes V·E[u | ω, a] − Q·E[y | ω, a] over the action menu each round",
        "the minimum-energy ω-only policy has E[y] = −ε < 0 and utility u_0",
        "every per-round expected utility is at most u_max",
    )

    @property
    def statement(self) -> sp.Basic:
        average = sp.Sum(EQ(t), (t, 0, T - 1)) / T
        return sp.LessThan(average, self.backlog_bound, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"backlog": self.backlog_bound}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return tuple((s, MEANING[s]) for s in (B, V, u_max, u_0, epsilon, T, L0))

    def steps(self) -> tuple[Step, ...]:
        per_round = B + V * (u_max - u_0)
        summed = (L_T - L0) - (T * per_round - epsilon * S_Q)  # <= 0
        coef, threshold = isolate(summed, S_Q)
        average = threshold / T
        return (
            Step(
                "Comparing DPP with the minimum-energy ω-only policy (E[y] = −ε, utility u_0): "
                "E[Δ | Q] ≤ B − ε·Q + V·(E[u | Q] − u_0). With E[u | Q] = u_max − g, g ≥ 0, this is at "
                "most B + V·(u_max − u_0) − ε·Q; the difference is ≤ 0:",
                (B - epsilon * Q + V * (u_t - u_0)).subs(u_t, u_max - gap)
                - (per_round - epsilon * Q),
                "nonpositive",
            ),
            telescoping_step(Lf, "E[L]"),
            Step(
                "Summing the per-round bound over t < T gives T·(B + V·(u_max − u_0)) − ε·S_Q with "
                "S_Q = Σ_{t<T} E[Q(t)]:",
                sp.Sum(per_round - epsilon * Qt(t), (t, 0, T - 1))
                - (T * per_round - epsilon * sp.Sum(Qt(t), (t, 0, T - 1))),
                "zero",
            ),
            Step(
                "Summed inequality, with L_T = E[L(T)] ≥ 0 and S_Q = Σ_{t<T} E[Q(t)] (claim ≤ 0):",
                summed,
            ),
            Step(
                "The coefficient of S_Q is positive, so the inequality bounds S_Q above:",
                coef,
                "positive",
            ),
            Step(
                "Solved for the time average S_Q/T; it decreases with L_T (derivative < 0), so "
                "L_T ≥ 0 may be replaced by 0:",
                sp.Derivative(average, L_T),
                "negative",
            ),
            Step(
                "With L_T = 0 the derived upper bound equals the stated bound (difference = 0):",
                average.subs(L_T, 0) - self.backlog_bound,
                "zero",
            ),
        )


@dataclass(frozen=True)
class MeanRateStability(Obligation):
    """Mean-rate stability: E[Q(T)]/T ≤ sqrt(2E[L(0)]/T² + 2(B + V(u_max − u*))/T) → 0 (SPEC §5)."""

    name: str = "theorem2_mean_rate_stability"
    rate_bound: sp.Expr = sp.sqrt(2 * L0 / T**2 + 2 * (B + V * (u_max - u_star)) / T)

    title = "Theorem 2, mean-rate stability"
    summary = (
        "E[Q(T)]/T ≤ sqrt(2·E[L(0)]/T² + 2·(B + V·(u_max − u*))/T), which tends to 0: the energy "
        "queue is mean-rate stable, so the long-term energy budget is met."
    )
    assumptions = (
        "the summed drift-plus-penalty inequality of Theorem 1: "
        "E[L(T)] − E[L(0)] − V·Σ_{t<T} E[u(t)] ≤ T·(B − V·u*)",
        "every per-round expected utility is at most u_max",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.LessThan(EQ(T) / T, self.rate_bound, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"rate": self.rate_bound}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return tuple((s, MEANING[s]) for s in (B, V, u_max, u_star, T, L0))

    def steps(self) -> tuple[Step, ...]:
        summed = (L_T - L0 - V * S_u) - T * (B - V * u_star)  # <= 0 (Theorem 1)
        coef, threshold = isolate(summed, L_T)
        Lambda = L0 + T * B + V * T * (u_max - u_star)
        derived = sp.sqrt(2 * Lambda) / T
        return (
            Step("Summed inequality of Theorem 1 (claim ≤ 0):", summed),
            Step("The coefficient of L_T is positive, so it bounds L_T above:", coef, "positive"),
            Step(
                "With S_u = T·u_max − g, g ≥ 0, the bound on L_T is at most "
                "Λ = E[L(0)] + T·B + V·T·(u_max − u*); the difference is ≤ 0:",
                threshold.subs(S_u, T * u_max - gap) - Lambda,
                "nonpositive",
            ),
            Step(
                "Jensen: E[Q(T)]² ≤ E[Q(T)²] = 2·E[L(T)] ≤ 2·Λ, so E[Q(T)]/T ≤ sqrt(2·Λ)/T.",
                sp.LessThan(EQ(T) / T, derived, evaluate=False),
            ),
            Step(
                "sqrt(2·Λ)/T equals the stated bound (difference = 0):",
                derived - self.rate_bound,
                "zero",
            ),
        )
