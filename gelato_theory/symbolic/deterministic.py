"""Theorem 3 (deterministic backlog, every sample path) of SPEC §5.

Q(t) ≤ Q_max = max(Q_0, V·ρ + y_max) on every path, and (1/T)·Σ_{t<T} y(t) ≤ Q(T)/T ≤ Q_max/T
(which is (V·ρ + y_max)/T whenever Q_0 ≤ V·ρ + y_max, e.g. Q_0 = 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Step
from gelato_theory.symbolic.symbols import MEANING, Q0, Q, T, V, epsilon, rho, y, y_max
from gelato_theory.symbolic.utility import telescoping_step

g = sp.Symbol("g", positive=True)  # Q - V*rho > 0
r = sp.Symbol("r", nonnegative=True)  # rho - ratio(a) >= 0, or y_max - y >= 0
de = sp.Symbol("Delta_e", positive=True)  # e(a) - e(a_0) > 0, J
d = sp.Symbol("d", nonnegative=True)  # V*rho - Q >= 0
h = sp.Symbol("h", nonnegative=True)  # Q_max - Q >= 0
m1 = sp.Symbol("m_1", nonnegative=True)  # Q_max - (V*rho + y_max) >= 0
m2 = sp.Symbol("m_2", nonnegative=True)  # Q_max - Q_0 >= 0
z = sp.Symbol("z", nonnegative=True)
z_pos = sp.Symbol("z", positive=True)
Q_max = sp.Symbol(r"Q_{\max}", real=True)
Qt = sp.Function("Q")


@dataclass(frozen=True)
class Theorem3(Obligation):
    """Theorem 3: deterministic backlog bound and realized-violation bound (SPEC §5)."""

    name: str = "theorem3_deterministic_backlog"
    backlog_bound: sp.Expr = sp.Max(Q0, V * rho + y_max)
    violation_bound: sp.Expr = sp.Max(Q0, V * rho + y_max) / T

    title = "Theorem 3 (deterministic backlog, every sample path)"
    summary = (
        "Exact DPP picks the minimum-energy action a_0 (K = 0) whenever Q > V·ρ, so "
        "Q(t) ≤ max(Q_0, V·ρ + y_max) on every path, and the realized constraint violation obeys "
        "(1/T)·Σ_{t<T} y(t) ≤ Q(T)/T ≤ max(Q_0, V·ρ + y_max)/T."
    )
    assumptions = (
        "ρ ≥ (ū(ω,a) − ū(ω,a_0))/(ē(ω,a) − ē(ω,a_0)) for every state ω and action a with "
        "ē(ω,a) > ē(ω,a_0); every other action has the energy of a_0 on every path (true when e_c > 0)",
        "a_0 uses energy e_0 on every path, and ε = Ē − e_0 > 0 (Slater slack), so y(a_0) = −ε",
        "every realizable y(t) ≤ y_max",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.LessThan(Qt(sp.Symbol("t")), self.backlog_bound, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"backlog": self.backlog_bound, "violation": self.violation_bound}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return tuple((s, MEANING[s]) for s in (V, rho, y_max, Q0, epsilon, T))

    def steps(self) -> tuple[Step, ...]:
        def q_max(expr: sp.Expr, form: str) -> sp.Expr:
            """Q_max written as V·ρ + y_max + m_1 or Q_0 + m_2 (m_1, m_2 ≥ 0: it is their max)."""
            return expr.subs(Q_max, V * rho + y_max + m1 if form == "x" else Q0 + m2)

        nxt = sp.Max(Q + y, 0)
        return (
            Step(
                "DPP prefers a_0: for Q = V·ρ + g with g > 0 and an action with "
                "ē(a) − ē(a_0) = Δe > 0 and ū(a) − ū(a_0) = (ρ − r)·Δe, r ≥ 0, the DPP score "
                "difference V·(ū(a) − ū(a_0)) − Q·(ē(a) − ē(a_0)) is negative:",
                (V * (rho - r) * de - Q * de).subs(Q, V * rho + g),
                "negative",
            ),
            Step(
                "Induction on t, with Q_max = max(Q_0, V·ρ + y_max) = V·ρ + y_max + m_1 = Q_0 + m_2 "
                "(m_1, m_2 ≥ 0). Base: Q_max − Q(0) ≥ 0.",
                q_max(Q_max - Q0, "0"),
                "nonnegative",
            ),
            Step(
                "Case Q(t) ≤ V·ρ (Q = V·ρ − d, y = y_max − r) and Q + y ≥ 0: Q_max − (Q + y) ≥ 0.",
                q_max(Q_max - (Q + y), "x").subs({Q: V * rho - d, y: y_max - r}),
                "nonnegative",
            ),
            Step(
                "Case Q(t) > V·ρ: DPP picks a_0, y = −ε; with Q = Q_max − h (induction "
                "hypothesis) and Q − ε ≥ 0: Q_max − (Q − ε) ≥ 0.",
                (Q_max - (Q - epsilon)).subs(Q, Q_max - h),
                "nonnegative",
            ),
            Step(
                "Either case with Q + y < 0: Q(t+1) = 0 and Q_max − 0 ≥ 0.",
                q_max(Q_max, "0"),
                "nonnegative",
            ),
            Step(
                "Violation: Q(t+1) − (Q(t) + y(t)) ≥ 0; case Q + y = z ≥ 0:",
                (nxt - (Q + y)).subs(y, z - Q),
                "nonnegative",
            ),
            Step(
                "and case Q + y = −z < 0:",
                (nxt - (Q + y)).subs(y, -z_pos - Q),
                "nonnegative",
            ),
            telescoping_step(Qt, "Q"),
            Step(
                "Hence Σ_{t<T} y(t) ≤ Q(T) − Q_0; with Q(T) = Q_max − h the bound Q_max/T exceeds "
                "(Q(T) − Q_0)/T by a nonnegative amount:",
                Q_max / T - ((Q_max - h) - Q0) / T,
                "nonnegative",
            ),
            Step(
                "The stated violation bound is Q_max/T (difference = 0):",
                self.violation_bound - self.backlog_bound / T,
                "zero",
            ),
        )
