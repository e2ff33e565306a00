"""Benchmark of ``gelato sweep`` (SPEC §7): a 64-cell sweep on a local Dask cluster of 1 and of 2
worker processes against a plain in-process loop over the same cells.

The sweep: the default preset over 2 energy budgets x 2 distances, policies gelato-exact and gelato,
4 V values, 16 seeds in chunks of 8 (64 cells, each 8 trajectories x ``--horizon`` rounds).

* **loop**: ``run_cell`` for every cell in this process, nothing stored (the work itself);
* **in-process sweep**: ``run_sweep(workers=0)``: the same plus the store writes and the verdicts;
* **dask 1 / dask 2**: ``run_sweep`` on a LocalCluster of 1 / 2 single-threaded worker processes,
  started (and their imports warmed) before the clock starts; cluster start-up is reported apart.

Per-task overhead: (dask-1 wall time - loop time) / cells, the extra cost of a task on one worker
(scheduling, pickling, the client's store writes and the 8 judging tasks), and the same measured on
cells of ``--tiny`` rounds, where the work is negligible. All stores are checked to hold identical
results. Ratios are measured in one run on the same machine (a shared machine makes them noisy).

Run: python benchmarks/bench_sweep.py [--horizon 400] [--tiny 10]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from timing import timed

SPEC = """
[sweep]
name = "bench"
preset = "default"
policies = ["gelato-exact", "gelato"]
V = [0.003, 0.01, 0.03, 0.1]
seeds = 16
seed_chunk = 8
horizon = {horizon}

[axes]
"objective.energy_budget_j" = [0.09, 0.12]
"channel.distance_m" = [400, 600]
"""


def measure(horizon: int, cluster1, cluster2, tmp: Path) -> dict:
    import pandas as pd

    from gelato_theory.sweep import load_results, loads_spec, run_sweep
    from gelato_theory.sweep.cells import plan, run_cell

    spec = loads_spec(SPEC.format(horizon=horizon))
    cells = plan(spec).cells
    assert len(cells) == 64
    run_cell(cells[0])  # warm this process's model cache like the workers' first task does
    t_loop, _ = timed(lambda: [run_cell(c) for c in cells])
    stores = {name: tmp / f"{name}-{horizon}.sqlite" for name in ("inproc", "dask1", "dask2")}
    t_inproc, _ = timed(lambda: run_sweep(spec, stores["inproc"], workers=0))
    t_d1, out1 = timed(
        lambda: run_sweep(spec, stores["dask1"], scheduler=cluster1.scheduler_address)
    )
    t_d2, out2 = timed(
        lambda: run_sweep(spec, stores["dask2"], scheduler=cluster2.scheduler_address)
    )
    assert out1.complete and out2.complete
    for kind in ("seeds", "verdicts"):
        ref = load_results(stores["inproc"], kind)
        for name in ("dask1", "dask2"):
            pd.testing.assert_frame_equal(load_results(stores[name], kind), ref, check_exact=True)
    in_task = load_results(stores["dask2"], "cells")["elapsed_s"].sum()
    n = len(cells)
    return {
        "horizon": horizon,
        "cells": n,
        "loop_s": t_loop,
        "inprocess_sweep_s": t_inproc,
        "dask1_s": t_d1,
        "dask2_s": t_d2,
        "speedup_dask2_vs_loop": t_loop / t_d2,
        "speedup_dask2_vs_dask1": t_d1 / t_d2,
        "store_overhead_per_cell_ms": 1e3 * (t_inproc - t_loop) / n,
        "task_overhead_per_cell_ms": 1e3 * (t_d1 - t_loop) / n,
        "dask2_in_task_compute_s": float(in_task),
        "dask2_overhead_per_cell_ms": 1e3 * (2 * t_d2 - in_task) / n,
        "identical_results": True,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--horizon", type=int, default=400, help="rounds per trajectory (default 400)")
    ap.add_argument("--tiny", type=int, default=10, help="rounds of the overhead run (default 10)")
    args = ap.parse_args()
    from distributed import Client, LocalCluster

    def start(n: int):
        t, cluster = timed(
            lambda: LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=40,
            )
        )
        with Client(cluster) as c:  # import the package in every worker before timing
            c.run(__import__, "gelato_theory.sweep.cells")
        return t, cluster

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    s1, cluster1 = start(1)
    s2, cluster2 = start(2)
    print(f"cluster start-up: 1 worker {s1:.1f} s, 2 workers {s2:.1f} s")
    results = []
    try:
        with tempfile.TemporaryDirectory() as d:
            for h in (args.horizon, args.tiny):
                r = measure(h, cluster1, cluster2, Path(d))
                results.append(r)
                print(
                    f"64 cells x 8 seeds x {h} rounds: loop {r['loop_s']:.2f} s, in-process sweep "
                    f"{r['inprocess_sweep_s']:.2f} s, dask 1 worker {r['dask1_s']:.2f} s, "
                    f"dask 2 workers {r['dask2_s']:.2f} s\n"
                    f"  speed-up 2 workers vs loop {r['speedup_dask2_vs_loop']:.2f}x, vs 1 worker "
                    f"{r['speedup_dask2_vs_dask1']:.2f}x; per-task overhead (1 worker - loop) "
                    f"{r['task_overhead_per_cell_ms']:.1f} ms/cell; store writes "
                    f"{r['store_overhead_per_cell_ms']:.1f} ms/cell; results identical"
                )
    finally:
        cluster1.close()
        cluster2.close()
    print(json.dumps({"startup_s": {"1": s1, "2": s2}, "runs": results, "at": time.time()}))


if __name__ == "__main__":
    main()
