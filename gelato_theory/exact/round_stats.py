"""Closed-form statistics of one SD round (SPEC §2), as tables over channel states x actions.

For budget K and threshold eta, with s = s(eta), a = a(eta):
E[c] = sum_{i<K} s^i, E[k] = sum_{1<=i<=K} s^i, E[A] = sum_{1<=i<=K} a^i, E[N] = 1 + E[A].
The geometric sums are evaluated as cumulative sums of powers, which is exact at s = 1 or a = 1,
stable near 1, and gives 0 at K = 0 with no division.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gelato_theory.exact.actions import ActionMenu, action_menu
from gelato_theory.scenario.model import Scenario
from gelato_theory.scenario.token_types import token_types


def power_sums(r: np.ndarray, K: np.ndarray, start: int) -> np.ndarray:
    """sum_{i=start}^{start+K-1} r^i elementwise, for integer K >= 0 (start 0 or 1)."""
    r = np.asarray(r, dtype=float)
    K = np.asarray(K, dtype=int)
    r, K = np.broadcast_arrays(r, K)
    k_max = int(K.max(initial=0))
    powers = r[..., None] ** np.arange(start, start + k_max)  # (..., k_max)
    csum = np.concatenate([np.zeros(r.shape + (1,)), np.cumsum(powers, axis=-1)], axis=-1)
    return np.take_along_axis(csum, K[..., None], axis=-1)[..., 0]


def expected_counts(
    K: np.ndarray, s: np.ndarray, a: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E[c], E[k], E[A] for budgets K and per-position pass/accept probabilities s, a (SPEC §2)."""
    return power_sums(s, K, 0), power_sums(s, K, 1), power_sums(a, K, 1)


@dataclass(frozen=True, eq=False)
class RoundStats:
    """Per-round expectations, arrays of shape (M, A) unless noted; units in the field comments."""

    menu: ActionMenu
    h: np.ndarray  # (M,) linear gain
    pi: np.ndarray  # (M,) probability of each channel state
    rate_bps: np.ndarray  # (M,) uplink rate, bit/s
    e_tx: np.ndarray  # (M,) J per sent token
    t_tx: np.ndarray  # (M,) s per sent token (b / R)
    s: np.ndarray  # (A,) pass probability per position
    a: np.ndarray  # (A,) pass-and-accept probability per position
    c: np.ndarray  # (A,) expected computed positions
    k: np.ndarray  # (A,) expected sent tokens
    accepted: np.ndarray  # (A,) expected accepted tokens E[A]
    N: np.ndarray  # (M, A) expected tokens produced
    E: np.ndarray  # (M, A) expected device energy, J
    T: np.ndarray  # (M, A) expected round time, s

    @property
    def M(self) -> int:
        return int(self.h.shape[0])


def round_stats(scenario: Scenario) -> RoundStats:
    """Tables of E[c], E[k], E[A], E[N], E[E], E[T] for every channel state and action."""
    menu = action_menu(scenario.actions)
    types = token_types(scenario.tokens)
    h, pi = scenario.channel.support()
    rate = scenario.channel.rate_bps(h)
    dev, edge = scenario.device, scenario.edge
    t_tx = dev.payload_bits / rate
    e_tx = scenario.channel.tx_power_w * t_tx
    s, a = types.pass_and_accept(menu.eta)
    c, k, acc = expected_counts(menu.K, s, a)
    N = np.broadcast_to(1.0 + acc, (h.size, menu.K.size)).copy()
    E = dev.e_0 + dev.e_c * c[None, :] + e_tx[:, None] * k[None, :]
    T = edge.tau_0 + dev.tau_c * c[None, :] + (t_tx[:, None] + edge.tau_v1) * k[None, :]
    return RoundStats(
        menu=menu,
        h=h,
        pi=pi,
        rate_bps=rate,
        e_tx=e_tx,
        t_tx=t_tx,
        s=s,
        a=a,
        c=c,
        k=k,
        accepted=acc,
        N=N,
        E=E,
        T=T,
    )
