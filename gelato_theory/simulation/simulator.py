"""The batched simulator (SPEC §4, §6): V grid x seeds x horizon in lock-step array code.

All trajectories (one per (V, seed) pair) advance together, one round per step of
:class:`gelato_theory.simulation.step.Dynamics`: draw the round's noise (channel state, uniforms),
let the policy decide for the whole batch from its observation, run the round, update the virtual
queue Q(t+1) = max(Q(t) + y(t), 0). Per trajectory it keeps the streaming sums of
:mod:`gelato_theory.simulation.accumulators` only (memory does not grow with the horizon) plus, on
request, Q sampled every ``trace_every`` rounds.

Randomness: trajectory (V_i, seed_s) uses the executor stream with key (s,) and the policy stream
with key (s, 1), so every V sees the same channel and token draws (common random numbers), and a
trajectory's numbers depend only on (root seed, s) — never on the batch it runs in.

Empirical C (SPEC §4): each round, the exact per-slot optimum max_a V u(m, a) - Q y(m, a) minus the
chosen decision's value; for a menu action its expected value, for an off-menu decision (GELATO's
inner rule) the realized V u(t) - Q y(t), an unbiased per-round estimate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gelato_theory.control.protocol import Driver, Policy
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.rounds import Executor
from gelato_theory.scenario.model import Scenario
from gelato_theory.simulation.accumulators import summaries
from gelato_theory.simulation.compiled import call_groups, run_pairs, select_engine
from gelato_theory.simulation.loop import BatchLoop
from gelato_theory.simulation.step import Dynamics, QueueUpdate, lyapunov_update, realized_cost

if TYPE_CHECKING:
    from gelato_theory.progress import RunProgress

__all__ = ["QueueUpdate", "Simulation", "lyapunov_update", "realized_cost", "simulate"]


@dataclass(frozen=True, eq=False)
class Simulation:
    """Per-trajectory summaries, arrays of shape (n_V, S); traces (n_V, S, n_points) if recorded."""

    policy: str
    V: np.ndarray  # (n_V,)
    horizon: int
    Q0: float
    theta: float  # per-second utility weight (0 for per_round)
    mean_N: np.ndarray  # tokens/round
    mean_T: np.ndarray  # s/round
    mean_E: np.ndarray  # J/round
    mean_y: np.ndarray  # constraint cost per round, J
    mean_Q: np.ndarray  # (1/T) sum_{t<T} Q(t), J
    max_Q: np.ndarray  # max_{t<=T} Q(t), J
    final_Q: np.ndarray  # Q(T), J
    sum_y: np.ndarray  # sum_{t<T} y(t), J
    mean_k: np.ndarray  # sent tokens per round
    shortfall_mean: np.ndarray  # empirical C, mean per round
    shortfall_max: np.ndarray  # empirical C, largest per-round value
    model_dN: np.ndarray  # mean of N(t) - E[N | m(t), a(t)] (nan for off-menu decisions), tokens
    model_dE: np.ndarray  # mean of E(t) - E[E | m(t), a(t)] (nan for off-menu decisions), J
    state_counts: np.ndarray  # (n_V, S, M) int64: rounds spent in each channel state
    mean_u_model: np.ndarray  # (1/T) sum_t u(m_t, a_t) closed form (nan if any off-menu decision)
    mean_y_model: np.ndarray  # (1/T) sum_t y(m_t, a_t) closed form, J (nan likewise)
    max_identity_excess: np.ndarray  # max_t sum_{s<t} y(s) - (Q(t) - Q(0)), J (<= 0 if correct)
    trace_t: np.ndarray  # (n_points,) rounds at which Q was sampled
    trace_Q: np.ndarray | None
    engine: str = "numpy"  # the engine that ran: "numpy" (array) or "compiled" (numba)

    @property
    def mean_u(self) -> np.ndarray:
        """Per-round utility: N (per_round) or N - theta T (per_second)."""
        return self.mean_N - self.theta * self.mean_T

    @property
    def throughput(self) -> np.ndarray:
        """Tokens per second: sum N / sum T."""
        return self.mean_N / self.mean_T

    @property
    def joules_per_token(self) -> np.ndarray:
        return self.mean_E / self.mean_N

    @property
    def power_w(self) -> np.ndarray:
        return self.mean_E / self.mean_T

    def to_pandas(self):
        """One row per (V, seed) with every per-seed field (:mod:`gelato_theory.frames`)."""
        from gelato_theory.frames import simulation_frame

        return simulation_frame(self)

    def __repr__(self) -> str:
        from gelato_theory.frames import simulation_repr

        return simulation_repr(self)

    def _repr_markdown_(self) -> str:
        from gelato_theory.frames import simulation_markdown

        return simulation_markdown(self)


def simulate(
    scenario: Scenario,
    problem: Problem,
    policy: Policy,
    *,
    V: np.ndarray | Sequence[float] | None = None,
    seeds: int | None = None,
    horizon: int | None = None,
    root_seed: int | None = None,
    executor: Executor | None = None,
    trace_every: int = 0,
    batch: int | None = None,
    queue_update: QueueUpdate = lyapunov_update,
    progress: bool | RunProgress = False,
    engine: str | None = None,
    seed_offset: int = 0,
) -> Simulation:
    """Run ``policy`` for every (V, seed) trajectory; see the module docstring.

    ``batch`` caps how many trajectories advance together (default: all); results do not depend on it.
    ``engine``: "numpy", "compiled" (:mod:`gelato_theory.simulation.compiled`, same numbers) or
    "auto" (compiled when it supports the run); None: the process default (``auto``).
    ``seed_offset`` runs seed indices ``seed_offset .. seed_offset + seeds - 1``: a chunk of seeds
    gives the numbers those seeds have in a run over all of them.
    """
    V = np.asarray(scenario.control.V if V is None else V, dtype=float)
    S = scenario.verification.seeds if seeds is None else int(seeds)
    T = scenario.verification.horizon if horizon is None else int(horizon)
    root = scenario.verification.seed if root_seed is None else int(root_seed)
    dynamics = Dynamics(scenario, problem, executor or Executor(scenario), queue_update)
    pairs = [(i, s) for i in range(V.size) for s in range(seed_offset, seed_offset + S)]
    size = batch or len(pairs)
    eng = select_engine(engine, policy, dynamics.executor, queue_update)
    if eng == "compiled":
        # whole trajectories per kernel call, in groups: between calls Python sees Ctrl-C and
        # the bar advances by the rounds done (T per trajectory, in units of a policy's T)
        from gelato_theory.progress import track_steps

        groups = call_groups(len(pairs), T)
        work = [T * b // len(pairs) - T * a // len(pairs) for a, b in groups]
        runs = run_pairs(dynamics, policy, V, pairs, T, root, trace_every, groups)
        parts = list(track_steps(runs, work, policy.name, progress))
    else:
        parts = [
            _run(
                dynamics,
                policy,
                V,
                pairs[j : j + size],
                T,
                root,
                trace_every,
                progress if j == 0 else False,
            )
            for j in range(0, len(pairs), size)
        ]
    fields = {
        k: np.concatenate([p[k] for p in parts], axis=0).reshape(V.size, S, *parts[0][k].shape[1:])
        for k in parts[0]
    }
    trace_Q = fields.pop("trace_Q") if trace_every else None
    fields.pop("trace_Q", None)
    n_pts = 0 if trace_Q is None else trace_Q.shape[-1]
    return Simulation(
        policy=policy.name,
        V=V,
        horizon=T,
        Q0=scenario.control.Q0,
        theta=problem.theta,
        trace_t=np.minimum(np.arange(n_pts) * trace_every, T),
        trace_Q=trace_Q,
        engine=eng,
        **fields,
    )


def _run(
    dynamics: Dynamics,
    policy: Policy,
    V: np.ndarray,
    pairs: list[tuple[int, int]],
    T: int,
    root: int,
    trace_every: int,
    progress: bool | RunProgress,
) -> dict[str, np.ndarray]:
    """Advance one batch of (V index, seed) trajectories T rounds; the accumulators' arrays."""
    loop = BatchLoop(dynamics, V[[i for i, _ in pairs]], [s for _, s in pairs], root)
    driver = Driver(policy)
    pstate = driver.init(loop.batch)
    accs = summaries(dynamics.problem.M, trace_every, T)
    bufs = [a.start(loop.state) for a in accs]
    rounds: Iterable[int] = range(T)
    if progress:
        from gelato_theory.progress import track

        rounds = track(rounds, policy.name, progress)
    for _ in rounds:
        decision, pstate = driver.decide(loop.observe(), pstate)
        rec = loop.advance(decision)
        for a, b in zip(accs, bufs, strict=True):
            a.add(b, rec)
    out: dict[str, np.ndarray] = {}
    for a, b in zip(accs, bufs, strict=True):
        out.update(a.finish(b, T))
    return out
