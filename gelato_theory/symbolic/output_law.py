"""The output law of speculative sampling (SPEC §3, §5): min(p, q) + (1 − β)·norm(max(p − q, 0)) = p.

One round's first emitted token is the draft token when accepted (probability min(p, q) per token)
and a residual sample otherwise (probability 1 − β, law norm(max(p − q, 0))); the sum is the target
law p (Chen et al. 2023, Thm 1). Proved per vocabulary entry by a case split, and checked by
vectorized numeric sampling over many (p, q), including p = q, disjoint supports, one-hot and tiny
probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from gelato_theory.symbolic.obligation import Obligation, Sampling, Step

p = sp.Symbol("p", nonnegative=True)  # target probability of one token
q = sp.Symbol("q", nonnegative=True)  # draft probability of the same token
beta = sp.Symbol("beta", nonnegative=True)  # acceptance probability sum_x min(p, q)
R = sp.Symbol("R", nonnegative=True)  # residual mass sum_x max(p - q, 0)
d = sp.Symbol("d", nonnegative=True)
d_pos = sp.Symbol("d", positive=True)
gamma = sp.Symbol("gamma", positive=True)  # 1 - beta > 0
x = sp.Symbol("x", integer=True)
n = sp.Symbol("n", integer=True, positive=True)
P, Mn = sp.IndexedBase("p"), sp.IndexedBase("m")

TOLERANCE = 1e-12
SEED = 20260514


def output_law_expr() -> sp.Expr:
    """Probability that the first emitted token is a given token: min(p, q) + (1 − β)·r/R."""
    return sp.Min(p, q) + (1 - beta) * sp.Max(p - q, 0) / R


@dataclass(frozen=True)
class OutputLaw(Obligation):
    """Speculative sampling emits exactly the target law p (SPEC §3)."""

    name: str = "sd_output_law"
    law: sp.Expr = output_law_expr()

    title = "Output law of speculative sampling"
    spec = "§3, §5"
    summary = (
        "For target p and draft q over one vocabulary, with β = Σ_x min(p, q): the first token "
        "emitted by a round has law min(p, q) + (1 − β)·norm(max(p − q, 0)) = p."
    )
    assumptions = (
        "p and q are probability vectors over the same vocabulary",
        "R = Σ_x max(p_x − q_x, 0) is the residual mass; when β = 1 the residual is never sampled",
    )

    @property
    def statement(self) -> sp.Basic:
        return sp.Eq(self.law, p, evaluate=False)

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        return (
            (p, "target probability p(x) of one token x"),
            (q, "draft probability q(x) of the same token"),
            (beta, "acceptance probability β = Σ_x min(p(x), q(x))"),
            (R, "residual mass Σ_x max(p(x) − q(x), 0)"),
        )

    def steps(self) -> tuple[Step, ...]:
        split = sp.Min(p, q) + sp.Max(p - q, 0) - p
        normalized = self.law.subs(R, 1 - beta).subs(beta, 1 - gamma) - p
        sum_p, sum_m = sp.Sum(P[x], (x, 1, n)), sp.Sum(Mn[x], (x, 1, n))
        return (
            Step(
                "Per token, min(p, q) + max(p − q, 0) = p. Case p ≥ q (q = p − d, d ≥ 0):",
                split.subs(q, p - d),
                "zero",
            ),
            Step("Case p < q (q = p + d, d > 0):", split.subs(q, p + d_pos), "zero"),
            Step(
                "Summing over the vocabulary (m = min(p, q)): R = Σ(p − m) = Σp − Σm = 1 − β "
                "by linearity (difference = 0):",
                sp.Sum(P[x] - Mn[x], (x, 1, n)) - (sum_p - sum_m),
                "zero",
            ),
            Step(
                "Case β < 1 (1 − β = γ > 0, R = 1 − β), token with p ≥ q: law − p = 0:",
                normalized.subs(q, p - d),
                "zero",
            ),
            Step("token with p < q: law − p = 0:", normalized.subs(q, p + d_pos), "zero"),
            Step(
                "Case β = 1: R = 0, so every max(p − q, 0) = 0 (p ≤ q, q = p + d) and the residual "
                "carries weight 1 − β = 0: law − p = 0:",
                self.law.subs(beta, 1).subs(q, p + d) - p,
                "zero",
            ),
            Step(
                "Numeric sampling of the same expression over many (p, q) vectors:",
                sp.Eq(self.law, p, evaluate=False),
                "numeric",
                sampler=lambda: sample_output_law(self.law),
            ),
        )


def _cases(rng: np.random.Generator) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, p, q) batches of shape (n, V); deterministic for a fixed generator."""

    def simplex(n: int, v: int, conc: float) -> np.ndarray:
        return rng.dirichlet(np.full(v, conc), size=n)

    out = []
    for v in (2, 3, 5, 17, 64, 257):
        for conc in (0.05, 1.0, 20.0):
            out.append((f"random V={v}", simplex(400, v, conc), simplex(400, v, conc)))
    same = simplex(500, 17, 1.0)
    out.append(("p = q", same, same.copy()))
    v = 16
    half = np.zeros((500, v))
    half[:, : v // 2] = simplex(500, v // 2, 1.0)
    other = np.zeros((500, v))
    other[:, v // 2 :] = simplex(500, v // 2, 1.0)
    out.append(("disjoint supports", half, other))
    eye = np.eye(v)
    idx_p, idx_q = rng.integers(0, v, 500), rng.integers(0, v, 500)
    out.append(("one-hot p and q", eye[idx_p], eye[idx_q]))
    out.append(("one-hot p", eye[idx_p], simplex(500, v, 1.0)))
    out.append(("one-hot q", simplex(500, v, 1.0), eye[idx_q]))
    tiny = simplex(500, 64, 1.0) * np.where(rng.random((500, 64)) < 0.5, 1e-300, 1.0)
    tiny /= tiny.sum(axis=1, keepdims=True)
    out.append(("tiny probabilities", tiny, simplex(500, 64, 0.1)))
    grid = np.array([(i, j, 10 - i - j) for i in range(11) for j in range(11 - i)]) / 10.0
    gp, gq = np.repeat(grid, len(grid), axis=0), np.tile(grid, (len(grid), 1))
    out.append(("simplex grid V=3 step 0.1", gp, gq))
    return out


def sample_output_law(law: sp.Expr, seed: int = SEED) -> Sampling:
    """Evaluate ``law`` (in p, q, beta, R) on many (p, q) and compare with p entrywise."""
    f = sp.lambdify((p, q, beta, R), law, modules="numpy")
    total, worst, where = 0, 0.0, ""
    for label, pp, qq in _cases(np.random.default_rng(seed)):
        m = np.minimum(pp, qq)
        b = m.sum(axis=1, keepdims=True)
        r_mass = np.maximum(pp - qq, 0.0).sum(axis=1, keepdims=True)
        safe = np.where(r_mass > 0, r_mass, 1.0)  # the residual is never sampled when R = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            got = np.broadcast_to(f(pp, qq, b, safe), pp.shape)
        err = np.abs(got - pp)
        err = np.where(np.isfinite(err), err, np.inf)
        total += pp.shape[0]
        if err.max() > worst:
            worst, where = float(err.max()), label
    labels = "random V in {2,3,5,17,64,257}, p = q, disjoint supports, one-hot, tiny, grid"
    if worst <= TOLERANCE:
        return Sampling(True, f"{total} (p, q) pairs ({labels}): |law − p| ≤ {TOLERANCE:g}")
    return Sampling(False, f"{total} (p, q) pairs: max |law − p| = {worst:.3g} ({where})")
