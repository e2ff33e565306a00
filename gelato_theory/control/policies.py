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

import numpy as np

from gelato_theory.control.envelope import EnvelopeTable
from gelato_theory.control.per_slot import solve_per_slot
from gelato_theory.control.protocol import (
    APPROXIMATE_DPP,
    CAUSAL,
    EXACT_DPP,
    Decision,
    Observation,
    Policy,
)
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.stopping import CumulativeAcceptance, QueueAware, StopRule

__all__ = ["DPP", "AllOf", "Cumulative", "Decision", "Observation", "Oracle", "Policy", "Static"]


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
    return Decision.menu(problem, action)


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

    @property
    def policy_class(self) -> str:
        """exact-dpp over the whole menu with the problem's utility; else approximate-dpp (SPEC §4.1):
        an inner rule, a restricted menu or a running theta each leave a measured C."""
        whole_menu = self.allowed is None or bool(np.all(self.allowed))
        own_theta = self.theta is None or (
            not isinstance(self.theta, str) and float(self.theta) == self.problem.theta
        )
        if self.inner is None and whole_menu and own_theta:
            return EXACT_DPP
        return APPROXIMATE_DPP

    def decide(self, obs: Observation) -> Decision:
        lam = obs.Q / obs.V
        if self._table is not None:
            action = self._table.choose(obs.m, lam)
        else:  # running ratio: theta differs per trajectory, scan the menu
            with np.errstate(divide="ignore", invalid="ignore"):
                theta = np.where(obs.seconds > 0, obs.tokens / obs.seconds, 0.0)
            allowed = np.isfinite(self._penalty)
            action = solve_per_slot(self.problem, obs.m, obs.Q, obs.V, theta, allowed)
        d = _menu_decision(self.problem, action)
        rule, act = d.rule, action
        if self.inner == "queue_aware":
            e_tx = self.problem.stats.e_tx[obs.m]
            rule = AllOf((d.rule, QueueAware(V=obs.V, Q=obs.Q, e_tx=e_tx, gamma=self.gamma)))
            act = np.full_like(action, -1)
        # over the whole menu with the problem's utility, the lookup is the exact per-slot optimum
        # at the (m, lambda) it was made for
        exact = self._table is not None and self.allowed is None and self.theta is None
        optimum = (self.problem, obs.m, lam, action) if exact else None
        return Decision(K=d.K, rule=rule, action=act, optimum=optimum)


@dataclass(eq=False)
class Static:
    """The same menu action every round (``action`` index into the menu)."""

    problem: Problem
    action: int
    name: str = "static"
    policy_class: str = CAUSAL

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
    policy_class: str = CAUSAL

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
    policy_class: str = CAUSAL

    def decide(self, obs: Observation) -> Decision:
        cdf = np.cumsum(self.policy[obs.m], axis=1)
        cdf[:, -1] = 1.0
        action = (obs.uniform[:, None] >= cdf).sum(axis=1)
        return _menu_decision(self.problem, np.minimum(action, self.problem.A - 1))
