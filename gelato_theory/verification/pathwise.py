"""Sample-path claims (SPEC §5 Theorem 3, §6): exact, so one breach on one path is a failure.

* Theorem 3: Q(t) <= max(Q0, V rho + y_max) for every t on every path of exact DPP.
* Violation identity: sum_{t<T} y(t) <= Q(T) - Q(0) on every path (from Q(t+1) >= Q(t) + y(t)),
  so the realized average violation is at most Q(T)/T.

Both compare floating-point sums, so a breach must exceed a rounding tolerance proportional to the
magnitudes summed (``REL_TOL`` times T times the largest |y|, plus the backlog's size).
"""

from __future__ import annotations

import numpy as np

from gelato_theory.exact.bounds import Constants
from gelato_theory.simulation.simulator import Simulation

REL_TOL = 1e-9


def deterministic_backlog_breaches(sim: Simulation, c: Constants) -> np.ndarray:
    """Per V, the number of paths whose max Q exceeds the Theorem 3 bound: (n_V,) int."""
    bound = (
        np.maximum(c.Q0, sim.V * c.rho + c.y_max)
        if c.theorem3_applicable
        else np.full(sim.V.shape, np.inf)
    )
    tol = REL_TOL * (1 + bound)
    return (sim.max_Q > (bound + tol)[:, None]).sum(axis=1)


def violation_identity_breaches(sim: Simulation, c: Constants) -> np.ndarray:
    """Per V, the number of paths with sum y(t) > Q(T) - Q(0): (n_V,) int."""
    scale = sim.horizon * max(abs(c.y_max), abs(c.y_min)) + np.abs(sim.final_Q) + c.Q0
    lhs = sim.sum_y - (sim.final_Q - sim.Q0)
    return (lhs > REL_TOL * scale).sum(axis=1)
