"""The batched simulator (SPEC §4, §6): V grid x seeds x horizon in lock-step array code.

All trajectories (one per (V, seed) pair) advance together, one round per step: draw the channel
state, let the policy decide for the whole batch, run the round on the executor, update the virtual
queue Q(t+1) = max(Q(t) + y(t), 0). Per trajectory it keeps streaming sums only (memory does not
grow with the horizon) plus, on request, Q sampled every ``trace_every`` rounds.

Randomness: trajectory (V_i, seed_s) uses the executor stream with key (s,) and the policy stream
with key (s, 1), so every V sees the same channel and token draws (common random numbers), and a
trajectory's numbers depend only on (root seed, s) — never on the batch it runs in.

Empirical C (SPEC §4): each round, the exact per-slot optimum max_a V u(m, a) - Q y(m, a) minus the
chosen decision's value; for a menu action its expected value, for an off-menu decision (GELATO's
inner rule) the realized V u(t) - Q y(t), an unbiased per-round estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gelato_theory.control.envelope import EnvelopeTable
from gelato_theory.control.policies import Observation, Policy
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.rounds import Executor
from gelato_theory.executor.streams import TrajectoryStreams
from gelato_theory.scenario.model import Scenario

QueueUpdate = Callable[[np.ndarray, np.ndarray], np.ndarray]


def lyapunov_update(Q: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Q(t+1) = max(Q(t) + y(t), 0) (SPEC §4)."""
    return np.maximum(Q + y, 0.0)


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
    trace_t: np.ndarray  # (n_points,) rounds at which Q was sampled
    trace_Q: np.ndarray | None

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


def realized_cost(scenario: Scenario, E: np.ndarray, T: np.ndarray) -> np.ndarray:
    """y(t) = E - E_bar (per_round) or E - P_bar T (per_second), J."""
    obj = scenario.objective
    if obj.kind == "per_round":
        return E - obj.energy_budget_j
    return E - obj.power_budget_w * T


def simulate(
    scenario: Scenario,
    problem: Problem,
    policy: Policy,
    *,
    V: np.ndarray | None = None,
    seeds: int | None = None,
    horizon: int | None = None,
    root_seed: int | None = None,
    executor: Executor | None = None,
    trace_every: int = 0,
    batch: int | None = None,
    queue_update: QueueUpdate = lyapunov_update,
    progress: bool = False,
) -> Simulation:
    """Run ``policy`` for every (V, seed) trajectory; see the module docstring.

    ``batch`` caps how many trajectories advance together (default: all); results do not depend on it.
    """
    V = np.asarray(scenario.control.V if V is None else V, dtype=float)
    S = scenario.verification.seeds if seeds is None else int(seeds)
    T = scenario.verification.horizon if horizon is None else int(horizon)
    root = scenario.verification.seed if root_seed is None else int(root_seed)
    ex = executor or Executor(scenario)
    pairs = [(i, s) for i in range(V.size) for s in range(S)]
    size = batch or len(pairs)
    parts = [
        _run(
            scenario,
            problem,
            policy,
            ex,
            V,
            pairs[j : j + size],
            T,
            root,
            trace_every,
            queue_update,
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
    n_pts = 0 if not trace_every else trace_Q.shape[-1]
    return Simulation(
        policy=policy.name,
        V=V,
        horizon=T,
        Q0=scenario.control.Q0,
        theta=problem.theta,
        trace_t=np.minimum(np.arange(n_pts) * trace_every, T),
        trace_Q=trace_Q,
        **fields,
    )


def _run(scenario, problem, policy, ex, V, pairs, T, root, trace_every, queue_update, progress):
    B = len(pairs)
    optimum = EnvelopeTable.build(problem.u, problem.y)  # the exact per-slot optimum, for C
    v = V[[i for i, _ in pairs]]
    seeds = [s for _, s in pairs]
    streams = ex.streams(root, [(s,) for s in seeds])
    ctrl = TrajectoryStreams(root, [(s, 1) for s in seeds], width=1)
    Q = np.full(B, float(scenario.control.Q0))
    zeros = lambda: np.zeros(B)  # noqa: E731
    sN, sT, sE, sy, sQ, sk, sC, dN, dE = (zeros() for _ in range(9))
    maxQ = Q.copy()
    maxC = np.full(B, -np.inf)
    n_pts = (T + trace_every - 1) // trace_every + 1 if trace_every else 0
    trace = np.empty((B, n_pts)) if trace_every else None
    history = None
    rounds = range(T)
    if progress:
        from gelato_theory.progress import track

        rounds = track(rounds, policy.name, progress)
    for t in rounds:
        if trace_every and t % trace_every == 0:
            trace[:, t // trace_every] = Q
        U = streams.next()
        m = ex.channel_states(U[:, ex.layout.channel])
        obs = Observation(m=m, Q=Q, V=v, tokens=sN, seconds=sT, uniform=ctrl.next()[:, 0])
        d = policy.decide(obs)
        out = ex.run_round(m, d.K, d.rule, U, history, detail=False)
        history = out.history
        y = realized_cost(scenario, out.E, out.T)
        on_menu = d.action >= 0
        a = np.maximum(d.action, 0)
        best_a = optimum.choose(m, Q / v)
        best = v * problem.u[m, best_a] - Q * problem.y[m, best_a]
        chosen = np.where(
            on_menu,
            v * problem.u[m, a] - Q * problem.y[m, a],
            v * (out.N - problem.theta * out.T) - Q * y,
        )
        short = best - chosen
        dN += np.where(on_menu, out.N - problem.stats.N[m, a], np.nan)
        dE += np.where(on_menu, out.E - problem.stats.E[m, a], np.nan)
        sC += short
        np.maximum(maxC, short, out=maxC)
        sN += out.N
        sT += out.T
        sE += out.E
        sy += y
        sk += out.k
        sQ += Q
        Q = queue_update(Q, y)
        np.maximum(maxQ, Q, out=maxQ)
    if trace_every:
        trace[:, -1] = Q
    res = {
        "mean_N": sN / T,
        "mean_T": sT / T,
        "mean_E": sE / T,
        "mean_y": sy / T,
        "mean_Q": sQ / T,
        "max_Q": maxQ,
        "final_Q": Q,
        "sum_y": sy,
        "mean_k": sk / T,
        "shortfall_mean": sC / T,
        "shortfall_max": maxC,
        "model_dN": dN / T,
        "model_dE": dE / T,
    }
    if trace_every:
        res["trace_Q"] = trace
    return res
