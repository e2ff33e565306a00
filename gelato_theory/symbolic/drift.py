"""Lemma 1 (drift) of SPEC §5: with L = Q²/2, L(t+1) − L(t) ≤ y²/2 + Q·y, and y²/2 ≤ B."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Step
from gelato_theory.symbolic.symbols import MEANING, Q, y, y_max, y_min

z = sp.Symbol("z", nonnegative=True)  # |Q + y| in a case split
z_pos = sp.Symbol("z", positive=True)
d = sp.Symbol("d", nonnegative=True)  # distance to an end of [y_min, y_max]


def lyapunov(q: sp.Expr) -> sp.Expr:
    """L(Q) = Q²/2, J²."""
    return q**2 / 2


def queue_update(q: sp.Expr, inc: sp.Expr) -> sp.Expr:
    """Q(t+1) = max(Q(t) + y(t), 0) (SPEC §4)."""
    return sp.Max(q + inc, 0)


@dataclass(frozen=True)
class DriftLemma(Obligation):
    """Lemma 1: one-round drift bound, and B = max(y_min², y_max²)/2 bounds y²/2 (SPEC §5)."""

    name: str = "lemma1_drift"
    drift_bound: sp.Expr = y**2 / 2 + Q * y
    B_expr: sp.Expr = sp.Max(y_min**2, y_max**2) / 2

    title = "Lemma 1 (drift)"
    summary = (
        "For Q ≥ 0 and real y, max(Q + y, 0)² ≤ (Q + y)², hence with L = Q²/2 the one-round drift "
        "is at most y²/2 + Q·y; for y in [y_min, y_max], y²/2 ≤ B = max(y_min², y_max²)/2."
    )
    assumptions = ("Q(t) ≥ 0", "y(t) real, y_min ≤ y(t) ≤ y_max")

    @property
    def drift(self) -> sp.Expr:
        return lyapunov(queue_update(Q, y)) - lyapunov(Q)

    @property
    def statement(self) -> sp.Basic:
        return sp.LessThan(self.drift, self.drift_bound, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"B": self.B_expr}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return tuple((s, MEANING[s]) for s in (Q, y, y_min, y_max))

    def steps(self) -> tuple[Step, ...]:
        residual = self.drift - self.drift_bound
        half_y2 = y**2 / 2
        return (
            Step("Drift minus the claimed bound; the claim is that this is ≤ 0.", residual),
            Step(
                "Case Q + y ≥ 0: write y = z − Q with z ≥ 0, so max(Q + y, 0) = z.",
                residual.subs(y, z - Q),
                "nonpositive",
            ),
            Step(
                "Case Q + y < 0: write y = −z − Q with z > 0, so max(Q + y, 0) = 0.",
                residual.subs(y, -z_pos - Q),
                "nonpositive",
            ),
            Step(
                "Constant B: case y ≥ 0, write y_max = y + d with d ≥ 0; then y_max²/2 − y²/2 ≥ 0.",
                (y_max**2 / 2 - half_y2).subs(y_max, y + d).subs(y, z),
                "nonnegative",
            ),
            Step(
                "Case y < 0, write y_min = y − d with d ≥ 0; then y_min²/2 − y²/2 ≥ 0.",
                (y_min**2 / 2 - half_y2).subs(y_min, y - d).subs(y, -z_pos),
                "nonnegative",
            ),
            Step(
                "Both y_min²/2 and y_max²/2 are at most their maximum, so y²/2 ≤ B:",
                sp.LessThan(half_y2, self.B_expr, evaluate=False),
            ),
        )
