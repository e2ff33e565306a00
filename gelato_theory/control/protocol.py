"""The policy protocol: what a controller sees, what it returns, and what it claims to be (SPEC §4.1).

A policy is batched and pure. Each round the simulator hands it an :class:`Observation` for a batch
of B trajectories (arrays of shape (B,)) and the policy's own state, and gets back a
:class:`Decision` for every trajectory and the next state::

    class MyPolicy:
        name = "my-policy"
        policy_class = "causal"            # or "exact-dpp" / "approximate-dpp"

        def init_state(self, batch: int):  # anything; passed back every round
            return np.zeros(batch)

        def decide(self, obs, state):      # -> (Decision, new state); never mutate obs or state
            ...
            return Decision.menu(problem, action), state + 1

A policy without ``init_state`` is stateless and implements ``decide(obs) -> Decision`` (the built-in
controllers). The simulator owns the loop, the queues and the randomness: ``obs.uniform`` is the
policy's own uniform draw for the round, from a stream that depends only on (seed, trajectory).

``policy_class`` declares which theorems the policy may be held to (SPEC §5.1): ``exact-dpp`` (the
drift-plus-penalty decision over the whole menu each round, C = 0: Theorems 1-3), ``approximate-dpp``
(C-additive: Theorems 1-2 with the measured C, Theorem 3), ``causal`` (any policy that decides from
the past only: the budget, sample-path and Lagrangian-converse claims). Undeclared means ``causal``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gelato_theory.errors import PolicyError
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.stopping import FixedThreshold, StopRule

EXACT_DPP, APPROXIMATE_DPP, CAUSAL = "exact-dpp", "approximate-dpp", "causal"
#: The policy classes, from the strongest claims to the weakest.
POLICY_CLASSES = (EXACT_DPP, APPROXIMATE_DPP, CAUSAL)


@dataclass(frozen=True, eq=False)
class Observation:
    """What a controller sees at the start of round ``t``; arrays are (B,). Read only."""

    m: np.ndarray  # channel state index into scenario.channel.support()
    Q: np.ndarray  # energy backlog, J
    V: np.ndarray  # utility weight, J/token
    tokens: np.ndarray  # tokens produced so far
    seconds: np.ndarray  # time elapsed so far, s
    uniform: np.ndarray  # the policy's uniform draw in [0, 1) for this round
    t: int = 0  # round index (0-based)

    @property
    def batch(self) -> int:
        return int(self.m.shape[0])


@dataclass(frozen=True, eq=False)
class Decision:
    """A round's budget K (B,) int, its in-round stop rule, and the menu action index (B,) int
    (-1 where the decision is not a menu action, so no closed-form statistic applies).
    ``optimum``: (problem, m, lambda, actions), each array (B,), when the policy looked up the exact
    per-slot DPP action of that problem at channel states m and lambda = Q / V on the way; the
    simulator reuses it for the empirical C only when m and lambda are the round's own (a wrapper
    that alters the observation gets a fresh lookup). Else None."""

    K: np.ndarray
    rule: StopRule
    action: np.ndarray
    optimum: tuple[Problem, np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def menu(cls, problem: Problem, action: np.ndarray) -> Decision:
        """The menu actions ``action`` (B,): budget K and entropy threshold eta of each."""
        action = np.asarray(action)
        menu = problem.stats.menu
        return cls(K=menu.K[action], rule=FixedThreshold(menu.eta[action]), action=action)

    @classmethod
    def budget(cls, K: np.ndarray, rule: StopRule) -> Decision:
        """An off-menu decision: budget K (B,) and any stop rule (action = -1)."""
        K = np.asarray(K, dtype=np.int64)
        return cls(K=K, rule=rule, action=np.full(K.shape, -1, dtype=np.int64))


class Policy(Protocol):
    """A stateless controller (the built-in ones): ``decide(obs) -> Decision``."""

    name: str

    def decide(self, obs: Observation) -> Decision: ...


@runtime_checkable
class StatefulPolicy(Protocol):
    """A controller with explicit state: ``init_state(B)`` then ``decide(obs, state)`` each round."""

    name: str

    def init_state(self, batch: int) -> Any: ...

    def decide(self, obs: Observation, state: Any) -> tuple[Decision, Any]: ...


def policy_class(policy: object) -> str:
    """The declared class of ``policy`` (``policy.policy_class``; undeclared: ``causal``)."""
    declared = getattr(policy, "policy_class", CAUSAL)
    if declared not in POLICY_CLASSES:
        raise PolicyError(
            policy_name(policy), f"policy_class = {declared!r}: must be one of {POLICY_CLASSES}"
        )
    return declared


def policy_name(policy: object) -> str:
    """The name a policy reports under (``policy.name``, else its class name)."""
    name = getattr(policy, "name", None)
    return name if isinstance(name, str) and name else type(policy).__name__


class Driver:
    """Calls any policy through one interface: ``state = init(B)``, ``d, state = decide(obs, state)``."""

    def __init__(self, policy: object) -> None:
        self.policy: Any = policy  # duck-typed: decide, optionally init_state
        self.stateful = callable(getattr(policy, "init_state", None))

    def init(self, batch: int) -> Any:
        return self.policy.init_state(batch) if self.stateful else None

    def decide(self, obs: Observation, state: Any) -> tuple[Decision, Any]:
        if self.stateful:
            return self.policy.decide(obs, state)
        return self.policy.decide(obs), None
