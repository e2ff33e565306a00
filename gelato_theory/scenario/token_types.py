"""Token-type tables (SPEC §2): weights w_j, draft entropies H_j and acceptances beta_j.

A *synthetic* table also carries the distributions themselves: for each type j a target p_j and a
draft q_j over a shared vocabulary, generated from a seed. Target logits are standard normal draws
scaled by a per-type sharpness (spread between ``sharpness[0]`` and ``sharpness[1]``, so target
entropies spread from near-uniform to near-deterministic); the draft sees the same logits plus
Gaussian noise of standard deviation ``mismatch``. Flat (high-entropy) types are then the ones where
the draft is most often wrong, which gives the entropy-acceptance relation the early exit relies on.
With ``draft_scale`` < 1 the draft sees the target's logits scaled down (an underconfident draft): on
types whose target is only moderately sharp the draft is then flat and mostly wrong, so high draft
entropy predicts rejection strongly (``draft_scale`` = 1, the default, is the plain perturbation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gelato_theory.errors import ScenarioError
from gelato_theory.scenario.model import TokenConfig


@dataclass(frozen=True, eq=False)
class TokenTypes:
    """J token types: w (J,), H (J,) nats, beta (J,), and for synthetic tables p, q (J, vocab)."""

    w: np.ndarray
    H: np.ndarray
    beta: np.ndarray
    p: np.ndarray | None = None
    q: np.ndarray | None = None

    @property
    def J(self) -> int:
        return int(self.w.shape[0])

    def pass_and_accept(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """s(eta) = sum_j w_j 1{H_j <= eta} and a(eta) = sum_j w_j beta_j 1{H_j <= eta} per threshold."""
        passes = self.H[None, :] <= np.asarray(thresholds, dtype=float)[:, None]
        s = passes @ self.w
        a = passes @ (self.w * self.beta)
        return np.clip(s, 0.0, 1.0), np.clip(a, 0.0, 1.0)


def entropy_nats(dist: np.ndarray) -> np.ndarray:
    """Shannon entropy -sum p log p along the last axis, in nats (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(dist > 0, dist * np.log(dist), 0.0)
    return -terms.sum(axis=-1)


def acceptance(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """beta = sum_x min(p(x), q(x)) = 1 - TV(p, q) along the last axis."""
    return np.minimum(p, q).sum(axis=-1)


def softmax(z: np.ndarray) -> np.ndarray:
    """Numerically stable softmax along the last axis."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def token_types(cfg: TokenConfig) -> TokenTypes:
    """The token-type table of a scenario (cached per configuration)."""
    return _token_types_cached(cfg)


@lru_cache(maxsize=64)
def _token_types_cached(cfg: TokenConfig) -> TokenTypes:
    if cfg.model in ("ngram", "hf"):
        raise ScenarioError(
            "tokens.model",
            cfg.model,
            "has no closed-form type table: calibrate it first "
            "(gelato_theory.simulation.prepare.prepare does this for every command)",
        )
    if cfg.model == "table":
        H = np.asarray(cfg.entropies, dtype=float)
        beta = np.asarray(cfg.acceptances, dtype=float)
        p, q = table_pair(H, beta)
        return _frozen(TokenTypes(w=np.asarray(cfg.weights, dtype=float), H=H, beta=beta, p=p, q=q))
    return synthetic_types(
        cfg.types, cfg.vocab, cfg.seed, cfg.sharpness, cfg.mismatch, cfg.draft_scale
    )


TABLE_VOCAB_CAP = 4096


def table_pair(H: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Target and draft distributions (J, n + 1) realizing a table's types, so that the executor
    samples real tokens for ``tokens.model = "table"``: q_j puts 1 - x on token 0 and x evenly on
    tokens 1..n-1, x chosen by bisection so that H(q_j) = H_j (n = ceil(e^{max H}) + 1, at most
    TABLE_VOCAB_CAP; larger entropies get the uniform q); p_j = beta_j q_j + (1 - beta_j) on the
    extra token n, which q never draws, so sum_x min(p_j, q_j) = beta_j exactly and every drafted
    token is accepted with probability beta_j. The executor's entropy test reads H_j itself."""
    J = H.size
    n = int(
        min(max(math.ceil(math.exp(min(float(H.max(initial=0.0)), 20.0))) + 1, 2), TABLE_VOCAB_CAP)
    )
    lo, hi = np.zeros(J), np.full(J, (n - 1) / n)  # f(x) increases from 0 to log n on [lo, hi]
    target = np.minimum(H, math.log(n))
    for _ in range(80):
        x = (lo + hi) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            f = -np.where(x < 1, (1 - x) * np.log1p(-x), 0.0) - np.where(
                x > 0, x * np.log(x / (n - 1)), 0.0
            )
        below = f < target
        lo, hi = np.where(below, x, lo), np.where(below, hi, x)
    x = (lo + hi) / 2
    q = np.zeros((J, n + 1))
    q[:, 0] = 1 - x
    q[:, 1:n] = (x / (n - 1))[:, None]
    p = beta[:, None] * q
    p[:, n] += 1 - beta
    return p, q


def synthetic_types(
    J: int,
    vocab: int,
    seed: int,
    sharpness: tuple[float, float],
    mismatch: float,
    draft_scale: float = 1.0,
) -> TokenTypes:
    """Generate J (p_j, q_j) pairs over ``vocab`` tokens from ``seed`` (see module docstring)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6E1A70]))
    scale = np.linspace(sharpness[0], sharpness[1], J)
    z = rng.standard_normal((J, vocab)) * scale[:, None]
    p = softmax(z)
    q = softmax(draft_scale * z + mismatch * rng.standard_normal((J, vocab)))
    w = rng.dirichlet(np.full(J, 2.0))
    return _frozen(TokenTypes(w=w, H=entropy_nats(q), beta=acceptance(p, q), p=p, q=q))


def _frozen(t: TokenTypes) -> TokenTypes:
    for arr in (t.w, t.H, t.beta, t.p, t.q):
        if arr is not None:
            arr.setflags(write=False)
    return t
