"""Finite-horizon forms of Theorem 1 that the verifier judges (SPEC §5.1).

* Utility scaling: V·(u* − (1/T)Σ E[u(t)]) ≤ B + E[L(0)]/T (the E[L(0)]/T term is part of the claim).
* Per-second renewal form: at θ = θ* the per-round utility N − θ*T has u* = 0, so
  (1/T)·Σ E[N_t − θ*·T_t] ≥ −(B + E[L(0)]/T)/V, judged on sums; dividing by the mean round time
  (at least t_min) gives E[ΣN]/E[ΣT] ≥ θ* − (B + E[L(0)]/T)/(V·t_min).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Step, isolate
from gelato_theory.symbolic.symbols import L0, MEANING, B, T, V, t_min, theta_star, u_star
from gelato_theory.symbolic.utility import Theorem1

S_N = sp.Symbol("S_N", real=True)  # E[sum_t N_t]
S_T = sp.Symbol("S_T", positive=True)  # E[sum_t T_t] > 0
N_bar = sp.Symbol("N_bar", real=True)  # E[N] of an omega-only policy
T_bar = sp.Symbol("T_bar", positive=True)  # E[T] of that policy > 0
r = sp.Symbol("r", nonnegative=True)
h = sp.Symbol("h", nonnegative=True)
u_avg = sp.Symbol("u_avg", real=True)  # (1/T) sum E[u(t)]


@dataclass(frozen=True)
class UtilityScaling(Obligation):
    """V·(u* − (1/T)Σ E[u(t)]) ≤ B + E[L(0)]/T, Theorem 1 scaled by V (SPEC §5.1)."""

    name: str = "theorem1_utility_scaling"
    scaled_gap: sp.Expr = B + L0 / T

    title = "Theorem 1, scaled gap (every horizon)"
    spec = "§5.1"
    summary = (
        "Multiplying Theorem 1 by V: V·(u* − (1/T)·Σ_{t<T} E[u(t)]) ≤ B + E[L(0)]/T. With Q(0) > 0 "
        "the E[L(0)]/T term belongs to the claim; dropping it raises false alarms."
    )
    assumptions = ("Theorem 1: (1/T)·Σ_{t<T} E[u(t)] ≥ u* − B/V − E[L(0)]/(V·T)",)

    @property
    def statement(self) -> sp.Basic:
        return sp.LessThan(V * (u_star - u_avg), self.scaled_gap, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"scaled_gap": self.scaled_gap}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return (
            *((s, MEANING[s]) for s in (u_star, B, V, T, L0)),
            (u_avg, "(1/T)·Σ_{t<T} E[u(t)]"),
        )

    def steps(self) -> tuple[Step, ...]:
        lower = Theorem1().utility_bound
        return (
            Step(
                "Theorem 1 with slack h ≥ 0: the average utility is (its bound) + h; the scaled "
                "gap minus the declared bound is then −V·h ≤ 0:",
                V * (u_star - (lower + h)) - self.scaled_gap,
                "nonpositive",
            ),
        )


@dataclass(frozen=True)
class PerSecondRenewal(Obligation):
    """(1/T)Σ E[N − θ*T] ≥ −(B + E[L(0)]/T)/V and the ratio bound it implies (SPEC §4, §5.1)."""

    name: str = "per_second_renewal"
    renewal: sp.Expr = -(B + L0 / T) / V
    ratio: sp.Expr = theta_star - (B + L0 / T) / (V * t_min)

    title = "Per-second throughput (renewal form)"
    spec = "§5.1"
    summary = (
        "With θ* the best tokens per second under the power budget, DPP on N − θ*·T satisfies "
        "(1/T)·Σ_{t<T} E[N_t − θ*·T_t] ≥ −(B + E[L(0)]/T)/V (a claim on sums), hence "
        "E[ΣN]/E[ΣT] ≥ θ* − (B + E[L(0)]/T)/(V·t_min)."
    )
    assumptions = (
        "θ* = max over ω-only policies meeting the power budget of E[N]/E[T] (Charnes–Cooper LP)",
        "Theorem 1 for the per-round utility N − θ*·T and cost E − P̄·T, with constant B",
        "every round lasts at least t_min > 0",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.GreaterThan((S_N - theta_star * S_T) / T, self.renewal, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"renewal": self.renewal, "ratio": self.ratio}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return (
            *((s, MEANING[s]) for s in (theta_star, B, V, T, L0, t_min)),
            (S_N, "E[Σ_{t<T} N_t], tokens"),
            (S_T, "E[Σ_{t<T} T_t] > 0, s"),
        )

    def steps(self) -> tuple[Step, ...]:
        thm1 = Theorem1().utility_bound
        derived = thm1.subs(u_star, 0)
        summed = -(S_N - theta_star * S_T) + T * self.renewal  # <= 0
        coef, threshold = isolate(summed, S_N)
        ratio = threshold / S_T
        return (
            Step(
                "u*(θ*) ≤ 0: an ω-only policy meeting the budget has E[N] = (θ* − r)·E[T] with "
                "r ≥ 0, so E[N] − θ*·E[T] ≤ 0:",
                ((theta_star - r) * T_bar) - theta_star * T_bar,
                "nonpositive",
            ),
            Step(
                "u*(θ*) ≥ 0: the ratio-optimal policy has E[N] = θ*·E[T] (difference = 0); so u* = 0.",
                theta_star * T_bar - theta_star * T_bar,
                "zero",
            ),
            Step(
                "Theorem 1 with u* = 0 equals the declared renewal bound (difference = 0):",
                derived - self.renewal,
                "zero",
            ),
            Step(
                "Renewal inequality on sums, S_N − θ*·S_T ≥ T·renewal (claim ≤ 0):",
                summed,
            ),
            Step("The coefficient of S_N is negative: a lower bound on S_N.", coef, "negative"),
            Step(
                "Dividing by S_T = E[ΣT] ≥ T·t_min: with S_T = T·(t_min + h), h ≥ 0, the ratio "
                "bound S_N/S_T minus the declared one is ≥ 0 (the deficit shrinks as S_T grows):",
                ratio.subs(S_T, T * (t_min + h)) - self.ratio,
                "nonnegative",
            ),
        )
