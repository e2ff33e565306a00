"""Benchmark of the exact layer (SPEC §2, §5): round-statistic tables and the optimum.

Builds all tables for 16 channel states x 17 budgets (K = 0..16) x 8 thresholds, solves the LP
(HIGHS via cvxpy) and the exact dual minimization, and compares the vectorized tables with a plain
Python loop over (state, action) evaluating the same closed forms. Run: python benchmarks/bench_exact.py
"""

from __future__ import annotations

import math

import numpy as np
from timing import best_of

from gelato_theory import preset
from gelato_theory.exact.dual import minimize_dual
from gelato_theory.exact.optimum import solve_lp
from gelato_theory.exact.problem import build_problem
from gelato_theory.exact.round_stats import round_stats
from gelato_theory.scenario.token_types import token_types


def scenario():
    s = preset("default")
    return s.replace(
        **{
            "channel.states": 16,
            "actions.K_max": 16,
            "actions.thresholds": (0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, math.inf),
        }
    )


def loop_tables(s):
    """The same closed forms, one (state, action) at a time in Python."""
    t = token_types(s.tokens)
    h, _ = s.channel.support()
    rate = s.channel.rate_bps(h)
    E = {}
    for m in range(len(h)):
        e_tx = s.channel.tx_power_w * s.device.payload_bits / rate[m]
        for K in range(s.actions.K_max + 1):
            for eta in s.actions.thresholds:
                sp = sum(w for w, H in zip(t.w, t.H, strict=True) if H <= eta)
                ap = sum(w * b for w, H, b in zip(t.w, t.H, t.beta, strict=True) if H <= eta)
                c = sum(sp**i for i in range(K))
                k = sum(sp**i for i in range(1, K + 1))
                A = sum(ap**i for i in range(1, K + 1))
                E[m, K, eta] = (s.device.e_0 + s.device.e_c * c + e_tx * k, 1 + A)
    return E


def main() -> None:
    s = scenario()
    round_stats(s)  # warm the token-type cache
    t_tab, stats = best_of(lambda: round_stats(s))
    t_prob, problem = best_of(lambda: build_problem(s))
    t_loop, _ = best_of(lambda: loop_tables(s), repeat=3)
    t_lp, opt = best_of(lambda: solve_lp(problem), repeat=5)
    t_dual, dual = best_of(lambda: minimize_dual(problem), repeat=5)
    M, A = stats.E.shape
    print(
        f"tables: {M} states x {A} actions (K = 0..{s.actions.K_max}, {len(s.actions.thresholds)} thresholds)"
    )
    print(f"  round_stats        {t_tab * 1e3:8.2f} ms")
    print(
        f"  build_problem      {t_prob * 1e3:8.2f} ms (adds outcome law, realizable ranges, E[y^2])"
    )
    print(
        f"  Python loop        {t_loop * 1e3:8.2f} ms  -> vectorized is {t_loop / t_tab:.0f}x faster"
    )
    print(f"LP (HIGHS, {M * A} variables)  {t_lp * 1e3:8.2f} ms  u* = {opt.u_star:.9f}")
    print(f"exact dual minimization      {t_dual * 1e3:8.2f} ms  u* = {dual.u_star:.9f}")
    print(f"|LP - dual| = {abs(opt.u_star - dual.u_star):.2e}")
    assert np.isfinite(opt.u_star)


if __name__ == "__main__":
    main()
