"""Named per-trajectory summaries of a run, updated once per round (SPEC §6).

Each accumulator is a small stateless spec: ``start(state)`` allocates its buffer for a batch,
``add(buf, round)`` folds one :class:`gelato_theory.simulation.step.Round` into it in place, and
``finish(buf, T)`` returns its named arrays. :data:`SUMMARIES` lists the ones every
:class:`gelato_theory.simulation.simulator.Simulation` holds, in order; the arithmetic (operation
order included) is part of the contract, so that compiled engines reproduce the numbers bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from gelato_theory.simulation.step import BatchState, Round

PerRound = Callable[[Round], np.ndarray]


class Accumulator(Protocol):
    """A running summary of a batch's rounds."""

    def start(self, state: BatchState) -> Any: ...

    def add(self, buf: Any, r: Round) -> None: ...

    def finish(self, buf: Any, T: int) -> dict[str, np.ndarray]: ...


@dataclass(frozen=True)
class Sum:
    """s = sum_t f(round) (added in round order, from 0.0); reported as ``mean`` = s / T and/or
    ``total`` = s."""

    of: PerRound
    mean: str | None = None
    total: str | None = None

    def start(self, state: BatchState) -> np.ndarray:
        return np.zeros(state.Q.shape[0])

    def add(self, buf: np.ndarray, r: Round) -> None:
        buf += self.of(r)

    def finish(self, buf: np.ndarray, T: int) -> dict[str, np.ndarray]:
        out = {}
        if self.mean:
            out[self.mean] = buf / T
        if self.total:
            out[self.total] = buf
        return out


@dataclass(frozen=True)
class Maximum:
    """max over rounds of f(round), starting from ``initial(state)`` (a float or Q(0))."""

    name: str
    of: PerRound
    initial: float | None = None  # None: start from Q(0)

    def start(self, state: BatchState) -> np.ndarray:
        if self.initial is None:
            return state.Q.copy()
        return np.full(state.Q.shape[0], self.initial)

    def add(self, buf: np.ndarray, r: Round) -> None:
        np.maximum(buf, self.of(r), out=buf)

    def finish(self, buf: np.ndarray, T: int) -> dict[str, np.ndarray]:
        return {self.name: buf}


@dataclass(frozen=True)
class Final:
    """A field of the state after the last round: ``value`` = x(T) and/or ``mean`` = x(T) / T
    (for the running totals of :class:`BatchState`, summed in round order from 0.0)."""

    of: Callable[[BatchState], np.ndarray]
    value: str | None = None
    mean: str | None = None

    def start(self, state: BatchState) -> list[BatchState]:
        return [state]

    def add(self, buf: list[BatchState], r: Round) -> None:
        buf[0] = r.after

    def finish(self, buf: list[BatchState], T: int) -> dict[str, np.ndarray]:
        x = self.of(buf[0])
        out = {}
        if self.mean:
            out[self.mean] = x / T
        if self.value:
            out[self.value] = x
        return out


@dataclass(frozen=True)
class StateCounts:
    """``state_counts`` (B, M) int64: rounds spent in each channel state m, so that
    sum_t phi(m_t) = state_counts @ phi for any per-state vector phi. The states of up to ``window``
    rounds are kept and counted together (one bincount per window)."""

    M: int
    name: str = "state_counts"
    window: int = 64

    def start(self, state: BatchState) -> list:
        B = state.Q.shape[0]
        cells = np.arange(B) * self.M  # flat index of (b, 0)
        return [
            np.zeros(B * self.M, dtype=np.int64),
            cells,
            np.empty((self.window, B), np.int64),
            0,
        ]

    def add(self, buf: list, r: Round) -> None:
        recent, n = buf[2], buf[3]
        recent[n] = r.m
        buf[3] = n + 1
        if n + 1 == self.window:
            self._flush(buf)

    def _flush(self, buf: list) -> None:
        counts, cells, recent, n = buf
        if n:
            counts += np.bincount((recent[:n] + cells).ravel(), minlength=counts.size)
            buf[3] = 0

    def finish(self, buf: list, T: int) -> dict[str, np.ndarray]:
        self._flush(buf)
        return {self.name: buf[0].reshape(-1, self.M)}


@dataclass(frozen=True)
class IdentityExcess:
    """``max_identity_excess``: max over t = 1..T of sum_{s<t} y(s) - (Q(t) - Q(0)), J (SPEC §6).

    With ``spent`` = sum_{s<=t} y(s) (summed in round order from 0.0, :class:`BatchState`), the excess
    after round t is spent - (Q(t+1) - Q(0)); it is <= 0 for Q(t+1) = max(Q(t) + y(t), 0).
    """

    name: str = "max_identity_excess"

    def start(self, state: BatchState) -> tuple[np.ndarray, np.ndarray]:
        return np.full(state.Q.shape[0], -np.inf), state.Q

    def add(self, buf: tuple[np.ndarray, np.ndarray], r: Round) -> None:
        best, Q0 = buf
        np.maximum(best, r.after.spent - (r.after.Q - Q0), out=best)

    def finish(self, buf: tuple[np.ndarray, np.ndarray], T: int) -> dict[str, np.ndarray]:
        return {self.name: buf[0]}


@dataclass(frozen=True)
class QueueTrace:
    """``trace_Q`` (B, n_points): Q(t) at t = 0, every, 2·every, ... and Q(T) last."""

    every: int
    horizon: int
    name: str = "trace_Q"

    @property
    def points(self) -> int:
        return (self.horizon + self.every - 1) // self.every + 1

    def start(self, state: BatchState) -> np.ndarray:
        return np.empty((state.Q.shape[0], self.points))

    def add(self, buf: np.ndarray, r: Round) -> None:
        if r.t % self.every == 0:
            buf[:, r.t // self.every] = r.Q
        if r.t == self.horizon - 1:
            buf[:, -1] = r.Q_next

    def finish(self, buf: np.ndarray, T: int) -> dict[str, np.ndarray]:
        return {self.name: buf}


def _utility_model(r: Round) -> np.ndarray:
    return r.masked(r.u_cell)


def _cost_model(r: Round) -> np.ndarray:
    return r.masked(r.y_cell)


def _dN(r: Round) -> np.ndarray:
    return r.outcome.N - r.model(r.dynamics.problem.stats.N)


def _dE(r: Round) -> np.ndarray:
    return r.outcome.E - r.model(r.dynamics.problem.stats.E)


def summaries(M: int, trace_every: int = 0, horizon: int = 0) -> list[Accumulator]:
    """The accumulators behind every field of a Simulation (M channel states)."""
    acc: list[Accumulator] = [
        Final(lambda s: s.tokens, mean="mean_N"),
        Final(lambda s: s.seconds, mean="mean_T"),
        Sum(lambda r: r.outcome.E, mean="mean_E"),
        Final(lambda s: s.spent, mean="mean_y", value="sum_y"),
        Sum(lambda r: r.Q, mean="mean_Q"),
        Maximum("max_Q", lambda r: r.Q_next),
        Final(lambda s: s.Q, value="final_Q"),
        Sum(lambda r: r.outcome.k, mean="mean_k"),
        Sum(lambda r: r.shortfall, mean="shortfall_mean"),
        Maximum("shortfall_max", lambda r: r.shortfall, initial=-np.inf),
        Sum(_dN, mean="model_dN"),
        Sum(_dE, mean="model_dE"),
        StateCounts(M),
        Sum(_utility_model, mean="mean_u_model"),
        Sum(_cost_model, mean="mean_y_model"),
        IdentityExcess(),
    ]
    if trace_every:
        acc.append(QueueTrace(trace_every, horizon))
    return acc
