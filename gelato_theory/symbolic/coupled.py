"""Coupled Theorem 3 (every sample path) of SPEC §5.1.

Exact DPP plays action a in state m only while Q/V ≤ λ_hi(m, a), the upper end of a's interval on
m's upper envelope of the lines ū(m,a) − λ·ȳ(m,a). Hence on every path
Q(t) ≤ max(Q₀, max over (m, a) with ŷ_max(m,a) > 0 of V·λ_hi(m,a) + ŷ_max(m,a)),
where ŷ_max(m,a) is the largest realizable cost of (m, a). The exact layer takes the maximum over
the (m, a) pairs of the envelope; one pair is the expression below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Step
from gelato_theory.symbolic.symbols import MEANING, Q0, Q, V, lambda_hi, y, y_hat

g = sp.Symbol("g", positive=True)  # Q/V - lambda_hi > 0
dy = sp.Symbol("Delta_y", positive=True)  # y(a) - y(b) > 0 for the cheaper neighbour b
d = sp.Symbol("d", nonnegative=True)
h = sp.Symbol("h", nonnegative=True)
k = sp.Symbol("k", nonnegative=True)
m1 = sp.Symbol("m_1", nonnegative=True)
m2 = sp.Symbol("m_2", nonnegative=True)
z = sp.Symbol("z", nonnegative=True)
z_pos = sp.Symbol("z", positive=True)
Q_max = sp.Symbol(r"Q_{\max}", real=True)
Qt = sp.Function("Q")


@dataclass(frozen=True)
class CoupledTheorem3(Obligation):
    """Per-(state, action) deterministic backlog bound of exact DPP (SPEC §5.1)."""

    name: str = "theorem3_coupled"
    backlog_bound: sp.Expr = sp.Max(Q0, V * lambda_hi + y_hat)

    title = "Theorem 3, coupled form (every sample path)"
    spec = "§5.1"
    summary = (
        "Exact DPP plays a in state m only while Q/V ≤ λ_hi(m,a), so every path obeys "
        "Q(t) ≤ max(Q₀, max_{(m,a): ŷ_max(m,a) > 0} V·λ_hi(m,a) + ŷ_max(m,a)). The pairs couple "
        "each action's multiplier range with its own largest cost, instead of the largest ratio ρ "
        "with the largest cost of any action."
    )
    assumptions = (
        "exact DPP: in state m it plays an action maximizing ū − (Q/V)·ȳ, ties to the lower cost",
        "λ_hi(m,a) = min over cheaper actions b of (ū(m,a) − ū(m,b))/(ȳ(m,a) − ȳ(m,b)) "
        "(+∞ for a minimum-cost action); an action never greedy is never played",
        "every realizable cost of (m,a) is at most ŷ_max(m,a); the bound is finite when every "
        "played pair with ŷ_max > 0 has a finite λ_hi",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.LessThan(Qt(sp.Symbol("t")), self.backlog_bound, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"backlog": self.backlog_bound}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return tuple((s, MEANING[s]) for s in (V, lambda_hi, y_hat, Q0))

    def steps(self) -> tuple[Step, ...]:
        def q_max(expr: sp.Expr, form: str) -> sp.Expr:
            """Q_max = V·λ_hi + ŷ + m_1 = Q_0 + m_2 (m_1, m_2 ≥ 0: it is at least both)."""
            return expr.subs(Q_max, V * lambda_hi + y_hat + m1 if form == "x" else Q0 + m2)

        top = V * lambda_hi + y_hat
        case1 = {Q0: top + k}  # Q0 >= V lambda_hi + y_hat
        case2 = {y_hat: Q0 - V * lambda_hi + g}  # V lambda_hi + y_hat > Q0
        return (
            Step(
                "The declared bound is an upper bound of both Q₀ and V·λ_hi + ŷ. Case "
                "Q₀ = V·λ_hi + ŷ + k, k ≥ 0: declared − Q₀ ≥ 0 ...",
                (self.backlog_bound - Q0).subs(case1),
                "nonnegative",
            ),
            Step(
                "... and declared − (V·λ_hi + ŷ) ≥ 0;",
                (self.backlog_bound - top).subs(case1),
                "nonnegative",
            ),
            Step(
                "case V·λ_hi + ŷ = Q₀ + g, g > 0: declared − Q₀ ≥ 0 ...",
                (self.backlog_bound - Q0).subs(case2),
                "nonnegative",
            ),
            Step(
                "... and declared − (V·λ_hi + ŷ) ≥ 0. So the declared bound is at least Q_max "
                "below.",
                (self.backlog_bound - top).subs(case2),
                "nonnegative",
            ),
            Step(
                "Past λ_hi the cheaper neighbour b (the one attaining λ_hi: ū(a) − ū(b) = "
                "λ_hi·Δy, Δy = ȳ(a) − ȳ(b) > 0) wins: at Q = V·(λ_hi + g), g > 0, the DPP score "
                "difference V·(ū(a) − ū(b)) − Q·(ȳ(a) − ȳ(b)) is negative:",
                (V * lambda_hi * dy - Q * dy).subs(Q, V * (lambda_hi + g)),
                "negative",
            ),
            Step(
                "Induction with Q_max = max(Q₀, V·λ_hi + ŷ) over the pairs; base Q(0) = Q₀ ≤ Q_max:",
                q_max(Q_max - Q0, "0"),
                "nonnegative",
            ),
            Step(
                "Step, a played with ŷ > 0: Q ≤ V·λ_hi (Q = V·λ_hi − d) and y ≤ ŷ (y = ŷ − h), so "
                "Q + y ≤ Q_max:",
                q_max(Q_max - (Q + y), "x").subs({Q: V * lambda_hi - d, y: y_hat - h}),
                "nonnegative",
            ),
            Step(
                "Step, a played with ŷ ≤ 0: y ≤ 0 (y = −k), so Q + y ≤ Q ≤ Q_max (Q = Q_max − h):",
                (Q_max - (Q + y)).subs({y: -k, Q: Q_max - h}),
                "nonnegative",
            ),
            Step(
                "The queue update max(Q + y, 0) is then ≤ Q_max too; case Q + y = z ≥ 0 "
                "(max equals Q + y):",
                (sp.Max(Q + y, 0) - (Q + y)).subs(y, z - Q),
                "zero",
            ),
            Step(
                "case Q + y = −z < 0 (max equals 0 ≤ Q₀ ≤ Q_max):",
                q_max(Q_max - sp.Max(Q + y, 0), "0").subs(y, -z_pos - Q),
                "nonnegative",
            ),
        )
