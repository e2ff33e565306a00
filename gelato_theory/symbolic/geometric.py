"""The geometric sums of SPEC §2: E[c], E[k], E[A], E[N] for budget K, and the η = ∞ reduction.

E[c] = (1 − s^K)/(1 − s), E[k] = s·E[c], E[A] = a·(1 − a^K)/(1 − a), E[N] = 1 + E[A]; with s = 1
and a = α, E[N] = (1 − α^{K+1})/(1 − α) (Leviathan et al. 2023). Each closed form is proved equal to
its tail sum Σ P(count ≥ i) by induction on K; the ratio-1 reading (K) is its limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Step

s = sp.Symbol("s", positive=True)  # P(position passes the entropy test)
a = sp.Symbol("a", positive=True)  # P(position passes and is accepted)
alpha = sp.Symbol("alpha", positive=True)  # sum_j w_j beta_j
K = sp.Symbol("K", integer=True, nonnegative=True)  # drafting budget


def expected_computed(s_: sp.Expr = s, K_: sp.Expr = K) -> sp.Expr:
    """E[c] = Σ_{i=1}^{K} s^{i−1} = (1 − s^K)/(1 − s), positions."""
    return (1 - s_**K_) / (1 - s_)


def expected_sent(s_: sp.Expr = s, K_: sp.Expr = K) -> sp.Expr:
    """E[k] = Σ_{i=1}^{K} s^i = s·(1 − s^K)/(1 − s), tokens."""
    return s_ * (1 - s_**K_) / (1 - s_)


def expected_accepted(a_: sp.Expr = a, K_: sp.Expr = K) -> sp.Expr:
    """E[A] = Σ_{i=1}^{K} a^i = a·(1 − a^K)/(1 − a), tokens."""
    return a_ * (1 - a_**K_) / (1 - a_)


def expected_tokens(a_: sp.Expr = a, K_: sp.Expr = K) -> sp.Expr:
    """E[N] = 1 + E[A], tokens per round."""
    return 1 + expected_accepted(a_, K_)


@dataclass(frozen=True)
class GeometricSums(Obligation):
    """The closed forms of SPEC §2 for E[c], E[k], E[A], E[N] and the classical η = ∞ result."""

    name: str = "sd_geometric_sums"
    computed: sp.Expr = expected_computed()
    sent: sp.Expr = expected_sent()
    accepted: sp.Expr = expected_accepted()
    classical: sp.Expr = (1 - alpha ** (K + 1)) / (1 - alpha)

    title = "Geometric sums of a speculative-decoding round"
    spec = "§2, §5"
    summary = (
        "For budget K: E[c] = (1 − s^K)/(1 − s), E[k] = s·E[c], E[A] = a·(1 − a^K)/(1 − a), "
        "E[N] = 1 + E[A] (each read as its limit, K, when its ratio is 1); with η = ∞ (s = 1, "
        "a = α) E[N] = (1 − α^{K+1})/(1 − α)."
    )
    assumptions = (
        "token types are drawn independently per position (SPEC §2)",
        "position i is computed iff positions 1..i−1 pass the entropy test: P = s^{i−1}",
        "token i is sent iff positions 1..i pass: P = s^i",
        "A ≥ i iff positions 1..i pass and are accepted: P = a^i",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.Eq(sp.Symbol(r"\mathbb{E}[N]"), 1 + self.accepted, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {
            "computed": self.computed,
            "sent": self.sent,
            "accepted": self.accepted,
            "tokens": 1 + self.accepted,
        }

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return (
            (K, "drafting budget, positions"),
            (s, "s(η): probability that a position passes the entropy test"),
            (a, "a(η): probability that a position passes and is accepted"),
            (alpha, "α = Σ_j w_j β_j: acceptance probability with η = ∞"),
        )

    def steps(self) -> tuple[Step, ...]:
        out: list[Step] = []
        for label, f, r, term in (
            ("E[c]", self.computed, s, s**K),
            ("E[k]", self.sent, s, s ** (K + 1)),
            ("E[A]", self.accepted, a, a ** (K + 1)),
        ):
            out += [
                Step(f"{label} at K = 0 is an empty sum (= 0):", sp.Subs(f, K, 0), "zero"),
                Step(
                    f"{label} grows by the next tail probability when K grows by one:",
                    f.subs(K, K + 1) - f - term,
                    "zero",
                ),
                Step(
                    f"{label} at ratio {r} = 1 is read as its limit, K (difference = 0):",
                    sp.Limit(f, r, 1, dir="+-") - K,
                    "zero",
                ),
            ]
        en = 1 + self.accepted
        out += [
            Step("E[k] = s·E[c] (difference = 0):", self.sent - s * self.computed, "zero"),
            Step(
                "E[N] = 1 + E[A]: the round always emits one more token (correction or bonus).", en
            ),
            Step(
                "η = ∞: every position passes (s = 1) and a = α; E[N] reduces to the classical "
                "(1 − α^{K+1})/(1 − α) (difference = 0):",
                en.subs(a, alpha) - self.classical,
                "zero",
            ),
        ]
        return tuple(out)
