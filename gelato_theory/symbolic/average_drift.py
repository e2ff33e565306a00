"""The average drift constant B_avg of SPEC §5.1: E[y(t)² | Q(t)]/2 ≤ ½ Σ_m π_m max_a E[y² | m, a].

The channel state ω_t is i.i.d. and independent of Q(t), and any controller's action depends on
(ω_t, Q(t)) (and possibly private randomness), so the conditional second moment is a π-average of
per-state second moments, each at most its state's worst action. B_avg replaces B in Theorems 1-2
and the backlog band.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Sampling, Step
from gelato_theory.symbolic.symbols import MEANING, B_avg, Ey2

m = sp.Symbol("m", integer=True, nonnegative=True)  # channel state index
M = sp.Symbol("M", integer=True, positive=True)  # number of channel states
pi = sp.IndexedBase("pi")  # pi_m, probability of state m
W = sp.IndexedBase("W")  # W_m = max_a E[y^2 | m, a], J^2
r = sp.IndexedBase("r")  # W_m - E[y^2 | m, a(m, Q)] >= 0
pi_m = sp.Symbol("pi_m", nonnegative=True)
W_m = sp.Symbol("W_m", nonnegative=True)
r_m = sp.Symbol("r_m", nonnegative=True)
x1, x2 = sp.symbols("x_1 x_2", nonnegative=True)  # weights of a randomized decision
r1, r2 = sp.symbols("r_1 r_2", nonnegative=True)
SEED = 20260510


def average_constant_definition() -> sp.Expr:
    """½ Σ_{m<M} π_m W_m, the definition of B_avg (J²)."""
    return sp.Sum(pi[m] * W[m], (m, 0, M - 1)) / 2


@dataclass(frozen=True)
class AverageDrift(Obligation):
    """E[y(t)² | Q(t)]/2 ≤ B_avg for every causal policy (SPEC §5.1)."""

    name: str = "lemma1_average_drift"
    B_avg_expr: sp.Expr = average_constant_definition()

    title = "Lemma 1′ (average drift constant B_avg)"
    spec = "§5.1"
    summary = (
        "Since ω_t is i.i.d. and independent of Q(t), for every policy E[y(t)² | Q(t)]/2 ≤ "
        "B_avg = ½ Σ_m π_m max_a E[y² | m, a]; B_avg replaces B in the drift bound of Lemma 1, "
        "hence in Theorems 1–2 and the backlog band. B_avg ≤ B since every E[y²] ≤ 2B."
    )
    assumptions = (
        "ω_t is i.i.d. with P(ω_t = m) = π_m and independent of (Q(0), ..., Q(t))",
        "the action a_t depends on (ω_t, Q(t)) and on randomness independent of ω_t",
        "W_m = max_a E[y² | m, a] over the action menu (expectation over the round's outcome); "
        "for a controller that adapts within the round (GELATO's inner rule) the round's outcome "
        "law need not be a menu action's, and W_m = the largest realizable y² in state m "
        "(B_avg_any) takes its place in the same derivation",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.LessThan(Ey2 / 2, self.B_avg_expr, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"B_avg": self.B_avg_expr}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return (
            (B_avg, MEANING[B_avg]),
            (pi_m, "probability π_m of channel state m"),
            (W_m, "W_m = max_a E[y² | m, a], J²"),
            (M, "number of channel states"),
        )

    def steps(self) -> tuple[Step, ...]:
        derived = sp.Sum(pi[m] * (W[m] - r[m]), (m, 0, M - 1)) / 2
        return (
            Step(
                "Conditioning on ω_t, independent of Q(t): E[y² | Q] = Σ_m π_m E[y² | m, a(m, Q)]. "
                "A randomized decision with weights x_1 + x_2 = 1 has second moment "
                "x_1·(W − r_1) + x_2·(W − r_2) with r_1, r_2 ≥ 0; it exceeds W by ≤ 0:",
                x1 * (W_m - r1) + x2 * (W_m - r2) - W_m * (x1 + x2),
                "nonpositive",
            ),
            Step(
                "So E[y² | m, a(m, Q)] = W_m − r_m with r_m ≥ 0, and each state's term of "
                "½·E[y² | Q] minus its term of ½ Σ π_m W_m is ≤ 0:",
                pi_m * (W_m - r_m) / 2 - pi_m * W_m / 2,
                "nonpositive",
            ),
            Step(
                "Summing over states: ½ Σ π_m (W_m − r_m) = ½ Σ π_m W_m − ½ Σ π_m r_m (= 0 below):",
                derived
                - (
                    sp.Sum(pi[m] * W[m], (m, 0, M - 1)) / 2
                    - sp.Sum(pi[m] * r[m], (m, 0, M - 1)) / 2
                ),
                "zero",
            ),
            Step(
                "The declared B_avg against random tables and random Q-dependent randomized "
                "policies: ½ E[y² | Q] never exceeds it, and it equals ½ Σ π_m W_m:",
                goal="numeric",
                sampler=lambda: sample_average_constant(self.B_avg_expr),
            ),
        )


def sample_average_constant(expr: sp.Expr, seed: int = SEED, draws: int = 300) -> Sampling:
    """Evaluate ``expr`` (in pi, W, M) on random second-moment tables and compare."""
    f = sp.lambdify((pi, W, M), expr, modules="numpy")
    rng = np.random.default_rng(seed)
    worst_excess, worst_diff = 0.0, 0.0
    for _ in range(draws):
        n_m, n_a = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        p = rng.dirichlet(np.ones(n_m))
        y2 = rng.exponential(1.0, (n_m, n_a)) * rng.choice([1e-3, 1.0, 1e3])
        w = y2.max(axis=1)
        declared = float(f(p, w, n_m))
        x = rng.dirichlet(np.ones(n_a), size=n_m)  # a randomized decision per state
        moment = float(p @ (x * y2).sum(axis=1)) / 2
        scale = float(p @ w)
        worst_excess = max(worst_excess, (moment - declared) / scale)
        worst_diff = max(worst_diff, abs(declared - scale / 2) / scale)
    if worst_excess <= 1e-12 and worst_diff <= 1e-12:
        return Sampling(True, f"{draws} random tables (≤ 5 states × 5 actions): excess ≤ 1e-12")
    return Sampling(
        False,
        f"refuted: on {draws} random tables, max relative excess of ½E[y²|Q] over B_avg = "
        f"{worst_excess:.3g}, max |B_avg − ½Σπ_m W_m| / Σπ_m W_m = {worst_diff:.3g}",
    )
