"""``gelato-cvxpy``: the DPP decision of every round from the parametrized cvxpy per-slot problem.

For each trajectory and round, and for every entropy threshold eta of the menu, the concave
relaxation of :class:`gelato_theory.control.per_slot.ConcaveSlot` (a cvxpy problem built once per
(state, threshold), re-solved with new parameters alpha, beta) gives the continuous optimum K_cont.

Integer rounding: the relaxation is unimodal in K, so the best integer budget for eta is
floor(K_cont) or ceil(K_cont); the candidates are the integers floor(K_cont) - 1 .. ceil(K_cont) + 1
within 0..K_max (one more on each side absorbs the solver's tolerance). Every candidate (K, eta), and
K = 0, is scored exactly, V u(m, a) - Q y(m, a) from the problem's tables, and the best is taken with
the tie rule of :func:`gelato_theory.exact.dual.argmax_low_cost`. A threshold whose relaxation is
undefined (nothing passes, or every passing token is always accepted) is scanned over every K.

So the decision is the exact DPP action unless that action ties exactly with a non-candidate one.
Slow (one conic solve per threshold per decision: a Python loop per trajectory), for small runs and
for users who change the per-slot objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from gelato_theory.control.per_slot import ConcaveSlot, slot_costs, solve_per_slot
from gelato_theory.control.protocol import EXACT_DPP, Decision, Observation
from gelato_theory.exact.problem import Problem
from gelato_theory.scenario.model import Scenario


@dataclass(eq=False)
class CvxpyDPP:
    """The exact DPP controller, each decision solved with cvxpy (module docstring)."""

    scenario: Scenario
    problem: Problem
    name: str = "gelato-cvxpy"
    policy_class: str = EXACT_DPP
    _slots: dict[tuple[int, float], ConcaveSlot | None] = field(
        default_factory=dict, init=False, repr=False
    )

    def _slot(self, m: int, eta: float) -> ConcaveSlot | None:
        key = (m, eta)
        if key not in self._slots:
            K_max = self.scenario.actions.K_max
            try:
                costs = slot_costs(self.problem, self.scenario, m)
                self._slots[key] = ConcaveSlot(self.problem, m, eta, K_max, costs)
            except ValueError:
                self._slots[key] = None  # no relaxation: scan this threshold
        return self._slots[key]

    def candidates(self, m: int, Q: float, V: float) -> np.ndarray:
        """Menu actions worth scoring (bool (A,)): K = 0 and the integers around each K_cont."""
        menu = self.problem.stats.menu
        K_max = self.scenario.actions.K_max
        keep = menu.K == 0
        if K_max == 0:
            return keep
        for eta in sorted(set(menu.eta[menu.K > 0].tolist())):
            slot = self._slot(m, eta)
            same = (menu.eta == eta) & (menu.K > 0)
            if slot is None:
                keep |= same
                continue
            K_cont = slot.solve(Q, V, self.problem.theta).K_cont
            lo, hi = max(math.floor(K_cont) - 1, 0), min(math.ceil(K_cont) + 1, K_max)
            keep |= same & (menu.K >= lo) & (menu.K <= hi)
        return keep

    def decide(self, obs: Observation) -> Decision:
        keep = np.stack(
            [
                self.candidates(int(obs.m[b]), float(obs.Q[b]), float(obs.V[b]))
                for b in range(obs.batch)
            ]
        )
        # the exact scores of the candidates, under the project's one tie rule (SPEC §4)
        action = solve_per_slot(self.problem, obs.m, obs.Q, obs.V, allowed=keep)
        return Decision.menu(self.problem, action)
