"""Policies written outside the package, as a user would, for the loading and protocol tests.

Each is imported by path (``user_policies:Name``) or passed as an object.
"""

from __future__ import annotations

import numpy as np

from gelato_theory.control import Decision, Observation
from gelato_theory.executor.stopping import FixedThreshold


class Alternating:
    """Stateful: offload on odd rounds of each trajectory, else the cheapest drafting action
    (K = 1 with no early exit). The state is the per-trajectory round count."""

    name = "alternating"
    policy_class = "causal"

    def __init__(self, scenario, problem) -> None:
        self.problem = problem
        menu = problem.stats.menu
        self.draft = int(np.flatnonzero((menu.K == 1) & np.isinf(menu.eta))[0])

    def init_state(self, batch: int) -> np.ndarray:
        return np.zeros(batch, dtype=np.int64)

    def decide(self, obs: Observation, state: np.ndarray) -> tuple[Decision, np.ndarray]:
        action = np.where(state % 2 == 1, 0, self.draft)
        return Decision.menu(self.problem, action), state + 1


def threshold_budget(scenario, problem):
    """A factory: budget K_max with a fixed entropy exit at 1 nat (off-menu bookkeeping)."""
    K_max = scenario.actions.K_max

    class Budget:
        name = "budget-factory"

        def decide(self, obs: Observation) -> Decision:
            return Decision.budget(np.full(obs.batch, K_max), FixedThreshold(1.0))

    return Budget()


class Unbuildable:
    """Its constructor fails the way a user's might."""

    def __init__(self, scenario, problem) -> None:
        raise RuntimeError("model weights not found at /nonexistent/weights.pt")


NOT_A_POLICY = 42
