"""Planted bugs shared by the tests that show each check can fail (SPEC §6).

* :class:`QueueBlind` — a DPP controller that never sees the backlog (queue ignored);
* :class:`MisScaled` — a DPP controller whose utility term is scaled down 100-fold;
* :func:`wrong_sign` — a virtual-queue update that moves against the energy overspend;
* :func:`accept_all` / :func:`break_acceptance` — a speculative-sampling test that accepts every token.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gelato_theory.control.policies import DPP, Observation


@dataclass(eq=False)
class QueueBlind:
    """A copy of the DPP controller that is always told the backlog is zero."""

    inner: DPP
    name: str = "gelato-exact"

    def decide(self, obs: Observation):
        return self.inner.decide(replace(obs, Q=np.zeros_like(obs.Q)))


@dataclass(eq=False)
class MisScaled:
    """A copy of the DPP controller that weighs utility by V / 100 instead of V."""

    inner: DPP
    name: str = "gelato-exact"

    def decide(self, obs: Observation):
        return self.inner.decide(replace(obs, V=obs.V / 100))


def wrong_sign(Q: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Q(t+1) = max(Q(t) - y(t), 0): the queue update with the wrong sign."""
    return np.maximum(Q - y, 0.0)


def accept_all(p_x, q_x, u) -> np.ndarray:
    """An acceptance test that accepts every drafted token."""
    return np.ones(np.shape(u), bool)


def break_acceptance(monkeypatch) -> None:
    """Install :func:`accept_all` in the executor for the rest of a test."""
    import gelato_theory.executor.rounds as rounds

    monkeypatch.setattr(rounds, "accept_test", accept_all)
    array_engine_only(monkeypatch)


def array_engine_only(monkeypatch) -> None:
    """Run simulations on the array engine (the bugs above are planted in its Python code)."""
    from gelato_theory.simulation import compiled

    monkeypatch.setattr(compiled, "_DEFAULT", {"engine": "numpy"})
