"""Executor benchmarks (SPEC §3): throughput of the batched synthetic engine against a plain
per-trajectory Python loop over the same sampler, n-gram executor throughput, peak memory.

Run: ``python benchmarks/bench_executor.py [--batch 1024] [--rounds 400]``. Not a timed test.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from gelato_theory.executor import Executor, FixedThreshold, calibrate, ngram_pair
from gelato_theory.executor.reference import ReferenceLoop
from gelato_theory.executor.streams import trajectory_generator
from gelato_theory.scenario import preset


def batched(ex: Executor, batch: int, rounds: int, eta: float, detail: bool) -> tuple[float, int]:
    """Seconds and drafted (sent) tokens for ``rounds`` batched rounds with K = K_max."""
    streams = ex.streams(0, range(batch))
    K = np.full(batch, ex.K_max)
    rule = FixedThreshold(np.full(batch, eta))
    sent = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        U = streams.next()
        out = ex.run_round(ex.channel_states(U[:, 0]), K, rule, U, detail=detail)
        sent += int(out.k.sum())
    return time.perf_counter() - t0, sent


def loop(ex: Executor, batch: int, rounds: int, eta: float) -> tuple[float, int]:
    """The same rounds, one trajectory at a time: per-trajectory generator, scalar sampler."""
    ref = ReferenceLoop(ex)
    gens = [trajectory_generator(0, (b,)) for b in range(batch)]
    cdf = np.cumsum(ex.pi)
    sent = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for g in gens:
            u = g.random(ex.width)
            m = min(int(np.searchsorted(cdf, u[0], side="right")), ex.M - 1)
            sent += ref.round(m, ex.K_max, eta, u)[1]
    return time.perf_counter() - t0, sent


def ngram(batch: int, rounds: int) -> dict[str, float]:
    t0 = time.perf_counter()
    pair = ngram_pair()
    train_s = time.perf_counter() - t0
    ex = Executor(preset("default"), pair=pair)
    streams = ex.streams(0, range(batch))
    history = ex.initial_history(batch, streams.next()[:, 0])
    K = np.full(batch, ex.K_max)
    sent = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        U = streams.next()
        out = ex.run_round(ex.channel_states(U[:, 0]), K, FixedThreshold(2.5), U, history)
        history = out.history
        sent += int(out.k.sum())
    dt = time.perf_counter() - t0
    cal = calibrate(ex, rounds=60, batch=256, seed=0)
    H_mid, acc, _ = cal.curve(8)
    return {
        "train_s": train_s,
        "rounds_per_s": batch * rounds / dt,
        "tokens_per_s": sent / dt,
        "acceptance": cal.acceptance_rate,
        "corr": cal.correlation(),
        "gamma": cal.fit_gamma(),
        "curve": list(zip(H_mid.round(2).tolist(), acc.round(3).tolist(), strict=True)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=400)
    ap.add_argument("--loop-rounds", type=int, default=10)
    args = ap.parse_args()
    ex = Executor(preset("default"))
    B = args.batch
    print(f"synthetic pair, default preset: batch {B}, K = K_max = {ex.K_max}, width {ex.width}")
    types = ex.pair.types
    print(f"  mean acceptance alpha = sum_j w_j beta_j = {types.w @ types.beta:.4f}")
    for eta in (np.inf, 2.0):
        batched(ex, B, 5, eta, True)  # warm-up
        for detail in (True, False):
            dt, sent = batched(ex, B, args.rounds, eta, detail)
            r = B * args.rounds / dt
            print(
                f"  eta={eta:<4} detail={detail!s:<5} batched: {r:12,.0f} rounds/s "
                f"{sent / dt:12,.0f} drafted tokens/s"
            )
        ldt, lsent = loop(ex, B, args.loop_rounds, eta)
        lr = B * args.loop_rounds / ldt
        ratios = [
            B * args.rounds / batched(ex, B, args.rounds, eta, d)[0] / lr for d in (True, False)
        ]
        print(
            f"  eta={eta:<4} per-trajectory loop: {lr:12,.0f} rounds/s "
            f"{lsent / ldt:12,.0f} drafted tokens/s  -> batched/loop = {ratios[0]:.1f}x "
            f"(detail=True), {ratios[1]:.1f}x (detail=False)"
        )

    tracemalloc.start()
    batched(ex, B, 50, np.inf, True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak traced memory, batched synthetic run (batch {B}): {peak / 2**20:.1f} MiB")

    nb = 256
    tracemalloc.start()
    res = ngram(nb, 40)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"n-gram pair (draft order 3, target order 5, KN): train {res['train_s']:.2f} s")
    print(
        f"  batch {nb}, K = {ex.K_max}, eta = 2.5: {res['rounds_per_s']:,.0f} rounds/s, "
        f"{res['tokens_per_s']:,.0f} drafted tokens/s; peak traced memory {peak / 2**20:.1f} MiB"
    )
    print(
        f"  measured acceptance rate {res['acceptance']:.3f}; corr(H, accepted) = "
        f"{res['corr']:.3f}; fitted gamma = {res['gamma']:.3f}"
    )
    print(f"  entropy -> acceptance (H nats, rate): {res['curve']}")


if __name__ == "__main__":
    main()
