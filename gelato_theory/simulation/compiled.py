"""The compiled engine (SPEC §3, §4, §6): numba kernels for table-type token models.

:func:`compiled_reason` says why a run cannot use it (None when it can): the executor must run the
synthetic type-table pair in speculative mode, the queue update must be the Lyapunov one, and the
policy one of the built-in DPP (envelope lookup, with or without GELATO's queue-aware inner rule),
:class:`Static`, :class:`Cumulative` or :class:`Oracle` policies. Anything else (user policies,
n-gram pairs, greedy mode, the running-theta DPP) runs on the array engine, the reference.

:func:`run_compiled` evaluates the same trajectories from the same counter-based streams
(:mod:`gelato_theory.executor.counter_rng`) and returns the same per-trajectory summaries, bit for bit.
numba is imported on first use; the kernels are cached on disk (``cache=True``), so only the first
run on a machine pays the compile time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from gelato_theory.control.envelope import optimum_table
from gelato_theory.control.policies import DPP, Cumulative, Oracle, Policy, Static
from gelato_theory.errors import FieldError
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.counter_rng import stream_keys
from gelato_theory.executor.rounds import Executor
from gelato_theory.executor.synthetic import SyntheticPair
from gelato_theory.scenario.model import Scenario
from gelato_theory.simulation.step import Dynamics

__all__ = [
    "ENGINES",
    "CompiledTables",
    "compiled_reason",
    "default_engine",
    "run_compiled",
    "run_pairs",
    "select_engine",
    "set_default_engine",
    "set_threads",
]

#: Engine names: "auto" picks "compiled" when it can run the combination, else "numpy".
ENGINES = ("auto", "numpy", "compiled")
_DEFAULT = {"engine": "auto"}


def _check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise FieldError("engine", engine, f"must be one of {', '.join(ENGINES)}")
    return engine


def set_default_engine(engine: str) -> None:
    """The engine ``simulate`` uses when called without ``engine`` (the CLI's ``--engine``)."""
    _DEFAULT["engine"] = _check_engine(engine)


def default_engine() -> str:
    return _DEFAULT["engine"]


def select_engine(
    engine: str | None, policy: Policy, executor: Executor, queue_update: Callable | None = None
) -> str:
    """ "numpy" or "compiled" for a run: ``engine`` (None: the default) resolved against what the
    compiled engine supports; forcing "compiled" on an unsupported run is an error."""
    engine = _check_engine(default_engine() if engine is None else engine)
    if engine == "numpy":
        return "numpy"
    why = compiled_reason(policy, executor, queue_update)
    if why is None:
        try:
            import numba  # noqa: F401
        except ImportError:  # pragma: no cover - numba is a core dependency
            why = "numba is not importable"
    if why is None:
        return "compiled"
    if engine == "compiled":
        raise FieldError("engine", engine, f"the compiled engine cannot run this: {why}")
    return "numpy"


def compiled_reason(
    policy: Policy, executor: Executor, queue_update: Callable | None = None
) -> str | None:
    """Why the compiled engine cannot run this combination, or None if it can."""
    from gelato_theory.simulation.step import lyapunov_update

    if type(executor) is not Executor or type(executor.pair) is not SyntheticPair:
        return "the token model is not a synthetic type table (the array engine runs other pairs)"
    if executor.mode != "speculative":
        return f"executor mode {executor.mode!r} (compiled: speculative only)"
    if queue_update is not None and queue_update is not lyapunov_update:
        return "a custom queue update"
    kind = type(policy)
    if type(policy) is DPP:
        if policy._table is None:
            return "a DPP policy with running theta (per-trajectory menu scan)"
        if policy.inner not in (None, "queue_aware"):
            return f"DPP inner rule {policy.inner!r}"
    elif kind not in (Static, Cumulative, Oracle):
        return f"policy {getattr(policy, 'name', kind.__name__)!r} is not a built-in policy"
    assert isinstance(policy, (DPP, Static, Cumulative, Oracle))  # the type checks above
    menu_K = np.array([policy.K]) if isinstance(policy, Cumulative) else policy.problem.stats.menu.K
    if int(np.max(menu_K)) > executor.K_max:
        return f"a budget above the executor's K_max = {executor.K_max}"
    return None


@dataclass(frozen=True, eq=False)
class CompiledTables:
    """Every table the kernel reads, as contiguous arrays (built once per simulate call)."""

    args: tuple
    M: int

    @classmethod
    def build(
        cls, scenario: Scenario, problem: Problem, policy: Policy, ex: Executor
    ) -> CompiledTables:
        from gelato_theory.simulation import compiled_kernel as kern

        pair: SyntheticPair = ex.pair  # type: ignore[assignment]
        st, menu = problem.stats, problem.stats.menu
        obj = scenario.objective
        per_second = obj.kind != "per_round"
        budget = float(obj.budget)
        optimum = optimum_table(problem)
        f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
        i64 = lambda a: np.ascontiguousarray(a, dtype=np.int64)  # noqa: E731
        pol, breaks, actions = 1, np.zeros((1, 1)), np.zeros((1, 2), dtype=np.int64)
        static_a, inner_qa, gamma, cum_K, cum_h = 0, False, 0.0, 0, 0.0
        oracle_cdf = np.zeros((1, 1))
        if type(policy) is DPP:
            assert policy._table is not None  # compiled_reason refuses a DPP without a table
            pol, breaks, actions = 0, policy._table.breaks, policy._table.actions
            inner_qa, gamma = policy.inner == "queue_aware", float(policy.gamma)
        elif type(policy) is Static:
            static_a = int(policy.action)
        elif type(policy) is Cumulative:
            pol, cum_K, cum_h, gamma = 2, int(policy.K), float(policy.h), float(policy.gamma)
        else:  # Oracle: the cumulative sums its decide() takes, last column exactly 1
            assert type(policy) is Oracle  # compiled_reason admits only the four built-ins
            pol = 3
            oracle_cdf = np.cumsum(policy.policy, axis=1)
            oracle_cdf[:, -1] = 1.0
        dev, edge = scenario.device, scenario.edge
        pi_cdf = f64(ex._pi_cdf)
        fused = pair._fused  # the array engine's alias tables, read by the kernel as they are
        args = (
            int(ex.K_max),
            pi_cdf.reshape(1, -1),
            f64(fused.type_keep),
            i64(fused.type_value),
            f64(fused.draft_keep),
            f64(fused.q),
            f64(fused.p),
            f64(fused.H),
            int(pair.vocab_size),
            int(pair.J),
            f64(ex.e_tx),
            f64(ex.t_tx),
            float(dev.e_0),
            float(dev.e_c),
            float(edge.tau_0),
            float(dev.tau_c),
            float(edge.tau_v1),
            per_second,
            budget,
            float(problem.theta),
            kern.cell_records(problem.u, problem.y, st.N, st.E),
            i64(menu.K),
            f64(menu.eta),
            f64(st.e_tx),
            f64(optimum.breaks),
            i64(optimum.actions),
            pol,
            f64(breaks),
            i64(actions),
            bool(
                np.array_equal(breaks, optimum.breaks) and np.array_equal(actions, optimum.actions)
            ),
            static_a,
            inner_qa,
            gamma,
            cum_K,
            cum_h,
            f64(oracle_cdf),
            kern.cdf_buckets(pi_cdf),
        )
        return cls(args=args, M=int(ex.M))


def set_threads(n: int | None) -> int:
    """Use n numba threads (None: all); returns the number in use."""
    import numba

    numba.set_num_threads(
        numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # set at import from the env
        if n is None
        else int(n)
    )
    return numba.get_num_threads()


def run_compiled(
    tables: CompiledTables,
    V: np.ndarray,
    seeds: Sequence[int],
    horizon: int,
    root_seed: int,
    Q0: float,
    trace_every: int = 0,
) -> dict[str, np.ndarray]:
    """Summaries of trajectories (V[b], seed s_b), keyed like the array engine's accumulators.

    Streams: executor key (s,), policy key (s, 1) under ``root_seed`` (as the array engine).
    """
    from gelato_theory.simulation import compiled_kernel as kern

    B, T = len(seeds), int(horizon)
    spawn = np.asarray(seeds, dtype=np.int64).reshape(-1, 1)
    keys = stream_keys(root_seed, spawn)
    ckeys = stream_keys(root_seed, np.hstack([spawn, np.ones_like(spawn)]))
    n_pts = (T + trace_every - 1) // trace_every + 1 if trace_every else 0
    out = np.empty((kern.N_FLOAT, B))
    counts = np.zeros((B, tables.M), dtype=np.int64)
    trace = np.empty((B, max(n_pts, 1)))
    kern.run_batch(  # type: ignore[call-arg]  # numba types a jitted function as (*args)
        keys,
        ckeys,
        np.ascontiguousarray(V, dtype=np.float64),
        float(Q0),
        T,
        int(trace_every),
        *tables.args,
        out,
        counts,
        trace,
    )
    res = {name: out[i] for i, name in enumerate(kern.FIELDS)}
    res["state_counts"] = counts
    if trace_every:
        res["trace_Q"] = trace
    return res


#: trajectory-rounds per kernel call: the kernel runs whole trajectories, so Python (Ctrl-C, the
#: progress bar) gets control back between calls, about every 0.2-0.5 s of work
CALL_WORK = 1 << 21


def call_groups(n_pairs: int, T: int) -> list[tuple[int, int]]:
    """Consecutive [start, stop) groups of trajectories, one kernel call each: about CALL_WORK
    trajectory-rounds, and at least one trajectory per numba thread."""
    import numba

    size = max(numba.get_num_threads(), -(-CALL_WORK // max(int(T), 1)), 1)
    return [(a, min(a + size, n_pairs)) for a in range(0, n_pairs, size)]


def run_pairs(
    dynamics: Dynamics,
    policy: Policy,
    V: np.ndarray,
    pairs: Sequence[tuple[int, int]],
    T: int,
    root_seed: int,
    trace_every: int = 0,
    groups: Sequence[tuple[int, int]] | None = None,
) -> Iterator[dict[str, np.ndarray]]:
    """The compiled counterpart of the simulator's batch loop: trajectories (V[i], seed s) for the
    (i, s) in ``pairs``, summaries keyed as the accumulators name them, one dict per group of
    ``groups`` (default: all pairs at once). Trajectories are independent streams, so the grouping
    does not change a number."""
    tables = CompiledTables.build(dynamics.scenario, dynamics.problem, policy, dynamics.executor)
    v = np.asarray(V, dtype=float)[[i for i, _ in pairs]]
    seeds = [s for _, s in pairs]
    Q0 = dynamics.scenario.control.Q0
    for a, b in groups or [(0, len(pairs))]:
        yield run_compiled(tables, v[a:b], seeds[a:b], T, root_seed, Q0, trace_every)
