"""Speculative (rejection) sampling and inverse-CDF samplers, vectorized (SPEC §3).

A drafted token x ~ q is accepted with probability min(1, p(x)/q(x)), tested as ``u·q(x) < p(x)``
with a uniform u in [0, 1). At the first rejection the edge samples the residual
norm(max(p - q, 0)); when every sent token is accepted it samples a bonus token from p at the next
position. One round therefore emits tokens distributed exactly as target-only sampling
(Chen et al. 2023, Thm 1): ``output_law(p, q) == p``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "AliasSampler",
    "accept_test",
    "inverse_cdf",
    "output_law",
    "residual",
    "speculative_verify",
]


def inverse_cdf(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Sample one index per row of ``probs`` (B, V) from uniforms ``u`` (B,) in [0, 1).

    Rows need not be normalized (they are, by their total). The index is the first one whose
    cumulative mass exceeds ``u``, so a zero-mass token is never returned.
    """
    cdf = np.cumsum(probs, axis=-1)
    cdf /= cdf[..., -1:]
    idx = (cdf <= np.asarray(u)[..., None]).sum(axis=-1)
    return np.minimum(idx, probs.shape[-1] - 1)


def residual(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """norm(max(p - q, 0)) along the last axis; rows with p == q (no residual mass) give p."""
    r = np.maximum(p - q, 0.0)
    mass = r.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mass > 0, r / np.where(mass > 0, mass, 1.0), p)


def output_law(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Exact law of the token emitted at one position: min(p, q) + (1 - beta)·residual(p, q).

    beta = sum min(p, q) is the acceptance probability. Equals p for every p, q (SPEC §3, §5).
    """
    accepted = np.minimum(p, q)
    beta = accepted.sum(axis=-1, keepdims=True)
    return accepted + (1.0 - beta) * residual(p, q)


def accept_test(p_x: np.ndarray, q_x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """True where a drafted token with probabilities p(x), q(x) > 0 passes the test u < p/q."""
    return u * q_x < p_x


def speculative_verify(
    p_rows: np.ndarray,
    q_rows: np.ndarray,
    draft_tokens: np.ndarray,
    u_accept: np.ndarray,
    u_final: np.ndarray,
    sent: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Verify drafted tokens against the target, for arbitrary distributions.

    ``p_rows`` (B, k+1, V) target distributions at positions 1..k+1, ``q_rows`` (B, k, V) draft
    distributions, ``draft_tokens`` (B, k) int (drawn from q), ``u_accept`` (B, k) and ``u_final``
    (B,) uniforms, ``sent`` (B,) the number of tokens actually sent (default k).
    Returns the accepted count A (B,) and the emitted extra token (B,) — the residual sample at
    position A+1 if A < sent, else the bonus sample from p at position sent+1.
    """
    B, k = draft_tokens.shape
    sent = np.full(B, k) if sent is None else np.asarray(sent)
    rows = np.arange(B)[:, None]
    cols = np.arange(k)[None, :]
    p_x = p_rows[rows, cols, draft_tokens]
    q_x = q_rows[rows, cols, draft_tokens]
    ok = accept_test(p_x, q_x, u_accept) & (cols < sent[:, None])
    A = np.cumprod(ok, axis=1).sum(axis=1)
    b = np.arange(B)
    p_f = p_rows[b, A]
    rejected = A < sent
    final_rows = p_f.copy()
    if rejected.any():
        q_f = q_rows[b[rejected], A[rejected]]
        final_rows[rejected] = residual(p_f[rejected], q_f)
    return A, inverse_cdf(final_rows, u_final)


class AliasSampler:
    """O(1) sampling from a fixed table of R distributions (R, V) by Walker's alias method.

    One uniform u per draw: column v = floor(u·V), and the fractional part of u·V decides between
    v (with probability ``prob[r, v]``) and ``alias[r, v]``. Zero-mass tokens are never returned.
    Built once (Vose's construction, a short Python loop per row); sampling is two gathers. Each
    row carries one guard column v = V (keep probability 0) for the case u·V rounds up to V.
    """

    def __init__(self, probs: np.ndarray) -> None:
        probs = np.asarray(probs, dtype=float)
        probs = probs / probs.sum(axis=1, keepdims=True)
        R, V = probs.shape
        self.V = V
        self.prob = np.zeros((R, V + 1))
        self.alias = np.tile(np.arange(V + 1), (R, 1))
        for r in range(R):
            self.prob[r, :V], self.alias[r, :V] = _vose(probs[r])
        self.alias[:, V] = np.argmax(probs, axis=1)
        self._prob_flat, self._alias_flat = self.prob.ravel(), self.alias.ravel()
        self._single = R == 1

    def sample(self, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One token per (row, uniform) pair; ``rows`` and ``u`` of one shape, u in [0, 1)."""
        scaled = np.asarray(u) * self.V
        col = scaled.astype(np.intp)
        flat = col if self._single else rows * (self.V + 1) + col
        keep = scaled - col < self._prob_flat.take(flat)
        return np.where(keep, col, self._alias_flat.take(flat))

    def sample_one(self, row: int, u: float) -> int:
        """Scalar version of :meth:`sample` (for the per-trajectory reference loop)."""
        scaled = u * self.V
        col = int(scaled)
        return col if scaled - col < self.prob[row, col] else int(self.alias[row, col])


def _vose(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    V = p.shape[0]
    scaled = (p * V).tolist()
    prob = [1.0] * V
    alias = list(range(V))
    small = [i for i, s in enumerate(scaled) if s < 1.0]
    large = [i for i, s in enumerate(scaled) if s >= 1.0]
    while small and large:
        lo, hi = small.pop(), large.pop()
        prob[lo], alias[lo] = scaled[lo], hi
        scaled[hi] += scaled[lo] - 1.0
        (small if scaled[hi] < 1.0 else large).append(hi)
    top = int(np.argmax(p))
    for i in small + large:  # leftovers hold mass 1 up to rounding; never keep a zero-mass token
        prob[i], alias[i] = (1.0, i) if p[i] > 0 else (0.0, top)
    return np.asarray(prob), np.asarray(alias)
