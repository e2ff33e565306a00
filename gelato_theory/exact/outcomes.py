"""The exact distribution of one round's (computed, sent) counts (SPEC §2).

With budget K and pass probability s, drafting stops at the first position whose entropy exceeds
eta, so the realizable outcomes are (c, k) = (i, i-1) with probability s^(i-1) (1-s) for i = 1..K,
and (K, K) with probability s^K. K = 0 gives (0, 0) with probability 1. Every energy or time of a
round is affine in (c, k), so this law gives exact second moments and the realizable ranges that
the constant B of Lemma 1 needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class OutcomeLaw:
    """Outcomes (c, k) of shape (A, K_max + 1) and their probabilities (A, K_max + 1)."""

    c: np.ndarray
    k: np.ndarray
    prob: np.ndarray

    def support(self) -> np.ndarray:
        """Boolean mask of outcomes with positive probability."""
        return self.prob > 0


def outcome_law(K: np.ndarray, s: np.ndarray) -> OutcomeLaw:
    """Law of (c, k) for every action (budget K, pass probability s)."""
    K = np.asarray(K, dtype=int)
    s = np.asarray(s, dtype=float)
    k_max = int(K.max(initial=0))
    i = np.arange(1, k_max + 1)[None, :]  # stop at position i: (i, i-1)
    stop_prob = np.where(i <= K[:, None], s[:, None] ** (i - 1) * (1.0 - s[:, None]), 0.0)
    full_prob = np.where(K > 0, s**K, 1.0)  # all K passed (or K = 0: nothing drafted)
    c = np.concatenate([np.broadcast_to(i, stop_prob.shape), K[:, None]], axis=1)
    k = np.concatenate([np.broadcast_to(i - 1, stop_prob.shape), K[:, None]], axis=1)
    prob = np.concatenate([stop_prob, full_prob[:, None]], axis=1)
    return OutcomeLaw(c=c.astype(float), k=k.astype(float), prob=prob)
