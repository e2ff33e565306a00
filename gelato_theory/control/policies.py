"""Controllers as policy objects sharing one interface (SPEC §4).

A policy sees, for a batch of trajectories, the round's channel state m, the backlog Q, the weight V
and running totals, and returns a drafting budget K and an in-round stop rule (from
:mod:`gelato_theory.executor.stopping`). Policies are pure functions of their observation: the
simulator owns the loop and the queues.

* :class:`DPP` — drift-plus-penalty over a finite menu: GELATO-exact (all (K, eta), C = 0), DPP on K
  only (eta = inf), GELATO (plus the queue-aware inner rule), and the per-second forms (theta fixed
  to theta* or the running ratio of tokens to time).
* :class:`Static` — the same (K, eta) every round: fixed-K distributed SD, a fixed entropy threshold
  with budget K_max (AdaEDL-style), pure offload (K = 0), the best static action (no Lyapunov).
* :class:`Cumulative` — budget K_max with the SpecDec++-style rule 1 - prod beta_hat > h.
* :class:`Oracle` — the optimal stationary randomized policy of the LP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from gelato_theory.control.envelope import EnvelopeTable
from gelato_theory.control.per_slot import solve_per_slot
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.stopping import (
    CumulativeAcceptance,
    FixedThreshold,
    QueueAware,
    StopRule,
)


@dataclass(frozen=True, eq=False)
class Observation:
    """What a controller sees at the start of a round; arrays are (B,)."""

    m: np.ndarray  # channel state index
    Q: np.ndarray  # energy backlog, J
    V: np.ndarray  # utility weight, J/token
    tokens: np.ndarray  # tokens produced so far
    seconds: np.ndarray  # time elapsed so far, s
    uniform: np.ndarray  # a uniform draw in [0, 1) for randomized policies


@dataclass(frozen=True, eq=False)
class Decision:
    """A round's budget K (B,), its stop rule, and the menu action index (B,) (-1 if off-menu)."""

    K: np.ndarray
    rule: StopRule
    action: np.ndarray


class Policy(Protocol):
    """The controller interface."""

    name: str

    def decide(self, obs: Observation) -> Decision: ...


@dataclass(frozen=True, eq=False)
class AllOf:
    """Send token i only while every inner rule says so (a conjunction of stop rules)."""

    rules: tuple[StopRule, ...]

    def send_mask(self, H: np.ndarray) -> np.ndarray:
        mask = self.rules[0].send_mask(H)
        for r in self.rules[1:]:
            mask = mask & r.send_mask(H)
        return mask


def _menu_decision(problem: Problem, action: np.ndarray) -> Decision:
    menu = problem.stats.menu
    return Decision(K=menu.K[action], rule=FixedThreshold(menu.eta[action]), action=action)


@dataclass(eq=False)
class DPP:
    """Drift-plus-penalty over the menu actions where ``allowed`` is True (SPEC §4).

    ``inner = "queue_aware"`` adds GELATO's inner rule (send while V pi beta_hat(H) > Q e_tx, on top of
    the chosen threshold). ``theta``: None (per-round utility), a number (per-second with fixed
    theta, tokens/s), or "running" (theta = tokens so far / time so far, 0 before the first round).
    """

    problem: Problem
    name: str = "gelato-exact"
    allowed: np.ndarray | None = None
    inner: str | None = None
    gamma: float = 0.2
    theta: float | str | None = None
    _penalty: np.ndarray = field(init=False, repr=False)
    _table: EnvelopeTable | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        A = self.problem.A
        allowed = np.ones(A, bool) if self.allowed is None else np.asarray(self.allowed, bool)
        self._penalty = np.where(allowed, 0.0, -np.inf)
        # with a fixed utility the decision depends on Q / V only: precompute the envelopes
        self._table = None
        if self.theta != "running":
            st = self.problem.stats
            u = self.problem.u if self.theta is None else st.N - float(self.theta) * st.T
            self._table = EnvelopeTable.build(u, self.problem.y, allowed)

    @property
    def c_additive(self) -> bool:
        """True when the inner rule makes this an approximate (C-additive) DPP, not exact (C = 0)."""
        return self.inner is not None

    def decide(self, obs: Observation) -> Decision:
        if self._table is not None:
            action = self._table.choose(obs.m, obs.Q / obs.V)
        else:  # running ratio: theta differs per trajectory, scan the menu
            with np.errstate(divide="ignore", invalid="ignore"):
                theta = np.where(obs.seconds > 0, obs.tokens / obs.seconds, 0.0)
            allowed = np.isfinite(self._penalty)
            action = solve_per_slot(self.problem, obs.m, obs.Q, obs.V, theta, allowed)
        d = _menu_decision(self.problem, action)
        if self.inner == "queue_aware":
            e_tx = self.problem.stats.e_tx[obs.m]
            rule = AllOf((d.rule, QueueAware(V=obs.V, Q=obs.Q, e_tx=e_tx, gamma=self.gamma)))
            d = Decision(K=d.K, rule=rule, action=np.full_like(action, -1))
        return d


@dataclass(eq=False)
class Static:
    """The same menu action every round (``action`` index into the menu)."""

    problem: Problem
    action: int
    name: str = "static"

    def decide(self, obs: Observation) -> Decision:
        return _menu_decision(self.problem, np.full(obs.m.shape, self.action, dtype=int))


@dataclass(eq=False)
class Cumulative:
    """Budget K with the SpecDec++-style rule: stop once 1 - prod beta_hat(H) exceeds h."""

    problem: Problem
    K: int
    h: float
    gamma: float = 0.2
    name: str = "specdec++"

    def decide(self, obs: Observation) -> Decision:
        B = obs.m.shape[0]
        rule = CumulativeAcceptance(h=np.full(B, self.h), gamma=self.gamma)
        return Decision(K=np.full(B, self.K, dtype=int), rule=rule, action=np.full(B, -1))


@dataclass(eq=False)
class Oracle:
    """The LP's optimal stationary randomized policy x (M, A): a ~ x[m] via the round's uniform."""

    problem: Problem
    policy: np.ndarray
    name: str = "lp-oracle"

    def decide(self, obs: Observation) -> Decision:
        cdf = np.cumsum(self.policy[obs.m], axis=1)
        cdf[:, -1] = 1.0
        action = (obs.uniform[:, None] >= cdf).sum(axis=1)
        return _menu_decision(self.problem, np.minimum(action, self.problem.A - 1))
