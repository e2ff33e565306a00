"""HF executor benchmark (SPEC §3) on the tiny byte-level GPT-2 pair: rounds/s and tokens/s with
all trajectories batched against one trajectory at a time (the same trajectories, same streams),
and target passes per emitted token (block verification: one per round).

Run: ``python benchmarks/bench_hf.py [--batch 32] [--rounds 30] [--K 4]``. Not a timed test.
Needs the [hf] extra; the pair is trained once and cached (see executor/tiny_gpt2.py).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gelato_theory.executor import Executor, no_early_exit
from gelato_theory.executor.tiny_gpt2 import tiny_pair
from gelato_theory.scenario import preset


def run(ex: Executor, keys: list[int], rounds: int, K: int) -> tuple[float, int, int]:
    """Seconds, emitted tokens and target passes for ``rounds`` rounds of trajectories ``keys``."""
    pair = ex.pair
    streams = ex.streams(0, keys)
    history = ex.initial_history(len(keys), streams.next()[:, 0])
    Ks = np.full(len(keys), K)
    rule = no_early_exit()
    passes0, tokens = pair.target_passes, 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        U = streams.next()
        out = ex.run_round(ex.channel_states(U[:, 0]), Ks, rule, U, history, detail=False)
        history = out.history
        tokens += int(out.N.sum())
    return time.perf_counter() - t0, tokens, pair.target_passes - passes0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--K", type=int, default=4)
    args = ap.parse_args()
    t0 = time.perf_counter()
    pair = tiny_pair()
    print(f"tiny pair ready in {time.perf_counter() - t0:.1f} s (trained or loaded from cache)")
    ex = Executor(preset("default"), pair=pair)
    B, R = args.batch, args.rounds
    tb, nb, pb = run(ex, list(range(B)), R, args.K)
    ts, ns, ps = 0.0, 0, 0
    for key in range(B):
        t, n, p = run(ex, [key], R, args.K)
        ts, ns, ps = ts + t, ns + n, ps + p
    assert nb == ns, "batched and one-at-a-time runs emitted different token counts"
    rounds = B * R
    print(f"{B} trajectories x {R} rounds, K = {args.K}, no early exit")
    print(f"  batched:        {rounds / tb:8.1f} rounds/s  {nb / tb:8.1f} tokens/s")
    print(f"  one at a time:  {rounds / ts:8.1f} rounds/s  {ns / ts:8.1f} tokens/s")
    print(f"  batched / one-at-a-time: {ts / tb:.1f}x (same trajectories, one run)")
    print(
        f"  target passes per emitted token: batched {pb / nb:.4f} "
        f"(per trajectory {pb * B / nb:.3f}), one at a time {ps / ns:.3f}"
    )
    print(f"  tokens per round: {nb / rounds:.3f}")


if __name__ == "__main__":
    main()
