"""Run a sweep (SPEC §7 ``sweep``): every missing cell as a Dask task, results into the store.

``run_sweep(spec, store)`` expands and validates the whole grid first, opens (or creates) the store,
and submits only the cells whose content hash is not in it yet: a sweep interrupted by Ctrl-C,
SIGKILL or a dying worker resumes by running the same command. The client writes each finished
cell in its own transaction as tasks complete, and once every cell of a grid point x policy is in,
submits the task that judges its claims. Workers:

* ``workers=None``: a local ``dask.distributed`` cluster of one single-threaded worker process per
  core (the dashboard address is printed); ``workers=N``: N such processes;
* ``scheduler="tcp://host:port"``: an existing cluster (its workers must run the same package version);
* ``workers=0``: no Dask, every task in this process, in plan order (the reference the Dask runs
  are tested against).

Numbers do not depend on the choice: a cell's seeds are simulated with their own seed indices.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gelato_theory import __version__
from gelato_theory.errors import GelatoError
from gelato_theory.sweep.cells import Cell, CellResult, Group, Plan, join_simulation, plan
from gelato_theory.sweep.spec import SweepSpec, point_label
from gelato_theory.sweep.store import Store


class SweepError(GelatoError):
    """A sweep cannot go on (e.g. the cluster's workers run another package version)."""


@dataclass
class SweepOutcome:
    """What one ``run_sweep`` call did: counts of cells and verdicts, failures, time."""

    name: str
    store: str
    run: int
    total: int  # cells in the plan
    reused: int  # already in the store when the run started
    computed: int = 0  # finished and written by this run
    groups: int = 0  # grid point x policy groups in the plan
    judged: int = 0  # groups judged by this run
    statuses: dict[str, int] = field(default_factory=dict)  # verdicts of the whole plan by status
    failures: list[str] = field(default_factory=list)  # "cell ...: error" lines
    elapsed_s: float = 0.0
    dashboard: str | None = None

    @property
    def complete(self) -> bool:
        return self.reused + self.computed == self.total and not self.failures

    def summary(self) -> str:
        verdicts = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())) or "none"
        return (
            f"sweep {self.name}: {self.reused + self.computed}/{self.total} cells in {self.store} "
            f"({self.reused} reused, {self.computed} computed in {self.elapsed_s:.1f} s); "
            f"verdicts: {verdicts}"
        )


def run_sweep(
    spec: SweepSpec,
    store: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    echo: Callable[[str], None] | None = None,
) -> SweepOutcome:
    """Run the missing cells of ``spec`` into ``store`` (see the module docstring)."""
    echo = echo or (lambda _msg: None)
    if workers is not None and workers < 0:
        raise SweepError(f"--workers = {workers}: must be >= 0")
    the_plan = plan(spec)  # validates every point before anything runs
    t0 = time.perf_counter()
    with Store.open(store) as st:
        done = st.cell_keys() & {c.key for c in the_plan.cells}
        judged = st.group_keys()
        run = st.begin_run(spec.name, spec.text, len(the_plan.cells), len(done))
        st.put_scenarios(the_plan.scenarios)
        out = SweepOutcome(
            spec.name, str(store), run, len(the_plan.cells), len(done), groups=len(the_plan.groups)
        )
        tracker = _Tracker(the_plan, done, judged)
        bar = _Progress(out.total, out.reused, spec.name, progress)
        try:
            with _backend(workers, scheduler, echo) as backend:
                out.dashboard = backend.dashboard
                for kind, obj, result, error in backend.run(tracker, st):
                    if kind == "cell":
                        if error is None:
                            _check_version(result)
                            out.computed += st.put_cell(run, obj, result)
                            bar.update()
                        else:
                            out.failures.append(f"cell {_label(obj)}: {error}")
                    elif error is None:
                        st.put_verdicts(run, obj, result)
                        out.judged += 1
                    else:
                        out.failures.append(f"verdicts of {_label(obj)}: {error}")
        finally:
            bar.close()
            out.elapsed_s = time.perf_counter() - t0
        st.finish_run(run)
        out.statuses = _statuses(st, the_plan)
    return out


def _label(obj: Cell | Group) -> str:
    where = f"{point_label(obj.point)}, policy {obj.policy}"
    if isinstance(obj, Cell):
        where += f", V={obj.V:g}, seeds {obj.seed_start}..{obj.seed_stop - 1}"
    return where


def _check_version(result: CellResult) -> None:
    if result.version != __version__:
        raise SweepError(
            f"a worker runs gelato-theory {result.version}, this client {__version__}: "
            "install the same version on the cluster"
        )


def _statuses(st: Store, the_plan: Plan) -> dict[str, int]:
    keys = [g.key for g in the_plan.groups]
    out: dict[str, int] = {}
    for i in range(0, len(keys), 500):
        part = keys[i : i + 500]
        rows = st.conn.execute(
            f"SELECT status, count(*) FROM verdicts WHERE grp IN ({','.join('?' * len(part))}) "
            "GROUP BY status",
            part,
        )
        for s, n in rows:
            out[s] = out.get(s, 0) + n
    return out


class _Tracker:
    """Which cells remain, and which groups become ready to judge as cells finish.

    A group is judged together with its siblings (the other policies of its grid point: the
    Bonferroni level of a run counts every policy's intervals), so it is ready when the cells of
    every sibling are in the store."""

    def __init__(self, the_plan: Plan, done: set[str], judged: set[str]) -> None:
        self.todo = [c for c in the_plan.cells if c.key not in done]
        self.pending = {g.key: {k for k in g.cells if k not in done} for g in the_plan.groups}
        self.groups = {g.key: g for g in the_plan.groups}
        self.family: dict[tuple, list[str]] = {}
        for g in the_plan.groups:
            self.family.setdefault(_family_key(g), []).append(g.key)
        self.unjudged = {g.key for g in the_plan.groups if g.key not in judged}

    def siblings(self, group: Group) -> list[Group]:
        return [self.groups[k] for k in self.family[_family_key(group)]]

    def _ready(self, keys) -> list[Group]:
        out = []
        for k in keys:
            fam = self.family[_family_key(self.groups[k])]
            if k in self.unjudged and not any(self.pending[f] for f in fam):
                self.unjudged.discard(k)
                out.append(self.groups[k])
        return out

    def ready_now(self) -> list[Group]:
        """Groups whose cells and siblings' cells are all in the store already (judged first)."""
        return self._ready(list(self.groups))

    def finished(self, cell: Cell) -> list[Group]:
        """Mark a cell written; the groups it makes ready, if any."""
        self.pending[cell.group].discard(cell.key)
        return self._ready(self.family[_family_key(self.groups[cell.group])])


def _family_key(g: Group) -> tuple:
    return (g.scenario_hash, g.V, g.seeds, g.horizon, g.policies)


def _family_simulations(st: Store, tracker: _Tracker, group: Group) -> dict:
    return {s.policy: _group_simulation(st, s) for s in tracker.siblings(group)}


def _group_simulation(st: Store, group: Group):
    values, attrs = st.group_arrays(group.cells, len(group.V))
    return join_simulation(group.V, values, attrs)


Event = tuple[str, Any, Any, str | None]  # (kind "cell"|"group", cell or group, result, error)


class _Inline:
    """Every task in this process, in plan order."""

    dashboard = None

    def run(self, tracker: _Tracker, st: Store) -> Iterator[Event]:
        from gelato_theory.sweep.cells import judge_group, run_cell

        for g in tracker.ready_now():
            yield "group", g, judge_group(g, _family_simulations(st, tracker, g)), None
        for cell in tracker.todo:
            yield "cell", cell, run_cell(cell), None
            for g in tracker.finished(cell):
                yield "group", g, judge_group(g, _family_simulations(st, tracker, g)), None


class _Dask:
    """Tasks on a dask.distributed cluster; results come back as they finish."""

    def __init__(self, client: Any, dashboard: str | None) -> None:
        self.client = client
        self.dashboard = dashboard

    def run(self, tracker: _Tracker, st: Store) -> Iterator[Event]:
        from distributed import as_completed

        from gelato_theory.sweep.cells import judge_group, run_cell

        client = self.client
        what: dict[str, tuple[str, Any]] = {}

        def judge(g: Group):
            sims = _family_simulations(st, tracker, g)
            fut = client.submit(judge_group, g, sims, key=f"judge-{g.key}")
            what[fut.key] = ("group", g)
            return fut

        futures = [judge(g) for g in tracker.ready_now()]
        for cell in tracker.todo:
            fut = client.submit(run_cell, cell, key=f"cell-{cell.key}")
            what[fut.key] = ("cell", cell)
            futures.append(fut)
        queue = as_completed(futures)
        for fut in queue:
            kind, obj = what.pop(fut.key)
            if fut.status == "error":
                exc = fut.exception()
                yield kind, obj, None, f"{type(exc).__name__}: {exc}"
            else:
                result = fut.result()
                yield kind, obj, result, None
                if kind == "cell":
                    for g in tracker.finished(obj):
                        queue.add(judge(g))
            fut.release()


@contextmanager
def _backend(workers: int | None, scheduler: str | None, echo: Callable[[str], None]):
    if workers == 0 and scheduler is None:
        yield _Inline()
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            echo(f"dask scheduler {scheduler}, dashboard {client.dashboard_link}")
            yield _Dask(client, client.dashboard_link)
        return
    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,
    ):
        echo(f"dask local cluster: {n} worker processes, dashboard {cluster.dashboard_link}")
        yield _Dask(client, cluster.dashboard_link)


class _Progress:
    """Cells done / total with an ETA: a tqdm bar on a terminal, else a line every 10 %."""

    def __init__(self, total: int, initial: int, name: str, enabled: bool) -> None:
        self.total, self.n, self.start_n = total, initial, initial
        self.t0 = time.perf_counter()
        self.enabled = enabled
        self.bar = None
        self.next_line = initial + max(1, total // 10)
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="cell", desc=name, smoothing=0.05)

    def update(self) -> None:
        self.n += 1
        if self.bar is not None:
            self.bar.update()
        elif self.enabled and (self.n >= self.next_line or self.n == self.total):
            self.next_line = self.n + max(1, self.total // 10)
            print(self.line(), file=sys.stderr, flush=True)

    def line(self) -> str:
        el = time.perf_counter() - self.t0
        rate = (self.n - self.start_n) / el if el > 0 else 0.0
        eta = (self.total - self.n) / rate if rate > 0 else float("nan")
        return f"cells {self.n}/{self.total} ({100 * self.n / self.total:.0f} %), ETA {eta:.0f} s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
