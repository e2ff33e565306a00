"""The numba kernel of the compiled engine (SPEC §3, §4): one trajectory per iteration of a
``prange`` loop, every round in scalar code, the same arithmetic in the same order as the array
engine (:mod:`gelato_theory.simulation.simulator` with :class:`gelato_theory.executor.rounds.Executor`)
so the summaries agree bit for bit. Imported lazily by :mod:`gelato_theory.simulation.compiled`.

Uniform columns of round t (width W = 3·K_max + 3, counter t·W + j of the trajectory's stream):
0 channel state, 1 + i type of position i, K_max + 2 + i draft token i, 2·K_max + 2 + i acceptance
test i, 3·K_max + 2 final token (not needed for the summaries: the synthetic pair has no history).
Only the columns a round uses are evaluated.
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


@njit(cache=True)
def _npmax(a: float, b: float) -> float:
    """np.maximum on two floats (NaN propagates)."""
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


@njit(cache=True)
def _alias(prob: np.ndarray, alias: np.ndarray, row: int, n: int, u: float) -> int:
    """AliasSampler.sample for one draw: row of a (R, n + 1) table."""
    scaled = u * n
    col = int(scaled)
    if scaled - col < prob[row, col]:
        return col
    return alias[row, col]


@njit(cache=True)
def _count_le(row: np.ndarray, x: float) -> int:
    """Number of entries of ``row`` that are <= x (EnvelopeTable.choose, searchsorted right)."""
    i = 0
    for v in row:
        if v <= x:
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
    w_prob,
    w_alias,
    H,
    q_prob,
    q_alias,
    q_flat,
    p_flat,
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
    u_tab,
    y_tab,
    N_tab,
    E_tab,
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
    out,
    counts,
    trace,
):
    M = pi_cdf.shape[0]
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
    for t in range(T):
        if trace_every > 0 and t % trace_every == 0:
            trace[b, t // trace_every] = Q
        base = np.uint64(t) * W
        # channel state: searchsorted(pi_cdf, u, side="right"), capped at M - 1
        m = min(_count_le(pi_cdf, uniform(key, base)), M - 1)
        counts[b, m] += 1
        lam = Q / v
        # the policy's decision: menu action a (-1 off menu), budget K, threshold eta
        if pol == TABLE:
            a = pol_actions[m, _count_le(pol_breaks[m], lam)]
        elif pol == STATIC:
            a = static_a
        elif pol == ORACLE:
            uc = uniform(ckey, np.uint64(t))
            a = min(_count_le(oracle_cdf[m], uc), A_menu - 1)
        else:
            a = -1
        if pol == CUMULATIVE:
            K = cum_K
            eta = math.inf
        else:
            K = menu_K[a]
            eta = menu_eta[a]
        on_menu = a >= 0 and not inner_qa
        lim = Q * pe_tx[m]
        # drafting with the stop rule, verification inline (leading run of accepted tokens)
        pi_prev = 1.0
        k = 0
        A = 0
        rejected = False
        for i in range(K):
            ii = np.uint64(i)
            j = _alias(w_prob, w_alias, 0, J, uniform(key, base + c_type + ii))
            h = H[j]
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
            if not rejected:
                x = _alias(q_prob, q_alias, j, vocab, uniform(key, base + c_draft + ii))
                qx = q_flat[j * vocab + x]
                if uniform(key, base + c_acc + ii) * qx < p_flat[j * vocab + x]:
                    A += 1
                else:
                    rejected = True
        c = k + (1 if k < K else 0)
        N = A + 1
        e_m = e_tx[m]
        E = e_0 + e_c * c + e_m * k
        Tm = tau_0 + tau_c * c + (t_tx[m] + tau_v1) * k
        y = E - budget * Tm if per_second else E - budget
        # empirical C against the exact per-slot optimum
        if pol == TABLE and same_table:  # the decision's lookup is the optimum's
            b_a = a
        else:
            b_a = opt_actions[m, _count_le(opt_breaks[m], lam)]
        best = v * u_tab[m, b_a] - Q * y_tab[m, b_a]
        if on_menu:
            chosen = v * u_tab[m, a] - Q * y_tab[m, a]
            dN += N - N_tab[m, a]
            dE += E - E_tab[m, a]
            su += u_tab[m, a]
            sym += y_tab[m, a]
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
    w_prob,
    w_alias,
    H,
    q_prob,
    q_alias,
    q_flat,
    p_flat,
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
    u_tab,
    y_tab,
    N_tab,
    E_tab,
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
            w_prob,
            w_alias,
            H,
            q_prob,
            q_alias,
            q_flat,
            p_flat,
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
            u_tab,
            y_tab,
            N_tab,
            E_tab,
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
            out,
            counts,
            trace,
        )
