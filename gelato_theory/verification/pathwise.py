"""Sample-path claims (SPEC §5 Theorem 3, §5.1 coupled Theorem 3, §6): exact, so one breach at one
round of one path is a failure. Each reads a per-path maximum over every round t = 0..T that the
simulator keeps, never the end of the path only.

* Theorem 3: Q(t) <= max(Q0, V rho + y_max) for every t on every path of exact DPP.
* Coupled Theorem 3: Q(t) <= max(Q0, max_(m,a) V lambda_hi(m,a) + y_hi(m,a)) (exact DPP).
* Violation identity: sum_{s<t} y(s) <= Q(t) - Q(0) for every t on every path (from
  Q(t+1) >= Q(t) + y(t)), so the realized average violation is at most Q(T)/T.

These compare floating-point sums, so a breach must exceed a rounding tolerance proportional to the
magnitudes summed (``REL_TOL`` times T times the largest |y|, plus the backlog's size).
"""

from __future__ import annotations

import numpy as np

from gelato_theory.exact.bounds import Constants, VBounds
from gelato_theory.simulation.simulator import Simulation

REL_TOL = 1e-9


def _breaches(max_Q: np.ndarray, bound: np.ndarray) -> np.ndarray:
    tol = REL_TOL * (1 + np.abs(bound))
    return (max_Q > (bound + tol)[:, None]).sum(axis=1)


def deterministic_backlog_breaches(sim: Simulation, c: Constants) -> np.ndarray:
    """Per V, the number of paths whose max Q exceeds the Theorem 3 bound: (n_V,) int."""
    bound = (
        np.maximum(c.Q0, sim.V * c.rho + c.y_max)
        if c.theorem3_applicable
        else np.full(sim.V.shape, np.inf)
    )
    return _breaches(sim.max_Q, bound)


def coupled_backlog_breaches(sim: Simulation, bounds: list[VBounds]) -> np.ndarray:
    """Per V, the number of paths whose max Q exceeds the coupled Theorem 3 bound: (n_V,) int."""
    return _breaches(sim.max_Q, np.array([b.coupled_backlog_bound for b in bounds]))


def violation_identity_breaches(sim: Simulation, c: Constants) -> np.ndarray:
    """Per V, the number of paths with sum_{s<t} y(s) > Q(t) - Q(0) at some round t: (n_V,) int."""
    scale = sim.horizon * max(abs(c.y_max), abs(c.y_min)) + sim.max_Q + c.Q0
    return (sim.max_identity_excess > REL_TOL * scale).sum(axis=1)
