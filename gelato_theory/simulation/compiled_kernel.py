"""The numba kernel of the compiled engine (SPEC §3, §4): one trajectory per iteration of a
``prange`` loop, every round in scalar code, the same arithmetic in the same order as the array
engine (:mod:`gelato_theory.simulation.simulator` with :class:`gelato_theory.executor.rounds.Executor`)
so the summaries agree bit for bit. Imported lazily by :mod:`gelato_theory.simulation.compiled`.

Uniform columns of round t (width W = 3·K_max + 3, counter t·W + j of the trajectory's stream):
0 channel state, 1 + i type of position i, K_max + 2 + i draft token i, 2·K_max + 2 + i acceptance
test i, 3·K_max + 2 final token (not needed for the summaries: the synthetic pair has no history).
Only the columns a round uses are evaluated. The token tables are the array engine's fused alias
tables (``SyntheticPair._fused``): an alias draw lands on index 2 c + keep, which holds the type's
draft-table offset, or q(x) and p(x) of the token. Computed table indices are cast to unsigned
integers (``np.uint64``): numba then emits no negative-index wraparound for them (about 10 % fewer
instructions per trajectory-round than signed indices).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from gelato_theory.executor.counter_kernels import uniform

# policy kinds
TABLE, STATIC, CUMULATIVE, ORACLE = 0, 1, 2, 3
# float outputs, rows of the (N_FLOAT, B) result
FIELDS = (
    "mean_N",
    "mean_T",
    "mean_E",
    "mean_y",
    "mean_Q",
    "max_Q",
    "final_Q",
    "sum_y",
    "mean_k",
    "shortfall_mean",
    "shortfall_max",
    "model_dN",
    "model_dE",
    "mean_u_model",
    "mean_y_model",
    "max_identity_excess",
)
N_FLOAT = len(FIELDS)
#: record width of the packed cell table (built by :func:`cell_records`)
CELL_REC = 4


def cell_records(u: np.ndarray, y: np.ndarray, N: np.ndarray, E: np.ndarray) -> np.ndarray:
    """The (M, A) tables u, y (J), N, E (J) as one flat table of records [u, y, N, E] per cell."""
    return np.ascontiguousarray(np.stack([u, y, N, E], axis=-1), dtype=np.float64).ravel()


def cdf_buckets(cdf: np.ndarray, n: int = 256) -> np.ndarray:
    """For u in [i/n, (i+1)/n) (n a power of two, so i = int(u n) exactly): the capped count
    min(#{cdf <= u}, M - 1) when it is the same for every u of the bucket, else -1 (a CDF point
    lies inside; the kernel then counts). (n,) int64."""
    assert n > 0 and n & (n - 1) == 0, "n must be a power of two"
    i = np.arange(n)
    at_lo = (cdf[None, :] <= (i / n)[:, None]).sum(axis=1)
    below_hi = (cdf[None, :] < ((i + 1) / n)[:, None]).sum(axis=1)
    capped = np.minimum(at_lo, cdf.size - 1)
    return np.where(at_lo == below_hi, capped, -1).astype(np.int64)


@njit(cache=True, inline="always")
def _npmax(a: float, b: float) -> float:
    """np.maximum on two floats (NaN propagates)."""
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


@njit(cache=True, inline="always")
def _count_le_row(table: np.ndarray, r: np.uint64, x: float) -> int:
    """Number of entries of row r of a 2-D table that are <= x (searchsorted right, as
    EnvelopeTable.choose); no row view, so no reference counting per call."""
    i = 0
    for c in range(table.shape[1]):
        if table[r, c] <= x:
            i += 1
    return i


@njit(cache=True)
def _trajectory(  # noqa: PLR0913, PLR0915
    b,
    key,
    ckey,
    v,
    Q0,
    T,
    trace_every,
    K_max,
    pi_cdf,
    type_keep,
    type_value,
    draft_keep,
    q2,
    p2,
    H2,
    vocab,
    J,
    e_tx,
    t_tx,
    e_0,
    e_c,
    tau_0,
    tau_c,
    tau_v1,
    per_second,
    budget,
    theta,
    cells,
    menu_K,
    menu_eta,
    pe_tx,
    opt_breaks,
    opt_actions,
    pol,
    pol_breaks,
    pol_actions,
    same_table,
    static_a,
    inner_qa,
    gamma,
    cum_K,
    cum_h,
    oracle_cdf,
    state_bucket,
    out,
    counts,
    trace,
):
    M = pi_cdf.shape[1]
    n_bucket = state_bucket.shape[0]
    A_menu = menu_K.shape[0]
    W = np.uint64(3 * K_max + 3)
    c_type = np.uint64(1)
    c_draft = np.uint64(K_max + 2)
    c_acc = np.uint64(2 * K_max + 2)
    Q = Q0
    sN = sT = sE = sy = sQ = sk = sC = dN = dE = su = sym = 0.0
    maxQ = Q
    maxC = -math.inf
    maxX = -math.inf
    crow = counts[b]
    for t in range(T):
        if trace_every > 0 and t % trace_every == 0:
            trace[b, t // trace_every] = Q
        base = np.uint64(t) * W
        # channel state: searchsorted(pi_cdf, u, side="right"), capped at M - 1 (pi_cdf is (1, M)),
        # read off the bucket of u when no CDF point falls inside it
        u0 = uniform(key, base)
        m = state_bucket[np.uint64(int(u0 * n_bucket))]
        if m < 0:
            m = min(_count_le_row(pi_cdf, np.uint64(0), u0), M - 1)
        um = np.uint64(m)
        crow[um] += 1
        lam = Q / v
        # the policy's decision: menu action a (-1 off menu), budget K, threshold eta
        if pol == TABLE:
            a = pol_actions[um, np.uint64(_count_le_row(pol_breaks, um, lam))]
        elif pol == STATIC:
            a = static_a
        elif pol == ORACLE:
            uc = uniform(ckey, np.uint64(t))
            a = min(_count_le_row(oracle_cdf, um, uc), A_menu - 1)
        else:
            a = -1
        if pol == CUMULATIVE:
            K = cum_K
            eta = math.inf
        else:
            K = menu_K[np.uint64(a)]
            eta = menu_eta[np.uint64(a)]
        on_menu = a >= 0 and not inner_qa
        lim = Q * pe_tx[um]
        # drafting with the stop rule, verification inline (leading run of accepted tokens)
        pi_prev = 1.0
        k = 0
        A = 0
        rejected = False
        for i in range(K):
            ii = np.uint64(i)
            # the type (an alias draw: index 2 col + keep), as its offset into the draft tables
            scaled = uniform(key, base + c_type + ii) * J
            col = int(scaled)
            i2 = np.uint64(2 * col)
            i2 += np.uint64(1 if scaled - col < type_keep[i2] else 0)
            j_off = np.uint64(type_value[i2])
            h = H2[j_off]
            if pol == CUMULATIVE:
                bq = max(0.0, 1.0 - math.sqrt(gamma * h))
                pi_prev = pi_prev * bq
                send = 1.0 - pi_prev <= cum_h
            else:
                send = h <= eta
                if inner_qa:
                    bq = max(0.0, 1.0 - math.sqrt(gamma * h))
                    send = send and (v * pi_prev * bq > lim)
                    pi_prev = pi_prev * bq
            if not send:
                break
            k += 1
            # the draft token's alias draw (q(x), p(x) at the same index) and its acceptance
            # test; evaluated after a rejection too (no branch to mispredict), where it changes
            # nothing
            scaled = uniform(key, base + c_draft + ii) * vocab
            col = int(scaled)
            r = j_off + np.uint64(2 * col)
            r += np.uint64(1 if scaled - col < draft_keep[r] else 0)
            qx = q2[r]
            px = p2[r]
            acc = uniform(key, base + c_acc + ii) * qx < px
            rejected = rejected or not acc
            A += 0 if rejected else 1
        c = k + (1 if k < K else 0)
        N = A + 1
        e_m = e_tx[um]
        E = e_0 + e_c * c + e_m * k
        Tm = tau_0 + tau_c * c + (t_tx[um] + tau_v1) * k
        y = E - budget * Tm if per_second else E - budget
        # empirical C against the exact per-slot optimum
        if pol == TABLE and same_table:  # the decision's lookup is the optimum's
            b_a = a
        else:
            b_a = opt_actions[um, np.uint64(_count_le_row(opt_breaks, um, lam))]
        rb = np.uint64((m * A_menu + b_a) * CELL_REC)
        best = v * cells[rb] - Q * cells[rb + np.uint64(1)]
        if on_menu:
            ra = np.uint64((m * A_menu + a) * CELL_REC)
            ua = cells[ra]
            ya = cells[ra + np.uint64(1)]
            chosen = v * ua - Q * ya
            dN += N - cells[ra + np.uint64(2)]
            dE += E - cells[ra + np.uint64(3)]
            su += ua
            sym += ya
        else:
            chosen = v * (N - theta * Tm) - Q * y
            dN += math.nan
            dE += math.nan
            su += math.nan
            sym += math.nan
        short = best - chosen
        sC += short
        maxC = _npmax(maxC, short)
        sN += N
        sT += Tm
        sE += E
        sy += y
        sk += k
        sQ += Q
        Q = max(Q + y, 0.0)
        maxQ = _npmax(maxQ, Q)
        maxX = _npmax(maxX, sy - (Q - Q0))
    if trace_every > 0:
        trace[b, trace.shape[1] - 1] = Q
    out[0, b] = sN / T
    out[1, b] = sT / T
    out[2, b] = sE / T
    out[3, b] = sy / T
    out[4, b] = sQ / T
    out[5, b] = maxQ
    out[6, b] = Q
    out[7, b] = sy
    out[8, b] = sk / T
    out[9, b] = sC / T
    out[10, b] = maxC
    out[11, b] = dN / T
    out[12, b] = dE / T
    out[13, b] = su / T
    out[14, b] = sym / T
    out[15, b] = maxX


@njit(cache=True, parallel=True)
def run_batch(  # noqa: PLR0913
    keys,
    ckeys,
    V,
    Q0,
    T,
    trace_every,
    K_max,
    pi_cdf,
    type_keep,
    type_value,
    draft_keep,
    q2,
    p2,
    H2,
    vocab,
    J,
    e_tx,
    t_tx,
    e_0,
    e_c,
    tau_0,
    tau_c,
    tau_v1,
    per_second,
    budget,
    theta,
    cells,
    menu_K,
    menu_eta,
    pe_tx,
    opt_breaks,
    opt_actions,
    pol,
    pol_breaks,
    pol_actions,
    same_table,
    static_a,
    inner_qa,
    gamma,
    cum_K,
    cum_h,
    oracle_cdf,
    state_bucket,
    out,
    counts,
    trace,
):
    """Every trajectory b of the batch (``prange``); results in ``out`` (N_FLOAT, B), ``counts``
    (B, M) and ``trace`` (B, n_points)."""
    for b in prange(keys.shape[0]):
        _trajectory(
            b,
            keys[b],
            ckeys[b],
            V[b],
            Q0,
            T,
            trace_every,
            K_max,
            pi_cdf,
            type_keep,
            type_value,
            draft_keep,
            q2,
            p2,
            H2,
            vocab,
            J,
            e_tx,
            t_tx,
            e_0,
            e_c,
            tau_0,
            tau_c,
            tau_v1,
            per_second,
            budget,
            theta,
            cells,
            menu_K,
            menu_eta,
            pe_tx,
            opt_breaks,
            opt_actions,
            pol,
            pol_breaks,
            pol_actions,
            same_table,
            static_a,
            inner_qa,
            gamma,
            cum_K,
            cum_h,
            oracle_cdf,
            state_bucket,
            out,
            counts,
            trace,
        )
