"""Sweeps on a real dask.distributed LocalCluster of 2 worker processes (started here, torn down
after): the same store contents as the in-process run; a sweep whose client is killed with SIGKILL
part-way resumes, runs exactly the missing cells (counted on the scheduler) and ends with the same
results; a worker killed mid-sweep changes nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from gelato_theory.sweep import Store, load_results, loads_spec, run_sweep  # noqa: E402
from gelato_theory.sweep.cells import plan  # noqa: E402

SPEC = """
[sweep]
name = "dask-test"
preset = "default"
policies = ["gelato-exact", "gelato"]
V = [0.01, 0.1]
seeds = 8
seed_chunk = 2
horizon = 60
claims = ["theorem1_utility", "theorem2_backlog", "theorem3_backlog", "backlog_scaling"]

[axes]
"objective.energy_budget_j" = [0.10, 0.12]
"""
KINDS = ("seeds", "verdicts")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        ) as c,
        distributed.Client(c) as client,
    ):
        yield c, client


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The in-process run of SPEC: what every Dask run must reproduce."""
    path = tmp_path_factory.mktemp("ref") / "ref.sqlite"
    out = run_sweep(loads_spec(SPEC), path, workers=0)
    assert out.complete and out.total == 32
    return {k: load_results(path, k) for k in KINDS}


def assert_same(store: Path, reference) -> None:
    for kind in KINDS:
        pd.testing.assert_frame_equal(load_results(store, kind), reference[kind], check_exact=True)


def cells_run(stream) -> set[str]:
    return {str(t["key"]).removeprefix("cell-") for t in stream.data if "cell-" in str(t["key"])}


def test_dask_sweep_equals_in_process_run(cluster, reference, tmp_path):
    c, client = cluster
    store = tmp_path / "r.sqlite"
    with distributed.get_task_stream(client) as stream:
        out = run_sweep(loads_spec(SPEC), store, scheduler=c.scheduler_address)
    assert out.complete and (out.reused, out.computed, out.judged) == (0, 32, 4)
    assert len(cells_run(stream)) == 32
    assert_same(store, reference)
    workers = load_results(store, "cells").worker.nunique()
    assert workers == 2  # the cells really ran in both worker processes
    # the comparison can fail: a store with one value changed differs from the reference
    con = sqlite3.connect(store)
    con.execute(
        "UPDATE summaries SET value = value * (1 + 1e-12) WHERE seed = 3 AND field = 'mean_Q'"
    )
    con.commit()
    con.close()
    with pytest.raises(AssertionError):
        assert_same(store, reference)


def test_sigkilled_sweep_resumes_with_only_the_missing_cells(cluster, reference, tmp_path):
    c, client = cluster
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(SPEC)
    store = tmp_path / "r.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "gelato_theory.cli.main", "sweep", str(spec_file)]
    cmd += ["--store", str(store), "--scheduler", c.scheduler_address, "--no-progress"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        finished = 0
        deadline = time.monotonic() + 120
        while finished < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
            if store.exists():
                try:
                    with sqlite3.connect(store, timeout=1) as con:
                        finished = con.execute("SELECT count(*) FROM cells").fetchone()[0]
                except sqlite3.OperationalError:
                    finished = 0  # the tables are being created
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    with Store.open(store) as st:
        before = st.cell_keys()
    total = {cell.key for cell in plan(loads_spec(SPEC)).cells}
    assert 4 <= len(before) < 32, "the sweep must be killed part-way"

    with distributed.get_task_stream(client) as stream:
        out = run_sweep(loads_spec(SPEC), store, scheduler=c.scheduler_address)
    ran = cells_run(stream)
    assert out.complete and out.reused == len(before) and out.computed == 32 - len(before)
    assert ran == total - before  # exactly the missing cells ran, no finished cell again
    with Store.open(store) as st:
        runs = st.runs()
        kept = st.conn.execute("SELECT count(*) FROM cells WHERE run = 1").fetchone()[0]
    assert kept == len(before) and [r["finished"] is None for r in runs] == [True, False]
    assert_same(store, reference)


def test_a_worker_killed_mid_sweep_changes_nothing(cluster, reference, tmp_path):
    c, client = cluster
    store = tmp_path / "r.sqlite"
    victim = next(iter(client.run(os.getpid).values()))
    killed = []

    def kill_when_started() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if store.exists():
                try:
                    with sqlite3.connect(store, timeout=1) as con:
                        n = con.execute("SELECT count(*) FROM cells").fetchone()[0]
                except sqlite3.OperationalError:
                    continue
                if n >= 3:
                    os.kill(victim, signal.SIGKILL)
                    killed.append(n)
                    return

    t = threading.Thread(target=kill_when_started)
    t.start()
    out = run_sweep(
        loads_spec(SPEC),
        store,
        scheduler=c.scheduler_address,
    )
    t.join()
    assert killed and killed[0] < 32
    assert out.complete and out.computed == 32, out.failures
    assert_same(store, reference)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker
