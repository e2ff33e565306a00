"""Planted defects shared by the tests that show each check can fail (SPEC §6, §5.1).

Controllers (each poses as the controller it wraps, with the same name and class):

* :class:`QueueBlind` — a DPP controller that never sees the backlog (queue ignored);
* :class:`MisScaled` — a DPP controller whose weight V is scaled by ``factor`` (V mis-scaled);
* :class:`Overshoot` — a DPP controller that ignores the queue for ``width`` rounds from ``start``
  and then recovers: its backlog breaks the path bounds briefly, the time averages barely move;
* :class:`Impostor` — any controller (e.g. pure offload) posing as exact DPP;
* :func:`misweighted_gelato` — GELATO whose inner rule mis-weights the acceptance estimate
  beta_hat(H) = 1 - sqrt(gamma H) (gamma scaled by ``factor``).

Simulator and executor:

* :func:`wrong_sign` — a virtual-queue update that moves against the energy overspend;
* :func:`expected_energy_queue` — the queue updated with the expected cost y(m, a) of the chosen
  action instead of the realized one (visible only where early exits make the energy random);
* :class:`OverReporting` — an executor that over-reports tokens by a fraction;
* :func:`accept_all` / :func:`break_acceptance` — a speculative-sampling test that accepts every token.

Verifier:

* :func:`end_only_path_checks` — sample-path claims read at the end of each path instead of at every
  round (an overshoot that recovers goes unseen).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace

import numpy as np

from gelato_theory.control.policies import DPP, Observation
from gelato_theory.control.protocol import policy_class
from gelato_theory.executor.rounds import Executor


@dataclass(eq=False)
class _Wrapper:
    """A planted controller posing as ``inner`` (same name and class)."""

    inner: DPP

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def policy_class(self) -> str:
        return policy_class(self.inner)


@dataclass(eq=False)
class QueueBlind(_Wrapper):
    """A copy of the DPP controller that is always told the backlog is zero."""

    def decide(self, obs: Observation):
        return self.inner.decide(replace(obs, Q=np.zeros_like(obs.Q)))


@dataclass(eq=False)
class MisScaled(_Wrapper):
    """A copy of the DPP controller that weighs utility by ``factor`` V instead of V."""

    factor: float = 0.01

    def decide(self, obs: Observation):
        return self.inner.decide(replace(obs, V=obs.V * self.factor))


@dataclass(eq=False)
class Overshoot(_Wrapper):
    """Ignores the backlog during rounds start <= t < start + width, then recovers."""

    start: int = 400
    width: int = 8

    def decide(self, obs: Observation):
        if self.start <= obs.t < self.start + self.width:
            obs = replace(obs, Q=np.zeros_like(obs.Q))
        return self.inner.decide(obs)


@dataclass(eq=False)
class Impostor:
    """Any controller posing under another name and class (e.g. pure offload as exact DPP)."""

    inner: object
    name: str = "gelato-exact"
    policy_class: str = "exact-dpp"

    def decide(self, obs: Observation):
        return self.inner.decide(obs)


def misweighted_gelato(problem, factor: float) -> DPP:
    """GELATO (queue-aware inner rule) whose beta_hat uses gamma x ``factor``."""
    return DPP(problem, name="gelato", inner="queue_aware", gamma=0.2 * factor)


def wrong_sign(Q: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Q(t+1) = max(Q(t) - y(t), 0): the queue update with the wrong sign."""
    return np.maximum(Q - y, 0.0)


def expected_energy_queue(monkeypatch) -> None:
    """Install a round step whose queue moves by the chosen action's expected cost y(m, a)."""
    from gelato_theory.simulation import step as step_module

    numpy_engine(monkeypatch)
    original = step_module.Dynamics.step

    def step(self, state, decision, noise, V):
        new, rec = original(self, state, decision, noise, V)
        a = np.maximum(decision.action, 0)
        expected = np.where(decision.action >= 0, self.problem.y[noise.m, a], rec.y)
        after = replace(new, Q=self.queue_update(state.Q, expected))
        return after, replace(rec, after=after)

    monkeypatch.setattr(step_module.Dynamics, "step", step)
    array_engine_only(monkeypatch)


def array_engine_only(monkeypatch) -> None:
    """Run simulations on the array engine (the bugs above are planted in its Python code)."""
    from gelato_theory.simulation import compiled

    monkeypatch.setattr(compiled, "_DEFAULT", {"engine": "numpy"})


class OverReporting(Executor):
    """The reference executor with every round's token count inflated by ``fraction``."""

    def __init__(self, scenario, fraction: float, **kwargs) -> None:
        super().__init__(scenario, **kwargs)
        self.fraction = fraction

    def run_round(self, *args, **kwargs):
        out = super().run_round(*args, **kwargs)
        return dataclasses.replace(out, N=out.N * (1 + self.fraction))


def accept_all(p_x, q_x, u) -> np.ndarray:
    """An acceptance test that accepts every drafted token."""
    return np.ones(np.shape(u), bool)


def numpy_engine(monkeypatch) -> None:
    """Run every simulation on the NumPy engine: a defect planted in its Python code (executor,
    round step) is then what runs (the compiled engine has its own kernel)."""
    from gelato_theory.simulation import compiled

    monkeypatch.setitem(compiled._DEFAULT, "engine", "numpy")


def break_acceptance(monkeypatch) -> None:
    """Install :func:`accept_all` in the executor for the rest of a test."""
    import gelato_theory.executor.rounds as rounds

    numpy_engine(monkeypatch)
    monkeypatch.setattr(rounds, "accept_test", accept_all)
    array_engine_only(monkeypatch)


def end_only_path_checks(monkeypatch) -> None:
    """Make the sample-path claims read Q(T) instead of the maximum over every round."""
    from gelato_theory.verification import pathwise

    for name in ("deterministic_backlog_breaches", "coupled_backlog_breaches"):
        original = getattr(pathwise, name)

        def at_end(sim, *args, _f=original):
            return _f(replace(sim, max_Q=sim.final_Q), *args)

        monkeypatch.setattr(pathwise, name, at_end)
