"""The finite action menu {0..K_max} x thresholds of SPEC §4.

Action 0 is pure offload (K = 0, eta = inf), listed once since the threshold does not matter when
nothing is drafted; actions 1.. are every (K, eta) with K >= 1, ordered by K then eta.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gelato_theory.scenario.model import ActionConfig


@dataclass(frozen=True, eq=False)
class ActionMenu:
    """Arrays K (A,) int and eta (A,) nats describing each action."""

    K: np.ndarray
    eta: np.ndarray

    def __len__(self) -> int:
        return int(self.K.shape[0])

    def label(self, i: int) -> str:
        K, eta = int(self.K[i]), float(self.eta[i])
        return f"K={K}" if K == 0 or np.isinf(eta) else f"K={K},eta={eta:g}"


def action_menu(cfg: ActionConfig) -> ActionMenu:
    """Build the menu from an action configuration."""
    etas = np.sort(np.asarray(cfg.thresholds, dtype=float))
    Ks = np.arange(1, cfg.K_max + 1)
    K = np.concatenate([[0], np.repeat(Ks, etas.size)])
    eta = np.concatenate([[np.inf], np.tile(etas, Ks.size)])
    return ActionMenu(K=K.astype(int), eta=eta)
