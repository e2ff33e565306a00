"""Concavity and unimodality of the per-slot DPP objective of SPEC §4.

With x = s^K and p = ln a / ln s ≥ 1, V·E[N] − Q·E[E] = V − Q·e_0 + f(x) with
f(x) = V·a/(1 − a)·(1 − x^p) − Q·(e_c + e_tx·s)/(1 − s)·(1 − x), concave in x. The objective is
unimodal in K, both as a function of a real K and as a sequence, so the integer optimum is one of
the two integers next to the continuous one; that last consequence is also checked by numeric
sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from gelato_theory.symbolic.geometric import expected_computed, expected_sent, expected_tokens
from gelato_theory.symbolic.obligation import Obligation, Sampling, Step
from gelato_theory.symbolic.symbols import MEANING, Q, V

s = sp.Symbol("s", positive=True)  # pass probability, 0 < s < 1
a = sp.Symbol("a", positive=True)  # pass-and-accept probability, 0 < a <= s
p = sp.Symbol("p", positive=True)  # ln a / ln s >= 1
x = sp.Symbol("x", positive=True)  # s^K in (0, 1]
K = sp.Symbol("K", real=True)
k = sp.Symbol("K", integer=True, nonnegative=True)
e_c = sp.Symbol("e_c", nonnegative=True)  # J per computed position
e_tx = sp.Symbol("e_tx", nonnegative=True)  # J per sent token in the observed channel state
e_0 = sp.Symbol("e_0", nonnegative=True)  # J per round
b = sp.Symbol("b", positive=True)  # a = 1/(1 + b) or s = 1/(1 + b)
c = sp.Symbol("c", nonnegative=True)  # a = s/(1 + c)
dp = sp.Symbol("d", nonnegative=True)  # p = 1 + d
delta = sp.Symbol("delta", positive=True)  # p = 1 + delta > 1
sigma = sp.Symbol("sigma", positive=True)  # s = 1/(1 + sigma)

SEED = 20260515
SAMPLES = 20000


def round_objective(K_: sp.Expr = K) -> sp.Expr:
    """V·E[N] − Q·E[E] for one round with budget K (SPEC §4), tokens."""
    energy = e_0 + e_c * expected_computed(s, K_) + e_tx * expected_sent(s, K_)
    return V * expected_tokens(a, K_) - Q * energy


def slot_objective_expr() -> sp.Expr:
    """f(x) = V·a/(1 − a)·(1 − x^p) − Q·(e_c + e_tx·s)/(1 − s)·(1 − x)."""
    return V * a / (1 - a) * (1 - x**p) - Q * (e_c + e_tx * s) / (1 - s) * (1 - x)


def stationary_point_expr() -> sp.Expr:
    """x* with f'(x*) = 0: (Q·(e_c + e_tx·s)·(1 − a)/(V·a·p·(1 − s)))^{1/(p − 1)}."""
    return (Q * (e_c + e_tx * s) * (1 - a) / (V * a * p * (1 - s))) ** (1 / (p - 1))


@dataclass(frozen=True)
class SlotObjective(Obligation):
    """The per-slot objective is concave in x = s^K and unimodal in K (SPEC §4)."""

    name: str = "slot_objective_unimodality"
    objective: sp.Expr = slot_objective_expr()
    stationary_point: sp.Expr = stationary_point_expr()

    title = "Concavity and unimodality of the per-slot objective"
    spec = "§4, §5"
    summary = (
        "With x = s^K and p = ln a / ln s ≥ 1 the per-round objective V·E[N] − Q·E[E] equals "
        "V − Q·e_0 + V·a/(1 − a)·(1 − x^p) − Q·(e_c + e_tx·s)/(1 − s)·(1 − x), concave in x; it is "
        "unimodal in K, so the integer optimum is next to the continuous one."
    )
    assumptions = (
        "0 < a ≤ s < 1 (a ≤ s because every β_j ≤ 1)",
        "V > 0, Q ≥ 0, e_c, e_tx, e_0 ≥ 0",
        "η = ∞ (s = 1) is the separate case −exp(K·ln α) of SPEC §4",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.LessThan(sp.Derivative(self.objective, (x, 2)), 0, evaluate=False)

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return (
            (V, MEANING[V]),
            (Q, MEANING[Q]),
            (s, "s(η): pass probability per position, 0 < s < 1"),
            (a, "a(η): pass-and-accept probability per position, 0 < a ≤ s"),
            (p, "p = ln a / ln s ≥ 1"),
            (x, "x = s^K in (0, 1]"),
            (e_c, "energy per computed position, J"),
            (e_tx, "energy per sent token in the observed channel state, J"),
            (e_0, "energy per round, J"),
        )

    def steps(self) -> tuple[Step, ...]:
        f = self.objective
        g = round_objective(K)
        fprime = sp.diff(f, x)
        increment = round_objective(k + 1) - round_objective(k)
        h = V * a * (a / s) ** k - Q * (e_c + e_tx * s)
        return (
            Step("Per-round objective V·E[N] − Q·E[E] for a real budget K:", g),
            Step(
                "With a = s^p and K = ln x / ln s (so s^K = x, a^K = x^p) it equals "
                "V − Q·e_0 + f(x) (difference = 0):",
                g.subs(a, s**p).subs(K, sp.log(x) / sp.log(s)) - (V - Q * e_0) - f.subs(a, s**p),
                "zero",
            ),
            Step(
                "p ≥ 1: with s = 1/(1 + b), a = s/(1 + c) (b > 0, c ≥ 0), p − 1 ≥ 0:",
                (sp.log(a) / sp.log(s) - 1).subs(a, s / (1 + c)).subs(s, 1 / (1 + b)),
                "nonnegative",
            ),
            Step(
                "Concavity: f''(x) ≤ 0 for a = 1/(1 + b), p = 1 + d (b > 0, d ≥ 0):",
                sp.Derivative(f, (x, 2)).subs({a: 1 / (1 + b), p: 1 + dp}),
                "nonpositive",
            ),
            Step(
                "For p > 1 the stationary point x* solves f'(x*) = 0; with a = 1/(1 + b), "
                "s = 1/(1 + σ), p = 1 + δ (b, σ, δ > 0) the value of f' there is 0:",
                fprime.subs(x, self.stationary_point).subs(
                    {a: 1 / (1 + b), s: 1 / (1 + sigma), p: 1 + delta}
                ),
                "zero",
            ),
            Step(
                "Chain rule: d/dK f(s^K) = f'(s^K)·s^K·ln s (difference = 0). As s^K·ln s < 0 and f' "
                "is non-increasing in x while x = s^K decreases in K, the sign of the derivative "
                "changes at most once, from + to −: f(s^K) is unimodal in real K.",
                sp.Derivative(f.subs(x, s**K), K) - fprime.subs(x, s**K) * s**K * sp.log(s),
                "zero",
            ),
            Step(
                "Integer budgets: the increment g(K+1) − g(K) equals s^K·h(K) with "
                "h(K) = V·a·(a/s)^K − Q·(e_c + e_tx·s) (difference = 0):",
                increment - s**k * h,
                "zero",
            ),
            Step(
                "h is non-increasing (a = s/(1 + c), c ≥ 0): h(K+1) − h(K) ≤ 0, so the increments "
                "change sign at most once, from + to −:",
                (h.subs(k, k + 1) - h).subs(a, s / (1 + c)),
                "nonpositive",
            ),
            Step(
                "Numeric sampling: the integer maximizer over {0..K_max} is ⌊K_c⌋ or ⌈K_c⌉, K_c the "
                "continuous maximizer from x*, and the increments change sign at most once:",
                None,
                "numeric",
                sampler=lambda: sample_integer_optimum(self.objective, self.stationary_point),
            ),
        )


def _instances(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Random per-slot instances with 0 < a ≤ s < 1 plus a small grid; deterministic per seed."""
    s_grid, r_grid, q_grid = np.meshgrid(
        np.linspace(0.1, 0.95, 10), np.linspace(0.1, 1.0, 10), np.logspace(-3, 3, 13)
    )
    m = s_grid.size
    s_ = np.concatenate([rng.uniform(0.02, 0.995, n), s_grid.ravel()])
    ratio = np.concatenate([rng.uniform(0.02, 1.0, n), r_grid.ravel()])
    ratio[: n // 20] = 1.0  # a = s (p = 1) included
    return {
        "s": s_,
        "a": s_ * ratio,
        "V": np.concatenate([10 ** rng.uniform(-1, 2, n), np.full(m, 10.0)]),
        "Q": np.concatenate(
            [np.where(rng.random(n) < 0.05, 0.0, 10 ** rng.uniform(-3, 3, n)), q_grid.ravel()]
        ),
        "e_c": np.concatenate([10 ** rng.uniform(-3, 0, n), np.full(m, 0.05)]),
        "e_tx": np.concatenate([10 ** rng.uniform(-3, 0, n), np.full(m, 0.2)]),
        "K_max": np.concatenate([rng.integers(1, 31, n), np.full(m, 20)]),
    }


def sample_integer_optimum(objective: sp.Expr, stationary: sp.Expr, seed: int = SEED) -> Sampling:
    """Check, over many instances, that the integer optimum sits next to the continuous one."""
    syms = (V, Q, a, s, e_c, e_tx, p, x)
    f = sp.lambdify(syms, objective, modules="numpy")
    xstar = sp.lambdify(syms[:-1], stationary, modules="numpy")
    inst = _instances(np.random.default_rng(seed), SAMPLES)
    n, k_max = inst["s"].size, inst["K_max"]
    pp = np.log(inst["a"]) / np.log(inst["s"])
    args = (inst["V"], inst["Q"], inst["a"], inst["s"], inst["e_c"], inst["e_tx"], pp)
    ks = np.arange(int(k_max.max()) + 1)
    vals = f(*(np.asarray(v)[:, None] for v in args), inst["s"][:, None] ** ks[None, :])
    vals = np.where(ks[None, :] <= k_max[:, None], vals, -np.inf)
    best = vals.max(axis=1)
    scale = 1e-9 * (1.0 + np.abs(vals[:, :1]) + np.abs(best[:, None]))[:, 0]
    # continuous maximizer: x* for p > 1; for p = 1 f is linear and the optimum is an endpoint
    x_lo = inst["s"] ** k_max
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        xs = np.where(pp > 1 + 1e-9, xstar(*args), np.nan)
    slope_at_1 = f(*args, np.ones(n)) - f(*args, x_lo)
    xs = np.where(np.isnan(xs), np.where(slope_at_1 >= 0, 1.0, x_lo), xs)
    xs = np.clip(xs, x_lo, 1.0)
    k_c = np.clip(np.log(xs) / np.log(inst["s"]), 0, k_max)
    lo, hi = np.floor(k_c).astype(int), np.ceil(k_c).astype(int)
    rows = np.arange(n)
    near = np.maximum(vals[rows, lo], vals[rows, hi])
    bad_opt = best - near > scale
    with np.errstate(invalid="ignore"):
        steps = np.diff(vals, axis=1)
    steps = np.where(np.isfinite(steps), steps, 0.0)
    fell = np.cumsum(steps < -scale[:, None], axis=1) > 0
    bad_shape = (fell[:, :-1] & (steps[:, 1:] > scale[:, None])).any(axis=1)
    bad = bad_opt | bad_shape
    if not bad.any():
        return Sampling(
            True, f"{n} instances (seeded random and a grid over s, a/s, Q): no violation"
        )
    i = int(np.argmax(bad))
    return Sampling(
        False,
        f"{int(bad.sum())} of {n} instances fail; e.g. s={inst['s'][i]:.4g}, a={inst['a'][i]:.4g}, "
        f"V={inst['V'][i]:.4g}, Q={inst['Q'][i]:.4g}: integer optimum {int(vals[i].argmax())}, "
        f"K_c={k_c[i]:.4g}",
    )
