"""The Lagrangian converse and the regret identity of SPEC §5.1.

* Converse, any causal policy: E[ū_T] − λ*·E[ȳ_T] ≤ u*, and more sharply E[ū_T] ≤ v(E[ȳ_T]), v(b) the
  LP value with budget b over Ē (concave, v(0) = u*). Its estimator G = φ̄_T − ū_T + λ*·ȳ_T has
  E[G] ≥ 0: an upper confidence limit of G below 0 shows over-reported utility or under-counted cost.
* Regret: R_T = φ̄_T − (1/T)Σ_t (ū − λ*ȳ)(m_t, a_t) ≥ 0 on every path, and u* − E[ū_T] = E[R_T] −
  λ*·E[ȳ_T], the low-variance route to the utility gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Sampling, Step
from gelato_theory.symbolic.symbols import (
    MEANING,
    Ephi_bar,
    Eu_bar,
    Ey_bar,
    R_bar,
    lambda_star,
    phi_bar,
    u_bar,
    u_star,
    y_bar,
)

phi_m = sp.Symbol("phi_m", real=True)  # phi_{m_t}(lambda*)
slack = sp.Symbol("r", nonnegative=True)  # phi - (u - lambda* y) >= 0
Eu, Ey, Ephi = Eu_bar, Ey_bar, Ephi_bar
SEED = 20260511


@dataclass(frozen=True)
class LagrangianConverse(Obligation):
    """Any causal policy: E[ū_T] ≤ u* + λ*·E[ȳ_T] (SPEC §5.1)."""

    name: str = "lagrangian_converse"
    utility_upper: sp.Expr = u_star + lambda_star * y_bar
    control_variate: sp.Expr = phi_bar - u_bar + lambda_star * y_bar

    title = "Lagrangian converse (any causal policy)"
    spec = "§5.1"
    summary = (
        "For every causal policy and horizon T, the time averages satisfy E[ū_T] − λ*·E[ȳ_T] ≤ u*, "
        "and more sharply E[ū_T] ≤ v(E[ȳ_T]) with v(b) = min_{λ ≥ 0} (g(λ) + λ·b) the LP value at "
        "budget Ē + b. The estimator G = φ̄_T − ū_T + λ*·ȳ_T, φ̄_T = (1/T)·Σ_t φ_{m_t}(λ*), has "
        "E[G] ≥ 0; it is an upper bound on utility, which no lower bound can replace."
    )
    assumptions = (
        "ω_t i.i.d. with P(ω_t = m) = π_m, independent of the past (Q(t), earlier rounds)",
        "E[u(t) | past, ω_t = m, a_t = a] = ū(m, a) and E[y(t) | ...] = ȳ(m, a) (the executor's "
        "outcome law), whatever the controller",
        "φ_m(λ) = max_a (ū(m,a) − λ·ȳ(m,a)), g(λ) = Σ_m π_m φ_m(λ), g(λ*) = u* (LP duality)",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.LessThan(Eu, self.utility_upper.subs(y_bar, Ey), evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"utility_upper": self.utility_upper, "control_variate": self.control_variate}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return tuple((s, MEANING[s]) for s in (u_star, lambda_star, u_bar, y_bar, phi_bar))

    def steps(self) -> tuple[Step, ...]:
        return (
            Step(
                "Per round, whatever action is taken in state m: ū − λ*·ȳ = φ_m(λ*) − r with r ≥ 0 "
                "(φ_m is the maximum over actions), so φ_m(λ*) − (ū − λ*·ȳ) ≥ 0:",
                phi_m - (phi_m - slack),
                "nonnegative",
            ),
            Step(
                "ω_t is independent of the past, so E[φ_{ω_t}(λ*)] = g(λ*) = u* every round; "
                "averaging over t < T: E[φ̄_T] = u*, and E[G] = u* − E[ū_T] + λ*·E[ȳ_T] ≥ 0. "
                "With E[G] = ρ ≥ 0 the claimed upper bound minus E[ū_T] is ρ ≥ 0:",
                self.utility_upper.subs(y_bar, Ey) - (u_star + lambda_star * Ey - slack),
                "nonnegative",
            ),
            Step(
                "The estimator's expectation is E[G] (difference = 0):",
                self.control_variate.subs({phi_bar: Ephi, u_bar: Eu, y_bar: Ey}).subs(Ephi, u_star)
                - (u_star - Eu + lambda_star * Ey),
                "zero",
            ),
            Step(
                "Sharper form and the declared bound, on random finite problems and random "
                "sequences of randomized decisions (each round's (E[ū], E[ȳ]) is that of an "
                "ω-only randomized policy, since ω_t is independent of the past): E[ū_T] ≤ "
                "v(E[ȳ_T]) ≤ the declared upper bound:",
                goal="numeric",
                sampler=lambda: sample_converse(self.utility_upper),
            ),
        )


def _dual(u: np.ndarray, y: np.ndarray, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate multipliers (0 and every crossing of two lines of a state) and g there."""
    du = u[:, :, None] - u[:, None, :]
    dy = y[:, :, None] - y[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(dy != 0, du / dy, np.nan).ravel()
    lam = np.unique(np.concatenate([[0.0], cross[np.isfinite(cross) & (cross >= 0)]]))
    g = (u[None] - lam[:, None, None] * y[None]).max(axis=2) @ pi
    return lam, g


def sample_converse(expr: sp.Expr, seed: int = SEED, draws: int = 300) -> Sampling:
    """Check E[ū_T] ≤ v(E[ȳ_T]) ≤ ``expr``(u*, λ*, E[ȳ_T]) on random problems and policies."""
    f = sp.lambdify((u_star, lambda_star, y_bar), expr, modules="numpy")
    rng = np.random.default_rng(seed)
    worst_v, worst_expr, n_policies = -np.inf, -np.inf, 0
    for _ in range(draws):
        n_m, n_a = int(rng.integers(1, 5)), int(rng.integers(2, 5))
        pi = rng.dirichlet(np.ones(n_m))
        u = rng.uniform(0, 3, (n_m, n_a))
        y = rng.uniform(-1, 1, (n_m, n_a))
        y[:, 0] = -rng.uniform(0.1, 1, n_m)  # Slater: a cheap action in every state
        lam, g = _dual(u, y, pi)
        i = int(np.argmin(g))
        u_opt, lam_opt = float(g[i]), float(lam[i])
        # greedy policies around lambda* (on the supporting line) and random randomized ones
        rounds = []
        for ell in (lam_opt * 0.5, lam_opt * 0.99, lam_opt * 1.01, lam_opt * 2 + 0.1):
            a = (u - ell * y).argmax(axis=1)
            x = np.zeros((n_m, n_a))
            x[np.arange(n_m), a] = 1.0
            rounds.append(x)
        rounds += list(rng.dirichlet(np.ones(n_a) * 0.3, size=(4, n_m)))
        for _ in range(4):  # a horizon of T = 3 rounds, each a different decision rule
            pick = rng.integers(len(rounds), size=3)
            Eu_t = np.array([pi @ (rounds[j] * u).sum(axis=1) for j in pick])
            Ey_t = np.array([pi @ (rounds[j] * y).sum(axis=1) for j in pick])
            ub, yb = float(Eu_t.mean()), float(Ey_t.mean())
            v = float((g + lam * yb).min())  # v(b) = min_lambda g(lambda) + lambda b
            worst_v = max(worst_v, ub - v)
            worst_expr = max(worst_expr, ub - float(f(u_opt, lam_opt, yb)))
            n_policies += 1
    if worst_v <= 1e-9 and worst_expr <= 1e-9:
        return Sampling(
            True,
            f"{n_policies} policies on {draws} random problems: E[ū] − v(E[ȳ]) ≤ 1e-9 and "
            "E[ū] − bound ≤ 1e-9",
        )
    return Sampling(
        False,
        f"refuted: over {n_policies} policies, max (E[ū] − v(E[ȳ])) = {worst_v:.3g}, "
        f"max |E[ū] − bound|⁺ = {max(worst_expr, 0):.3g}",
    )


@dataclass(frozen=True)
class RegretIdentity(Obligation):
    """R_T ≥ 0 on every path and u* − E[ū_T] = E[R_T] − λ*·E[ȳ_T] (SPEC §5.1)."""

    name: str = "regret_identity"
    regret: sp.Expr = phi_bar - u_bar + lambda_star * y_bar
    gap: sp.Expr = R_bar - lambda_star * Ey

    title = "Regret identity (low-variance utility gap)"
    spec = "§5.1"
    summary = (
        "With ū and ȳ the expected utility and cost of the chosen (state, action) pairs, the "
        "regret R_T = φ̄_T − (1/T)·Σ_t (ū − λ*·ȳ)(m_t, a_t) is ≥ 0 on every path, and "
        "u* − E[ū_T] = E[R_T] − λ*·E[ȳ_T]: the utility gap without the outcome noise of N_t."
    )
    assumptions = (
        "ū_T = (1/T)·Σ_t ū(m_t, a_t) and ȳ_T = (1/T)·Σ_t ȳ(m_t, a_t) (closed forms of the chosen "
        "menu actions)",
        "ω_t independent of the past, so E[φ̄_T] = g(λ*) = u*",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.Eq(u_star - Eu, self.gap, evaluate=False)

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        return {"regret": self.regret, "gap": self.gap}

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return (
            *((s, MEANING[s]) for s in (u_star, lambda_star, u_bar, y_bar, phi_bar)),
            (R_bar, MEANING[R_bar]),
            (Ey, MEANING[Ey]),
        )

    def steps(self) -> tuple[Step, ...]:
        return (
            Step(
                "Each round's term φ_{m_t}(λ*) − (ū − λ*·ȳ)(m_t, a_t) = r_t ≥ 0 (φ is the maximum "
                "over actions), so the average R_T is ≥ 0 on every path:",
                phi_m - (phi_m - slack),
                "nonnegative",
            ),
            Step(
                "Taking expectations with E[φ̄_T] = u*: E[R_T] = u* − E[ū_T] + λ*·E[ȳ_T]; then "
                "u* − E[ū_T] − (E[R_T] − λ*·E[ȳ_T]) = 0:",
                (u_star - Eu)
                - self.gap.subs(
                    R_bar,
                    self.regret.subs({phi_bar: Ephi, u_bar: Eu, y_bar: Ey}).subs(Ephi, u_star),
                ),
                "zero",
            ),
        )
