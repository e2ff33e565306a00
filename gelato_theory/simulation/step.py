"""One round of a batch of trajectories as a pure step function (SPEC §4, §6).

In the spirit of a functional environment: :class:`BatchState` holds the arrays that carry over from
round to round (backlog Q, running totals, the model pair's context), :class:`RoundNoise` is the
round's randomness (one row of uniforms per trajectory, the channel state drawn from it, a uniform
for randomized controllers), and :meth:`Dynamics.step` maps (state, decision, noise) to the next
state and a :class:`Round` record, without mutating its inputs. The simulator and the notebook loop
(:class:`gelato_theory.simulation.loop.BatchLoop`) own the loop; accumulators
(:mod:`gelato_theory.simulation.accumulators`) summarize the records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from gelato_theory.control.envelope import EnvelopeTable, optimum_table
from gelato_theory.control.policies import Decision, Observation
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.rounds import Executor, RoundOutcome
from gelato_theory.executor.streams import TrajectoryStreams
from gelato_theory.scenario.model import Scenario

QueueUpdate = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Spawn-key suffix of a trajectory's controller stream: executor key (s,), controller (s, 1).
CONTROLLER_KEY = 1


def lyapunov_update(Q: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Q(t+1) = max(Q(t) + y(t), 0) (SPEC §4)."""
    return np.maximum(Q + y, 0.0)


def realized_cost(scenario: Scenario, E: np.ndarray, T: np.ndarray) -> np.ndarray:
    """y(t) = E - E_bar (per_round) or E - P_bar T (per_second), J."""
    obj = scenario.objective
    if obj.kind == "per_round":
        return E - obj.energy_budget_j
    return E - obj.power_budget_w * T


@dataclass(frozen=True, eq=False)
class BatchState:
    """A batch at the start of round ``t``; arrays are (B,)."""

    t: int
    Q: np.ndarray  # energy backlog, J
    tokens: np.ndarray  # tokens produced so far
    seconds: np.ndarray  # time elapsed so far, s
    spent: np.ndarray  # constraint cost so far, sum_{s<t} y(s), J
    history: np.ndarray | None  # the model pair's context (None: fresh)


@dataclass(frozen=True, eq=False)
class RoundNoise:
    """A round's randomness: uniforms (B, width), the channel state m (B,) drawn from column 0, and
    the controller's uniform (B,) in [0, 1)."""

    U: np.ndarray
    m: np.ndarray
    uniform: np.ndarray


class NoiseSource:
    """Per-trajectory streams of :class:`RoundNoise`: trajectory ``s`` reads the executor stream
    with spawn key (s,) and the controller stream (s, 1), so its noise depends only on (root seed,
    s) — never on the batch — and every V of one seed sees the same draws (common random numbers)."""

    def __init__(self, executor: Executor, root_seed: int, seeds: list[int]) -> None:
        self.executor = executor
        self._rounds = executor.streams(root_seed, [(s,) for s in seeds])
        self._ctrl = TrajectoryStreams(root_seed, [(s, CONTROLLER_KEY) for s in seeds], width=1)

    def next(self) -> RoundNoise:
        U = self._rounds.next()
        m = self.executor.channel_states(U[:, self.executor.layout.channel])
        return RoundNoise(U=U, m=m, uniform=self._ctrl.next()[:, 0])


@dataclass(frozen=True, eq=False)
class Round:
    """One round of a batch: what was seen, decided and paid; arrays (B,).

    ``Q`` is Q(t) before the round, ``y`` the realized constraint cost (J), ``after`` the state at
    the start of round t + 1 (``Q_next`` = Q(t+1)). Derived per-round quantities used by several
    accumulators are computed once, on first use.
    """

    dynamics: Dynamics
    t: int
    V: np.ndarray
    m: np.ndarray
    Q: np.ndarray
    decision: Decision
    outcome: RoundOutcome
    y: np.ndarray
    after: BatchState

    @property
    def Q_next(self) -> np.ndarray:
        return self.after.Q

    @cached_property
    def nan(self) -> np.ndarray:
        """A (B,) array of NaN (the value of a closed-form statistic off the menu)."""
        return np.full(self.m.shape, np.nan)

    @cached_property
    def on_menu(self) -> np.ndarray:
        """True where the decision is a menu action (its closed-form statistics apply)."""
        return self.decision.action >= 0

    @cached_property
    def menu_share(self) -> str:
        """ "all", "none" or "some": how many decisions of the round are menu actions."""
        on = self.on_menu
        return "all" if on.all() else ("some" if on.any() else "none")

    @cached_property
    def menu_cell(self) -> np.ndarray:
        """Flat index m * A + a of the (state, action) cell (a = 0 for off-menu decisions)."""
        return self.m * self.dynamics.problem.A + np.maximum(self.decision.action, 0)

    def at_cell(self, table: np.ndarray) -> np.ndarray:
        """``table[m, a]`` per trajectory (a = 0 for off-menu decisions)."""
        return table.ravel().take(self.menu_cell)

    def model(self, table: np.ndarray) -> np.ndarray:
        """``table[m, a]`` per trajectory, NaN for off-menu decisions."""
        return self.masked(self.at_cell(table))

    def masked(self, values: np.ndarray) -> np.ndarray:
        """``values`` where the decision is a menu action, NaN elsewhere."""
        share = self.menu_share
        if share == "all":
            return values
        if share == "none":
            return self.nan
        return np.where(self.on_menu, values, np.nan)

    @cached_property
    def u_cell(self) -> np.ndarray:
        """u(m, a) of the chosen cell (a = 0 for off-menu decisions)."""
        return self.at_cell(self.dynamics.problem.u)

    @cached_property
    def y_cell(self) -> np.ndarray:
        """y(m, a) of the chosen cell, J (a = 0 for off-menu decisions)."""
        return self.at_cell(self.dynamics.problem.y)

    @cached_property
    def shortfall(self) -> np.ndarray:
        """Empirical C of the round: the per-slot optimum minus the decision's DPP value (SPEC §4).

        For a menu action its expected value V u(m, a) - Q y(m, a); off the menu (GELATO's inner
        rule) the realized V u(t) - Q y(t), an unbiased estimate.
        """
        p, v, Q, m = self.dynamics.problem, self.V, self.Q, self.m
        lam = Q / v
        opt = self.decision.optimum  # the policy's own lookup of the optimum, if it made one
        if (
            opt is not None
            and opt[0] is p
            and (opt[1] is m or np.array_equal(opt[1], m))
            and np.array_equal(opt[2], lam)
        ):
            best_a = opt[3]
        else:
            best_a = self.dynamics.optimum.choose(m, lam)
        best_cell = m * p.A + best_a
        best = v * p.u.ravel().take(best_cell) - Q * p.y.ravel().take(best_cell)
        share = self.menu_share
        if share == "all":
            chosen = v * self.u_cell - Q * self.y_cell
        else:
            out = self.outcome
            realized = v * (out.N - p.theta * out.T) - Q * self.y
            chosen = (
                realized
                if share == "none"
                else np.where(self.on_menu, v * self.u_cell - Q * self.y_cell, realized)
            )
        return best - chosen


class Dynamics:
    """The round dynamics of a scenario (SPEC §2-§4): executor, constraint cost and queue update.

    Holds only fixed parameters; :meth:`step` is a pure function of its arguments.
    """

    def __init__(
        self,
        scenario: Scenario,
        problem: Problem,
        executor: Executor | None = None,
        queue_update: QueueUpdate = lyapunov_update,
    ) -> None:
        self.scenario = scenario
        self.problem = problem
        self.executor = executor or Executor(scenario)
        self.queue_update = queue_update

    @property
    def optimum(self) -> EnvelopeTable:
        """The exact per-slot optimum over the whole menu, for the empirical C (built once per
        problem)."""
        return optimum_table(self.problem)

    def noise(self, root_seed: int, seeds: list[int]) -> NoiseSource:
        """The round noise of trajectories with these seed indices."""
        return NoiseSource(self.executor, root_seed, seeds)

    def reset(self, batch: int, Q0: float | None = None) -> BatchState:
        """The state of ``batch`` fresh trajectories: Q(0) = Q0 (default: the scenario's)."""
        Q0 = self.scenario.control.Q0 if Q0 is None else Q0
        z = np.zeros
        return BatchState(
            t=0,
            Q=np.full(batch, float(Q0)),
            tokens=z(batch),
            seconds=z(batch),
            spent=z(batch),
            history=None,
        )

    @staticmethod
    def observe(state: BatchState, noise: RoundNoise, V: np.ndarray) -> Observation:
        """What a controller sees at the start of the round (SPEC §4)."""
        return Observation(
            m=noise.m,
            Q=state.Q,
            V=V,
            tokens=state.tokens,
            seconds=state.seconds,
            uniform=noise.uniform,
            t=state.t,
        )

    def step(
        self, state: BatchState, decision: Decision, noise: RoundNoise, V: np.ndarray
    ) -> tuple[BatchState, Round]:
        """Run the round: executor, y(t), Q(t+1) = queue_update(Q(t), y(t)); inputs are not mutated."""
        out = self.executor.run_round(
            noise.m, decision.K, decision.rule, noise.U, state.history, detail=False
        )
        y = realized_cost(self.scenario, out.E, out.T)
        Q_next = self.queue_update(state.Q, y)
        new = BatchState(
            t=state.t + 1,
            Q=Q_next,
            tokens=state.tokens + out.N,
            seconds=state.seconds + out.T,
            spent=state.spent + y,
            history=out.history,
        )
        rec = Round(self, state.t, V, noise.m, state.Q, decision, out, y, new)
        return new, rec
