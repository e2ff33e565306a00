"""In-round stopping rules for drafting (SPEC §2, §4), vectorized with per-trajectory parameters.

At drafted position i = 1, 2, ... a rule decides, per trajectory, whether to send the token just
drafted, from the draft entropies H_1..H_i (nats). "Not sent" means the position was computed (paid
for) but drafting ends for the round. A rule answers for all positions at once:
``send_mask(H)`` maps entropies (B, n) to a bool (B, n) array whose column i depends only on columns
0..i — so the engine may call it on all drafted positions together (i.i.d. positions) or on a
growing prefix (sequential drafting); only the leading run of True matters.

Parameters are arrays of shape (B,) (scalars broadcast), one entry per trajectory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "CumulativeAcceptance",
    "FixedThreshold",
    "QueueAware",
    "StopRule",
    "beta_hat",
    "no_early_exit",
]


def beta_hat(H: np.ndarray, gamma: float) -> np.ndarray:
    """Entropy-based acceptance estimate max(0, 1 - sqrt(gamma·H)) (AdaEDL/SVIP; SPEC §4)."""
    return np.maximum(0.0, 1.0 - np.sqrt(gamma * np.asarray(H, dtype=float)))


@runtime_checkable
class StopRule(Protocol):
    """What the round engine needs from a stopping rule."""

    def send_mask(self, H: np.ndarray) -> np.ndarray:
        """(B, n) entropies of positions 1..n -> (B, n) bool: is token i sent (if reached)?"""
        ...


def _col(v: np.ndarray | float) -> np.ndarray:
    """Per-trajectory parameter as a column (B, 1) (or (1, 1) for a scalar)."""
    return np.reshape(np.asarray(v, dtype=float), (-1, 1))


def _running_product(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pi_{i-1}, pi_i) along axis 1 for pi_i = prod_{l<=i} b_l, pi_0 = 1: the products of
    ``np.cumprod`` (same order, so the same bits), one column step at a time (faster than an
    accumulate along short rows)."""
    before = np.empty_like(b, dtype=float)
    if b.shape[1]:
        before[:, 0] = 1.0
    for i in range(1, b.shape[1]):
        np.multiply(before[:, i - 1], b[:, i - 1], out=before[:, i])
    return before, before * b


@dataclass(frozen=True, eq=False)
class FixedThreshold:
    """Send token i while H_i <= eta (SPEC §2); eta = +inf disables the early exit."""

    eta: np.ndarray | float

    def send_mask(self, H: np.ndarray) -> np.ndarray:
        return H <= _col(self.eta)


def no_early_exit() -> FixedThreshold:
    """Draft the full budget K: FixedThreshold(+inf)."""
    return FixedThreshold(np.inf)


@dataclass(frozen=True, eq=False)
class QueueAware:
    """GELATO's inner loop (SPEC §4): send token i while V·pi_{i-1}·beta_hat(H_i) > Q·e_tx(h).

    V (tokens-to-J weight), Q (J, energy backlog), e_tx (J per sent token in the round's channel
    state) are (B,); pi_i = pi_{i-1}·beta_hat(H_i), pi_0 = 1.
    """

    V: np.ndarray | float
    Q: np.ndarray | float
    e_tx: np.ndarray | float
    gamma: float = 0.2

    def send_mask(self, H: np.ndarray) -> np.ndarray:
        b = beta_hat(H, self.gamma)
        before, _ = _running_product(b)
        return _col(self.V) * before * b > _col(self.Q) * _col(self.e_tx)


@dataclass(frozen=True, eq=False)
class CumulativeAcceptance:
    """SpecDec++-style rule (SPEC §4): send token i while 1 - prod_{l<=i} beta_hat(H_l) <= h.

    That is, stop (without sending token i) as soon as the estimated probability that some drafted
    token is rejected exceeds h (B,).
    """

    h: np.ndarray | float
    gamma: float = 0.2

    def send_mask(self, H: np.ndarray) -> np.ndarray:
        _, pi = _running_product(beta_hat(H, self.gamma))
        return 1.0 - pi <= _col(self.h)
