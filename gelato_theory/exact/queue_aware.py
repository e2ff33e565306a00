"""Exact round statistics of GELATO's queue-aware inner rule on i.i.d. token types (SPEC §2, §4).

On top of a menu action (K, eta), token i is sent while H_i <= eta and V·pi_{i-1}·beta_hat(H_i) >
Q·e_tx(h), pi_i = pi_{i-1}·beta_hat(H_i), pi_0 = 1. Every sent token passed both tests and
pi is non-increasing, so the first i tokens are all sent iff every one passes eta and
x_1 + ... + x_i < b, with x = -log beta_hat(H) per position and b = log(V / (Q e_tx)) = -log(lambda
e_tx) for lambda = Q/V (b = +inf when Q = 0; a type with beta_hat = 0 is never sent).

With w-weighted i.i.d. types, S_i = P(first i sent) and A_i = P(first i sent and accepted) are
sub-probability CDFs of a sum of i i.i.d. terms at b: exactly the multisets of i types with their
multinomial weights (w_j, resp. w_j·beta_j, per type). Sizes up to D >= ceil(K_max/2) are
enumerated once per threshold; a larger size i is the convolution of sizes i - D and D, evaluated
for a batch of b by sorted cumulative sums (D as large as a few hundred thousand multisets allow, so the
convolutions are short). Then, with y = y0 + y_c·c + y_k·k for the state,

  E[c] = sum_{i=1..K} S_{i-1},  E[k] = sum_{i=1..K} S_i,  E[A] = sum_{i=1..K} A_i,  E[N] = 1 + E[A],

and the law of (c, k) is (i+1, i) with probability S_i - S_{i+1} (i < K) and (K, K) with S_K, which
gives E[y²]. For lambda = 0 this reduces to the closed forms of §2 with the pass set
{H <= eta, beta_hat(H) > 0}.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from gelato_theory.exact.actions import action_menu
from gelato_theory.exact.problem import Problem, cost_coefficients
from gelato_theory.exact.round_stats import RoundStats, round_stats
from gelato_theory.scenario.model import Scenario
from gelato_theory.scenario.token_types import token_types

#: chunk of (batch x support) products evaluated at once
_CHUNK = 2_000_000


@dataclass(frozen=True, eq=False)
class QueueAwareStats:
    """Exact per-round expectations under the queue-aware rule, arrays of the batch's shape.

    c, k, A: expected computed, sent and accepted tokens; N = 1 + A (tokens); E (J) and T (s)
    expected energy and time; y, y2: expected constraint cost and its second moment (J, J²);
    S (batch..., K_max + 1): P(first i tokens sent), i = 0..K_max (0 beyond the action's K).
    """

    c: np.ndarray
    k: np.ndarray
    A: np.ndarray
    N: np.ndarray
    E: np.ndarray
    T: np.ndarray
    y: np.ndarray
    y2: np.ndarray
    S: np.ndarray


def beta_hat(H: np.ndarray, gamma: float) -> np.ndarray:
    """max(0, 1 - sqrt(gamma H)) (SPEC §4)."""
    return np.maximum(0.0, 1.0 - np.sqrt(gamma * np.asarray(H, dtype=float)))


@dataclass(frozen=True, eq=False)
class _Sums:
    """Sorted support x of the sum of n i.i.d. log-terms and cumulative weights (with a leading 0)."""

    x: np.ndarray
    w: np.ndarray  # weight per support point (probability mass, w_j per type)
    acc: np.ndarray  # acceptance-weighted mass (w_j beta_j per type)
    cum_w: np.ndarray
    cum_acc: np.ndarray

    def cdf(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sum of w, sum of acc) over support points x < t (strict)."""
        i = np.searchsorted(self.x, t, side="left")
        return self.cum_w[i], self.cum_acc[i]


def _multisets(x: np.ndarray, w: np.ndarray, acc: np.ndarray, n: int) -> _Sums:
    """Every multiset of n types: x summed, multinomial weights of w and acc."""
    J = x.size
    if n == 0 or J == 0:
        pts = np.zeros(1 if n == 0 else 0)
        mass = np.ones(pts.size)
        return _sorted(pts, mass, mass.copy())
    combos = np.array(list(itertools.combinations_with_replacement(range(J), n)), dtype=np.intp)
    # log of prod_j n_j!: the l-th member of a run of equal types contributes log(l)
    run = np.ones(combos.shape[0])
    log_fact = np.zeros(combos.shape[0])
    for col in range(1, n):
        run = np.where(combos[:, col] == combos[:, col - 1], run + 1.0, 1.0)
        log_fact += np.log(run)
    log_mult = gammaln(n + 1.0) - log_fact
    with np.errstate(divide="ignore"):
        log_w, log_acc = np.log(w), np.log(acc)
    mass_w = np.exp(log_mult + log_w[combos].sum(axis=1))
    mass_acc = np.exp(log_mult + log_acc[combos].sum(axis=1))
    return _sorted(x[combos].sum(axis=1), mass_w, mass_acc)


def direct_sizes(J: int, K_max: int, limit: int = 400_000) -> int:
    """D: multisets of up to D types are enumerated (at most ``limit`` per size, and D >= K_max/2
    so that every size up to K_max is one convolution of two enumerated sizes)."""
    D = max(1, math.ceil(K_max / 2))
    while D < K_max and math.comb(J + D, D + 1) <= limit:
        D += 1
    return D


def _sorted(x: np.ndarray, w: np.ndarray, acc: np.ndarray) -> _Sums:
    order = np.argsort(x, kind="stable")
    x, w, acc = x[order], w[order], acc[order]
    zero = np.zeros(1)
    return _Sums(
        x, w, acc, np.concatenate([zero, np.cumsum(w)]), np.concatenate([zero, np.cumsum(acc)])
    )


@functools.lru_cache(maxsize=32)
def _tables(H: bytes, w: bytes, beta: bytes, eta: float, gamma: float, D: int) -> tuple[_Sums, ...]:
    """Sums of n = 0..D terms over the types that can be sent under threshold eta."""
    Hs, ws, bs = (np.frombuffer(v) for v in (H, w, beta))
    bh = beta_hat(Hs, gamma)
    keep = (Hs <= eta) & (bh > 0)
    x = -np.log(bh[keep])
    return tuple(_multisets(x, ws[keep], ws[keep] * bs[keep], n) for n in range(D + 1))


def _sent_probabilities(
    tables: tuple[_Sums, ...], b: np.ndarray, K_max: int
) -> tuple[np.ndarray, np.ndarray]:
    """S_i(b), A_i(b) for i = 0..K_max, each (len(b), K_max + 1)."""
    D = len(tables) - 1
    S = np.zeros((b.size, K_max + 1))
    A = np.zeros((b.size, K_max + 1))
    for i in range(K_max + 1):
        if i <= D:
            S[:, i], A[:, i] = tables[i].cdf(b)
            continue
        first, rest = tables[i - D], tables[D]
        rows = max(1, _CHUNK // max(first.x.size, 1))
        for lo in range(0, b.size, rows):
            t = b[lo : lo + rows, None] - first.x[None, :]
            cw, ca = rest.cdf(t)
            S[lo : lo + rows, i] = cw @ first.w
            A[lo : lo + rows, i] = ca @ first.acc
    return S, A


def queue_aware_stats(
    scenario: Scenario,
    m: np.ndarray | int,
    lam: np.ndarray | float,
    action: np.ndarray | int,
    gamma: float | None = None,
    stats: RoundStats | None = None,
) -> QueueAwareStats:
    """Exact E[c], E[k], E[A], E[N], E[E], E[T], E[y], E[y²] of one round under the queue-aware rule.

    ``m`` channel state, ``lam`` = Q/V (the scale of lambda*, tokens/J), ``action`` menu index
    (K, eta); the three broadcast together. ``gamma`` defaults to the
    scenario's control.gamma. The token model must have a type table (synthetic or table).
    """
    gamma = scenario.control.gamma if gamma is None else float(gamma)
    st = stats or round_stats(scenario)
    menu = action_menu(scenario.actions)
    types = token_types(scenario.tokens)
    m, lam, action = np.broadcast_arrays(
        np.asarray(m, dtype=np.intp),
        np.asarray(lam, dtype=float),
        np.asarray(action, dtype=np.intp),
    )
    shape = m.shape
    m, lam, action = m.ravel(), lam.ravel(), action.ravel()
    if np.any(lam < 0):
        raise ValueError("lam = Q/V must be >= 0")
    K_max = int(menu.K.max(initial=0))
    D = direct_sizes(int(np.count_nonzero(types.w > 0)), K_max)
    r = lam * st.e_tx[m]
    with np.errstate(divide="ignore"):
        b = np.where(r > 0, -np.log(r), np.inf)
    S = np.zeros((m.size, K_max + 1))
    A = np.zeros((m.size, K_max + 1))
    keys = (types.H.tobytes(), types.w.tobytes(), types.beta.tobytes())
    for eta in np.unique(menu.eta[action]):
        rows = np.flatnonzero(menu.eta[action] == eta)
        tables = _tables(*keys, float(eta), gamma, D)
        S[rows], A[rows] = _sent_probabilities(tables, b[rows], K_max)
    K = menu.K[action]
    i = np.arange(K_max + 1)
    S = np.where(i[None, :] <= K[:, None], S, 0.0)
    S[:, 0] = 1.0  # position 1 is always computed: the rule sees its entropy before refusing it
    A = np.where(i[None, :] <= K[:, None], A, 0.0)
    Ec = np.where(i[None, :-1] < K[:, None], S[:, :-1], 0.0).sum(axis=1)  # position i+1 reached
    Ek = S[:, 1:].sum(axis=1)
    EA = A[:, 1:].sum(axis=1)
    y0, y_c, y_k = (v[m] for v in cost_coefficients(scenario, st))
    # law of (c, k): stop at position i + 1 after i sent (i < K), or all K sent
    stop = np.where(i[None, :-1] < K[:, None], S[:, :-1] - S[:, 1:], 0.0)  # (B, K_max)
    c_stop, k_stop = i[1:][None, :].astype(float), i[:-1][None, :].astype(float)
    y_stop = y0[:, None] + y_c[:, None] * c_stop + y_k[:, None] * k_stop
    full = S[np.arange(m.size), K]
    y_full = y0 + (y_c + y_k) * K
    Ey = (stop * y_stop).sum(axis=1) + full * y_full
    Ey2 = (stop * y_stop**2).sum(axis=1) + full * y_full**2
    dev, edge = scenario.device, scenario.edge
    E = dev.e_0 + dev.e_c * Ec + st.e_tx[m] * Ek
    T = edge.tau_0 + dev.tau_c * Ec + (st.t_tx[m] + edge.tau_v1) * Ek
    out = dict(c=Ec, k=Ek, A=EA, N=1.0 + EA, E=E, T=T, y=Ey, y2=Ey2)
    return QueueAwareStats(
        **{name: v.reshape(shape) for name, v in out.items()},
        S=S.reshape(*shape, K_max + 1),
    )


def queue_aware_shortfall(
    scenario: Scenario,
    problem: Problem,
    m: np.ndarray | int,
    lam: np.ndarray | float,
    action: np.ndarray | int,
    gamma: float | None = None,
) -> np.ndarray:
    """Exact per-round DPP shortfall of the queue-aware rule divided by V (SPEC §4, Theorem 1's C):

    max_a (u(m,a) - lam y(m,a)) - (E[u] - lam E[y]) under the rule, with u = N (per_round) or
    N - theta T (per_second at the problem's theta); multiply by V for C in utility x V units.
    It can be negative: adapting within the round, the rule may beat every menu action (on the
    exit-heavy preset by up to 0.01 tokens at some (m, lambda)).
    """
    q = queue_aware_stats(scenario, m, lam, action, gamma, problem.stats)
    m_arr, lam_arr = np.broadcast_arrays(np.asarray(m, dtype=np.intp), np.asarray(lam, dtype=float))
    best = (problem.u[m_arr] - lam_arr[..., None] * problem.y[m_arr]).max(axis=-1)
    u = q.N - problem.theta * q.T if problem.kind == "per_second" else q.N
    return best - (u - lam * q.y)
