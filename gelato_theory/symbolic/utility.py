"""Theorem 1 (utility, every horizon) of SPEC §5: (1/T)·Σ_{t<T} E[u(t)] ≥ u* − B/V − E[L(0)]/(V·T)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Step, isolate
from gelato_theory.symbolic.symbols import L0, MEANING, B, Q, T, V, u_star

t = sp.Symbol("t", integer=True, nonnegative=True)
L = sp.Function("L")  # E[L(t)]
Eu = sp.Function(r"\mathbb{E}u")  # E[u(t)]
L_T = sp.Symbol("L_T", nonnegative=True)  # E[L(T)] >= 0
S_u = sp.Symbol("S_u", real=True)  # sum_{t<T} E[u(t)]
y_opt = sp.Symbol("y_opt", nonpositive=True)  # E[y] of the omega-only optimal policy <= 0


def telescoping_step(f: sp.Function, what: str) -> Step:
    """Σ_{t<T} (f(t+1) − f(t)) = f(T) − f(0), decided by sympy."""
    return Step(
        f"Telescoping: the sum of the one-round changes of {what} over t < T is its total change.",
        sp.Sum(f(t + 1) - f(t), (t, 0, T - 1)) - (f(T) - f(0)),
        "zero",
    )


@dataclass(frozen=True)
class Theorem1(Obligation):
    """Theorem 1: the DPP time-average utility is within B/V + E[L(0)]/(V·T) of u* (SPEC §5)."""

    name: str = "theorem1_utility"
    utility_bound: sp.Expr = u_star - B / V - L0 / (V * T)

    title = "Theorem 1 (utility, every horizon)"
    summary = (
        "For every horizon T ≥ 1, exact drift-plus-penalty control achieves a time-average expected "
        "utility of at least u* − B/V − E[L(0)]/(V·T)."
    )
    assumptions = (
        "Lemma 1: E[L(t+1) − L(t) | Q(t)] ≤ B + Q(t)·E[y(t) | Q(t)]",
        "the controller maximizes V·E[u | ω, a] − Q·E[y | ω, a] over the action menu each round",
        "u* is attained by an ω-only policy whose energy meets the budget (E[y] ≤ 0)",
    )

    @property
    def statement(self) -> sp.Basic:
        average = sp.Sum(Eu(t), (t, 0, T - 1)) / T
        return sp.GreaterThan(average, self.utility_bound, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"utility": self.utility_bound}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return tuple((s, MEANING[s]) for s in (u_star, B, V, T, L0))

    def steps(self) -> tuple[Step, ...]:
        per_round = B - V * u_star
        summed = (L_T - L0 - V * S_u) - T * per_round  # <= 0
        coef, threshold = isolate(summed, S_u)
        average = threshold / T
        return (
            Step(
                "DPP picks, for the observed ω, the action maximizing V·E[u] − Q·E[y], so its "
                "drift-plus-penalty is at most that of the ω-only optimal policy (utility u*, "
                "E[y] = y_opt ≤ 0): E[Δ − V·u | Q] ≤ B + Q·y_opt − V·u*. Since Q ≥ 0 and y_opt ≤ 0 "
                "this is at most B − V·u*; the difference is ≤ 0:",
                (B + Q * y_opt - V * u_star) - per_round,
                "nonpositive",
            ),
            telescoping_step(L, "E[L]"),
            Step(
                "Summing the constant per-round bound over t < T gives T·(B − V·u*).",
                sp.Sum(per_round, (t, 0, T - 1)) - T * per_round,
                "zero",
            ),
            Step(
                "Summed inequality, with L_T = E[L(T)] ≥ 0 and S_u = Σ_{t<T} E[u(t)] (claim ≤ 0):",
                summed,
            ),
            Step(
                "The coefficient of S_u is negative, so the inequality bounds S_u below:",
                coef,
                "negative",
            ),
            Step(
                "Solved for the time average S_u/T; it increases with L_T (derivative > 0), so "
                "L_T ≥ 0 may be replaced by 0:",
                sp.Derivative(average, L_T),
                "positive",
            ),
            Step(
                "With L_T = 0 the derived lower bound equals the stated bound (difference = 0):",
                average.subs(L_T, 0) - self.utility_bound,
                "zero",
            ),
        )
