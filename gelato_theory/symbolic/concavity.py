"""Concavity of E[N](K) (SPEC §5): d²E[N]/dK² = −a^{K+1}·ln²a/(1 − a) < 0 for 0 < a < 1.

The discrete form used for integer budgets is proved too: E[N](K+2) − 2E[N](K+1) + E[N](K) =
a^{K+1}·(a − 1) < 0, so each extra drafted position adds fewer tokens than the one before.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.geometric import a, expected_tokens
from gelato_theory.symbolic.obligation import Obligation, Step

K = sp.Symbol("K", real=True)  # budget as a real variable
n = sp.Symbol("K", integer=True, nonnegative=True)
b = sp.Symbol("b", positive=True)  # a = 1/(1 + b) covers 0 < a < 1


@dataclass(frozen=True)
class Concavity(Obligation):
    """E[N] is concave in the budget K, continuously and as a sequence (SPEC §5)."""

    name: str = "sd_concavity"
    second_derivative: sp.Expr = -(a ** (K + 1)) * sp.log(a) ** 2 / (1 - a)

    title = "Concavity of E[N] in the budget K"
    summary = (
        "For 0 < a < 1, E[N](K) = 1 + a·(1 − a^K)/(1 − a) has second derivative "
        "−a^{K+1}·ln²a/(1 − a) < 0, and its second difference a^{K+1}·(a − 1) is negative."
    )
    assumptions = ("0 < a < 1, written a = 1/(1 + b) with b > 0",)

    @property
    def statement(self) -> sp.Basic:
        lhs = sp.Derivative(sp.Function(r"\mathbb{E}[N]")(K), (K, 2))
        return sp.Eq(lhs, self.second_derivative, evaluate=False)

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return (
            (K, "drafting budget, read as a real variable"),
            (a, "a(η): probability that a position passes and is accepted, 0 < a < 1"),
        )

    def steps(self) -> tuple[Step, ...]:
        en = expected_tokens(a, K)
        second_difference = (
            expected_tokens(a, n + 2) - 2 * expected_tokens(a, n + 1) + (expected_tokens(a, n))
        )
        return (
            Step("E[N] as a function of a real budget K:", en),
            Step(
                "Its second derivative equals the stated expression (difference = 0):",
                sp.Derivative(en, (K, 2)) - self.second_derivative,
                "zero",
            ),
            Step(
                "The stated expression is negative for a = 1/(1 + b), b > 0:",
                self.second_derivative.subs(a, 1 / (1 + b)),
                "negative",
            ),
            Step(
                "Integer budgets: the second difference equals a^{K+1}·(a − 1) (difference = 0):",
                second_difference - a ** (n + 1) * (a - 1),
                "zero",
            ),
            Step(
                "and is negative for a = 1/(1 + b), b > 0:",
                (a ** (n + 1) * (a - 1)).subs(a, 1 / (1 + b)),
                "negative",
            ),
        )
