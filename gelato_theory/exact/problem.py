"""The optimization problem behind the bounds (SPEC §4, §5), in one form for both objectives.

Per channel state m and action a: the expected utility u(m, a) and the expected constraint cost
y(m, a), with the realizable range [y_lo, y_hi] and the second moment E[y^2] of the cost.

* per_round:  u = E[N] (tokens/round),           y = E - E_bar (J/round)
* per_second: u = E[N] - theta E[T] (tokens),     y = E - P_bar T (J)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gelato_theory.exact.outcomes import outcome_law
from gelato_theory.exact.round_stats import RoundStats, round_stats
from gelato_theory.scenario.model import Scenario


@dataclass(frozen=True, eq=False)
class Problem:
    """Utility/cost tables of a scenario; arrays are (M, A) unless noted."""

    stats: RoundStats
    kind: str  # "per_round" | "per_second"
    theta: float  # tokens/s weight of time in the per-second utility (0 for per_round)
    pi: np.ndarray  # (M,)
    u: np.ndarray  # expected utility
    y: np.ndarray  # expected constraint cost
    y_lo: np.ndarray  # smallest realizable cost
    y_hi: np.ndarray  # largest realizable cost
    y2: np.ndarray  # E[y^2]
    t_min: float  # smallest realizable round time, s

    @property
    def M(self) -> int:
        return int(self.pi.shape[0])

    @property
    def A(self) -> int:
        return int(self.u.shape[1])

    def with_theta(self, theta: float) -> Problem:
        """The same per-second problem with another time weight theta (tokens/s)."""
        N, T = self.stats.N, self.stats.T
        return Problem(
            stats=self.stats,
            kind=self.kind,
            theta=float(theta),
            pi=self.pi,
            u=N - theta * T,
            y=self.y,
            y_lo=self.y_lo,
            y_hi=self.y_hi,
            y2=self.y2,
            t_min=self.t_min,
        )


def cost_coefficients(scenario: Scenario, stats: RoundStats) -> tuple[np.ndarray, ...]:
    """y = y0 + y_c c + y_k k per channel state: returns (y0, y_c, y_k), each (M,)."""
    dev, edge, obj = scenario.device, scenario.edge, scenario.objective
    M = stats.M
    if obj.kind == "per_round":
        y0 = np.full(M, dev.e_0 - obj.budget)
        y_c = np.full(M, dev.e_c)
        y_k = stats.e_tx.copy()
    else:
        P = obj.budget
        y0 = np.full(M, dev.e_0 - P * edge.tau_0)
        y_c = np.full(M, dev.e_c - P * dev.tau_c)
        y_k = stats.e_tx - P * (stats.t_tx + edge.tau_v1)
    return y0, y_c, y_k


def build_problem(scenario: Scenario, theta: float | None = None) -> Problem:
    """Tables for the scenario's objective. For per_second, ``theta`` defaults to 0 (use
    :func:`gelato_theory.exact.optimum.ratio_optimum` to get theta*)."""
    stats = round_stats(scenario)
    law = outcome_law(stats.menu.K, stats.s)
    y0, y_c, y_k = cost_coefficients(scenario, stats)
    # realizable costs: (M, A, outcomes)
    y_out = y0[:, None, None] + y_c[:, None, None] * law.c[None] + y_k[:, None, None] * law.k[None]
    support = np.broadcast_to(law.support()[None], y_out.shape)
    y_lo = np.where(support, y_out, np.inf).min(axis=2)
    y_hi = np.where(support, y_out, -np.inf).max(axis=2)
    y2 = (law.prob[None] * y_out**2).sum(axis=2)
    y = y0[:, None] + y_c[:, None] * stats.c[None, :] + y_k[:, None] * stats.k[None, :]
    edge = scenario.edge
    t_out = (
        edge.tau_0
        + scenario.device.tau_c * law.c[None]
        + (stats.t_tx[:, None, None] + edge.tau_v1) * law.k[None]
    )
    t_min = float(np.where(support, t_out, np.inf).min())
    kind = scenario.objective.kind
    th = 0.0 if kind == "per_round" or theta is None else float(theta)
    u = stats.N - th * stats.T if kind == "per_second" else stats.N.copy()
    return Problem(
        stats=stats,
        kind=kind,
        theta=th,
        pi=stats.pi,
        u=u,
        y=y,
        y_lo=y_lo,
        y_hi=y_hi,
        y2=y2,
        t_min=t_min,
    )
