"""The numba kernel of the compiled engine (SPEC §3, §4): one trajectory per iteration of a
``prange`` loop, every round in scalar code, the same arithmetic in the same order as the array
engine (:mod:`gelato_theory.simulation.simulator` with :class:`gelato_theory.executor.rounds.Executor`)
so the summaries agree bit for bit. Imported lazily by :mod:`gelato_theory.simulation.compiled`.

Uniform columns of round t (width W = 3·K_max + 3, counter t·W + j of the trajectory's stream):
0 channel state, 1 + i type of position i, K_max + 2 + i draft token i, 2·K_max + 2 + i acceptance
test i, 3·K_max + 2 final token (not needed for the summaries: the synthetic pair has no history).
Only the columns a round uses are evaluated. Computed table indices are cast to unsigned integers
(``np.uint64``): numba then emits no negative-index wraparound for them (about 10 % fewer
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
#: record widths of the packed tables (built by :func:`type_records`, :func:`draft_records` and
#: :func:`cell_records`)
TYPE_REC = 4
DRAFT_REC = 8
CELL_REC = 4


def type_records(
    prob: np.ndarray, alias: np.ndarray, H: np.ndarray, vocab: int
) -> tuple[np.ndarray, np.ndarray]:
    """The type sampler with each outcome's entropy and draft-table offset, per alias column c of
    the (1, J + 1) tables: floats [prob(c), H(c), H(alias(c)), pad] and integers
    [c (vocab + 1), alias(c) (vocab + 1)] (offsets of the type's rows in :func:`draft_records`).
    A type draw then selects among values loaded together instead of loading H after the draw.
    The padding column (prob 0: always its alias) takes H of the last type for its own slot."""
    J = H.size
    col = np.minimum(np.arange(prob.shape[1]), J - 1)
    al = alias[0]
    rec = np.zeros((prob.shape[1], TYPE_REC))
    rec[:, 0] = prob[0]
    rec[:, 1] = H[col]
    rec[:, 2] = H[al]
    off = np.stack([np.arange(prob.shape[1]), al], axis=1) * (vocab + 1)
    return rec.ravel(), np.ascontiguousarray(off, dtype=np.int64).ravel()


def draft_records(prob: np.ndarray, alias: np.ndarray, q: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The draft sampler and both models' probabilities as one flat table of 8-float records, one
    per (type j, alias column c): [prob(j, c), q(j, c), p(j, c), q(j, alias), p(j, alias), pad x3].
    A draft draw then reads one 64-byte record instead of four tables. ``prob``/``alias`` are the
    (J, vocab + 1) alias tables, ``q``/``p`` the (J, vocab) probabilities."""
    J, width = prob.shape
    cols = np.minimum(np.arange(width), q.shape[1] - 1)[None, :]
    al = np.minimum(alias, q.shape[1] - 1)
    rows = np.arange(J)[:, None]
    rec = np.zeros((J, width, DRAFT_REC))
    rec[:, :, 0] = prob
    rec[:, :, 1] = q[rows, cols]
    rec[:, :, 2] = p[rows, cols]
    rec[:, :, 3] = q[rows, al]
    rec[:, :, 4] = p[rows, al]
    return rec.ravel()


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
    type_rec,
    type_off,
    draft_rec,
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
            # the type: AliasSampler.sample on the type table, its entropy and draft-table offset
            scaled = uniform(key, base + c_type + ii) * J
            col = int(scaled)
            own = scaled - col < type_rec[np.uint64(col * TYPE_REC)]
            h = type_rec[np.uint64(col * TYPE_REC + (1 if own else 2))]
            j_off = type_off[np.uint64(col * 2 + (0 if own else 1))]
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
            # the draft token's alias draw and its acceptance test, from one record; evaluated
            # after a rejection too (no branch to mispredict), where it changes nothing
            scaled = uniform(key, base + c_draft + ii) * vocab
            col = int(scaled)
            r = np.uint64((j_off + col) * DRAFT_REC)
            own = scaled - col < draft_rec[r]
            qx = draft_rec[r + np.uint64(1)] if own else draft_rec[r + np.uint64(3)]
            px = draft_rec[r + np.uint64(2)] if own else draft_rec[r + np.uint64(4)]
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
    type_rec,
    type_off,
    draft_rec,
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
            type_rec,
            type_off,
            draft_rec,
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
