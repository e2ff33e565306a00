"""``reset`` / ``step`` over a batch of trajectories: the simulator's loop, open to users (SPEC §4.1).

:class:`BatchLoop` is the stateful wrapper around the pure step of
:mod:`gelato_theory.simulation.step`: it holds the batch's state and noise streams, shows the
current :class:`Observation`, and advances one round per :meth:`BatchLoop.step`. The simulator
drives every policy, built-in or not, through it; in a notebook::

    loop = BatchLoop.create(scenario, V=[0.01, 0.1], seeds=4)
    obs = loop.reset()
    for _ in range(100):
        obs, rnd = loop.step(my_decide(obs))
    loop.state.Q, rnd.outcome.N              # backlog (J) and tokens of the last round

Trajectory i of a loop built by :meth:`create` has weight V[i // seeds] and seed index i % seeds,
the order and random streams of :func:`gelato_theory.simulation.simulate`, so the same decisions
give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gelato_theory.control.protocol import Decision, Driver, Observation
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.rounds import Executor
from gelato_theory.scenario.model import Scenario
from gelato_theory.simulation.step import (
    BatchState,
    Dynamics,
    QueueUpdate,
    Round,
    RoundNoise,
    lyapunov_update,
)


class BatchLoop:
    """A batch of trajectories advanced one round per :meth:`step` (see the module docstring)."""

    def __init__(
        self, dynamics: Dynamics, V: np.ndarray, seeds: Sequence[int], root_seed: int
    ) -> None:
        self.dynamics = dynamics
        self.V = np.asarray(V, dtype=float)
        self.seeds = [int(s) for s in seeds]
        self.root_seed = int(root_seed)
        self.reset()

    @classmethod
    def create(
        cls,
        scenario: Scenario,
        problem: Problem | None = None,
        *,
        V: Sequence[float] | None = None,
        seeds: int | None = None,
        root_seed: int | None = None,
        executor: Executor | None = None,
        queue_update: QueueUpdate = lyapunov_update,
    ) -> BatchLoop:
        """V grid (default: the scenario's) x seeds trajectories, in :func:`simulate`'s order."""
        if problem is None:
            from gelato_theory.exact.bounds import constants

            problem, _ = constants(scenario)
        grid = np.asarray(scenario.control.V if V is None else V, dtype=float)
        S = scenario.verification.seeds if seeds is None else int(seeds)
        root = scenario.verification.seed if root_seed is None else int(root_seed)
        dyn = Dynamics(scenario, problem, executor or Executor(scenario), queue_update)
        return cls(dyn, np.repeat(grid, S), list(range(S)) * grid.size, root)

    @property
    def batch(self) -> int:
        return self.V.size

    def reset(self) -> Observation:
        """Back to round 0 (Q = Q0, fresh streams); the first observation."""
        self._noise_source = self.dynamics.noise(self.root_seed, self.seeds)
        self.state: BatchState = self.dynamics.reset(self.batch)
        self._noise: RoundNoise | None = None
        return self.observe()

    def observe(self) -> Observation:
        """The current round's observation (drawing the round's noise on first call)."""
        if self._noise is None:
            self._noise = self._noise_source.next()
        return self.dynamics.observe(self.state, self._noise, self.V)

    def advance(self, decision: Decision) -> Round:
        """Run the current round with ``decision``; the round's record."""
        if self._noise is None:
            self._noise = self._noise_source.next()
        self.state, rec = self.dynamics.step(self.state, decision, self._noise, self.V)
        self._noise = None
        return rec

    def step(self, decision: Decision) -> tuple[Observation, Round]:
        """Run the current round; the next observation and this round's record."""
        rec = self.advance(decision)
        return self.observe(), rec

    def rollout(self, policy: object, rounds: int) -> list[Round]:
        """Drive ``policy`` (any policy of :mod:`gelato_theory.control.protocol`) for ``rounds``."""
        driver = Driver(policy)
        pstate = driver.init(self.batch)
        out = []
        for _ in range(rounds):
            decision, pstate = driver.decide(self.observe(), pstate)
            out.append(self.advance(decision))
        return out
