"""Numeric bound constants and the per-V bounds of SPEC §5, computed from a scenario.

Units (per_round objective): utility in tokens/round, cost y and backlog Q in J, V in J/token,
lambda* in tokens/J, B in J^2. For per_second the utility is N - theta* T (tokens) and y = E - P_bar T.

The sharp constants of SPEC §5.1: B_avg = 1/2 sum_m pi_m max_a E[y^2 | m, a] (omega is i.i.d. and
independent of Q, so E[y(t)^2 | Q(t)] / 2 <= B_avg for every policy), the two-sided backlog band and
the coupled Theorem 3 of exact DPP (exact/band.py), phi and the budget value v (exact/converse.py).
Without a ``problem`` (bounds_at(c, V, T)) the envelope-based bounds are vacuous (-inf / +inf).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from gelato_theory.exact import expressions as ex
from gelato_theory.exact.band import (
    band_lower,
    band_upper,
    cost_steps,
    coupled_backlog,
    curved_lower,
    curved_upper,
)
from gelato_theory.exact.converse import budget_value, phi
from gelato_theory.exact.dual import frontier, minimize_dual
from gelato_theory.exact.optimum import ratio_optimum, require_slack, solve_lp
from gelato_theory.exact.problem import Problem, build_problem
from gelato_theory.scenario.model import Scenario


@dataclass(frozen=True)
class Constants:
    """The scenario-level constants behind every bound."""

    u_star: float  # optimum utility (LP)
    u_star_dual: float  # optimum by exact dual minimization (independent check)
    lambda_star: float  # optimal multiplier, utility per unit cost
    B: float  # max(y_min^2, y_max^2) / 2 over realizable y
    B_tight: float  # max over (state, action) of E[y^2] / 2 (= B in practice; not used in claims)
    B_avg: float  # 1/2 sum_m pi_m max_a E[y^2 | m, a], J^2 (SPEC §5.1): menu-action controllers
    B_avg_any: (
        float  # 1/2 sum_m pi_m max realizable y^2 in m, J^2: any controller (in-round rules too)
    )
    epsilon: float  # Slater slack -E_omega[min_a y]
    u_max: float  # E_omega[max_a u]
    u_0: float  # utility of the minimum-cost policy
    rho: float  # largest utility gain per unit extra cost over the minimum-cost action
    y_max: float  # largest realizable cost
    y_min: float  # smallest realizable cost
    theorem3_applicable: bool  # the minimum-cost actions never add cost (max realizable y <= 0)
    L0: float  # Q0^2 / 2
    Q0: float
    theta_star: float | None  # tokens/s (per_second only)
    t_min: float  # smallest realizable round time, s
    kind: str


@dataclass(frozen=True)
class VBounds:
    """Bounds at one V and horizon T (SPEC §5 Theorems 1-3)."""

    V: float
    T: int
    utility_lower_bound: float  # Theorem 1 with B
    utility_lower_bound_tight: float  # Theorem 1 with B_tight
    backlog_bound: float  # Theorem 2, on (1/T) sum E[Q(t)]
    backlog_bound_lp: float  # Theorem 2 optimized over all omega-only policies with slack
    mean_rate_bound: float  # bound on E[Q(T)] / T
    deterministic_backlog_bound: float  # Theorem 3, on every Q(t) of every path
    violation_bound: float  # Theorem 3: (1/T) sum y(t) <= (V rho + y_max) / T
    ratio_lower_bound: float | None  # per_second: theta* - B / (V t_min)
    utility_lower_bound_avg: float  # Theorem 1 with B_avg: u* - B_avg/V - L0/(V T)
    backlog_bound_avg: float  # Theorem 2 with B_avg, optimized over the frontier
    band_low: float  # exact DPP: lower end of the backlog band on (1/T) sum E[Q(t)] (-inf if none)
    band_high: float  # exact DPP: upper end of the backlog band (+inf if none)
    coupled_backlog_bound: float  # coupled Theorem 3 on every Q(t) of every path (exact DPP)


@dataclass(frozen=True, eq=False)
class BoundReport:
    """Constants plus the per-V table."""

    scenario: str
    constants: Constants
    per_V: list[VBounds]

    def to_dict(self) -> dict:
        d = {"scenario": self.scenario, **asdict(self.constants)}
        d["per_V"] = [asdict(v) for v in self.per_V]
        return d


def constants(scenario: Scenario, problem: Problem | None = None) -> tuple[Problem, Constants]:
    """The problem at theta* (per_second) and its constants; raises when there is no Slater slack."""
    problem = problem or build_problem(scenario)
    eps = require_slack(problem, scenario)
    theta = None
    if problem.kind == "per_second":
        theta = ratio_optimum(problem).theta_star
        problem = problem.with_theta(theta)
    opt = solve_lp(problem)
    dual = minimize_dual(problem)
    y_max, y_min = float(problem.y_hi.max()), float(problem.y_lo.min())
    rows = np.arange(problem.M)
    a0 = min_cost_actions(problem)
    u0 = problem.u[rows, a0]
    y0 = problem.y[rows, a0]
    extra = problem.y - y0[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(extra > 0, (problem.u - u0[:, None]) / extra, -np.inf)
    rho = max(float(ratio.max()), 0.0)
    Q0 = scenario.control.Q0
    return problem, Constants(
        u_star=opt.u_star,
        u_star_dual=dual.u_star,
        lambda_star=opt.lambda_star,
        B=ex.drift_constant(y_min, y_max),
        B_tight=float(problem.y2.max()) / 2,
        B_avg=ex.average_drift_constant(problem.pi, problem.y2.max(axis=1)),
        B_avg_any=ex.average_drift_constant(
            problem.pi, np.maximum(problem.y_lo.min(axis=1) ** 2, problem.y_hi.max(axis=1) ** 2)
        ),
        epsilon=eps,
        u_max=float(problem.pi @ problem.u.max(axis=1)),
        u_0=float(problem.pi @ u0),
        rho=rho,
        y_max=y_max,
        y_min=y_min,
        theorem3_applicable=bool(problem.y_hi[rows, a0].max() <= 0),
        L0=Q0**2 / 2,
        Q0=Q0,
        theta_star=theta,
        t_min=problem.t_min,
        kind=problem.kind,
    )


def min_cost_actions(problem: Problem) -> np.ndarray:
    """a_0(m): the minimum-expected-cost action per state, ties to the higher utility: (M,) int."""
    y_min = problem.y.min(axis=1, keepdims=True)
    cand = np.where(problem.y == y_min, problem.u, -np.inf)
    return cand.argmax(axis=1)


def bounds_at(c: Constants, V: float, T: int, problem: Problem | None = None) -> VBounds:
    """Every per-V bound at horizon T (rounds), each evaluated from its symbolic expression."""
    L0, Q0 = c.L0, c.Q0
    backlog = ex.backlog_bound(c.B, V, c.u_max, c.u_0, c.epsilon, T, L0)
    backlog_avg = ex.backlog_bound(c.B_avg, V, c.u_max, c.u_0, c.epsilon, T, L0)
    backlog_lp = backlog
    if problem is not None:
        backlog_lp = min(backlog, _backlog_lp(problem, c, V, T))
        backlog_avg = min(backlog_avg, _backlog_lp(problem, c, V, T, c.B_avg))
        steps = cost_steps(problem)
        # the straight band (one drift slope) and the curved one (the whole cost curve): both
        # hold, the tighter end of each side is the band
        band_low = max(band_lower(steps, c.B_avg, V, T, Q0), curved_lower(steps, V, T, Q0))
        band_high = min(band_upper(steps, c.B_avg, V, T, Q0), curved_upper(steps, V, T, Q0))
        coupled = coupled_backlog(problem, V, Q0)
    else:
        band_low, band_high, coupled = -math.inf, math.inf, math.inf
    det, violation = math.inf, math.inf
    if c.theorem3_applicable:
        det = ex.deterministic_bound(V, c.rho, c.y_max, Q0)
        violation = ex.violation_bound(V, c.rho, c.y_max, Q0, T)
    ratio = None
    if c.theta_star is not None:
        ratio = ex.ratio_bound(c.theta_star, c.B, V, T, L0, c.t_min)
    return VBounds(
        V=V,
        T=T,
        utility_lower_bound=ex.utility_bound(c.u_star, c.B, V, T, L0),
        utility_lower_bound_tight=ex.utility_bound(c.u_star, c.B_tight, V, T, L0),
        backlog_bound=backlog,
        backlog_bound_lp=backlog_lp,
        mean_rate_bound=ex.mean_rate_bound(c.B, V, c.u_max, c.u_star, T, L0),
        deterministic_backlog_bound=det,
        violation_bound=violation,
        ratio_lower_bound=ratio,
        utility_lower_bound_avg=ex.utility_bound(c.u_star, c.B_avg, V, T, L0),
        backlog_bound_avg=backlog_avg,
        band_low=band_low,
        band_high=band_high,
        coupled_backlog_bound=coupled,
    )


def _backlog_lp(problem: Problem, c: Constants, V: float, T: int, B: float | None = None) -> float:
    """min over omega-only policies with slack e > 0 of Theorem 2's bound with (u_0, epsilon) the
    policy's (utility, slack), i.e. (B + V (u_max - u)) / e + L0 / (e T) (B defaults to c.B).

    The Pareto frontier of (slack, utility) is concave and piecewise linear and the objective is
    monotone along each of its segments, so the minimum sits at a frontier vertex.
    """
    f = frontier(problem)
    slack = -f.cost
    ok = slack > 0
    if not ok.any():
        return math.inf
    B = c.B if B is None else B
    vals = ex.backlog_bound(B, V, c.u_max, f.utility[ok], slack[ok], T, c.L0)
    return float(np.min(vals))


def bound_report(scenario: Scenario, T: int | None = None) -> BoundReport:
    """Constants and per-V bounds for the scenario's V grid at horizon T (default: the scenario's)."""
    problem, c = constants(scenario)
    horizon = T or scenario.verification.horizon
    rows = [bounds_at(c, V, horizon, problem) for V in scenario.control.V]
    return BoundReport(scenario=scenario.name, constants=c, per_V=rows)


__all__ = [
    "BoundReport",
    "Constants",
    "VBounds",
    "bound_report",
    "bounds_at",
    "budget_value",
    "constants",
    "min_cost_actions",
    "phi",
]
