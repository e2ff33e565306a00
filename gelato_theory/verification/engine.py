"""Verify every claim of a scenario (SPEC §6): simulate, judge, collect a report.

``verify(scenario)`` runs the exact DPP controller (GELATO-exact, C = 0) and GELATO with its
queue-aware inner rule (checked with its measured C) over the scenario's V grid x seeds x horizon,
and judges every claim of :data:`gelato_theory.verification.claims.CLAIMS` with a verdict.

Claims are first collected as checks for every policy; the run's confidence intervals are counted
(every interval a verdict uses, scaling claims included) and the per-interval level is Bonferroni-
corrected over that count, so that a correct controller fails no claim with probability at least
the configured level. Which claims apply depends on each controller's class (exact DPP, approximate
DPP, or any causal policy; :data:`gelato_theory.verification.claims.APPLIES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gelato_theory.control.loading import load_policies
from gelato_theory.control.policies import Policy
from gelato_theory.control.protocol import policy_class
from gelato_theory.exact.bounds import Constants, VBounds, bounds_at, constants
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.rounds import Executor
from gelato_theory.scenario.model import Scenario
from gelato_theory.simulation.prepare import prepare
from gelato_theory.simulation.simulator import QueueUpdate, Simulation, lyapunov_update, simulate
from gelato_theory.verification import stats
from gelato_theory.verification.claims import (
    APPROXIMATE,
    Context,
    Verdict,
    checks,
    converse_values,
    regret_fit,
    regret_values,
)

if TYPE_CHECKING:
    from gelato_theory.progress import RunProgress

DEFAULT_POLICIES = ("gelato-exact", "gelato")
TRACE_POINTS = 200


@dataclass(frozen=True, eq=False)
class PolicyResult:
    """A policy's simulation, its empirical C per V, verdicts and per-V diagnostics."""

    policy: str
    policy_class: str  # exact-dpp | approximate-dpp | causal
    simulation: Simulation
    C_hat: np.ndarray
    verdicts: list[Verdict]
    diagnostics: list[dict]


@dataclass(frozen=True, eq=False)
class VerificationReport:
    """Everything a verification run produced; text, JSON, JUnit and figures are views of it."""

    scenario: Scenario
    problem: Problem
    constants: Constants
    bounds: list[VBounds]
    results: list[PolicyResult]
    settings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # remarks on the run that are not verdicts

    @property
    def verdicts(self) -> list[Verdict]:
        return [v for r in self.results for v in r.verdicts]

    def count(self, status: str) -> int:
        return sum(v.status == status for v in self.verdicts)

    @property
    def passed(self) -> bool:
        """True when no claim failed (inconclusive claims do not fail a run)."""
        return self.count(stats.FAIL) == 0

    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == stats.FAIL]

    def reason(self) -> str:
        """One line: what failed first, or a count of the verdicts."""
        fails = self.failures()
        n = len(self.verdicts)
        if fails:
            f = fails[0]
            at = f" at V={f.V:g}" if f.V is not None else ""
            return (
                f"{len(fails)} of {n} claims failed; first: {f.claim} for {f.policy}{at}: "
                f"{f.detail}"
            )
        return (
            f"all {n} claims hold or are inconclusive: {self.count('pass')} pass, "
            f"{self.count('inconclusive')} inconclusive"
        )

    def to_pandas(self):
        """One row per verdict (:mod:`gelato_theory.frames`)."""
        from gelato_theory.frames import report_frame

        return report_frame(self)

    def __repr__(self) -> str:
        from gelato_theory.frames import report_repr

        return report_repr(self)

    def _repr_markdown_(self) -> str:
        from gelato_theory.frames import report_markdown

        return report_markdown(self)


def exact_C(scenario: Scenario, problem: Problem, policy: Policy):
    """For GELATO's queue-aware inner rule on a type table: (V, Q) -> the exact expected per-round C
    sum_m pi_m V [max_a (u - lambda y) - (E[u] - lambda E[y]) under the rule], lambda = Q/V, with
    the outer action the DPP envelope choice and the scenario's documented gamma (SPEC §4); None
    for any other controller."""
    if (
        getattr(policy, "inner", None) != "queue_aware"
        or getattr(policy, "theta", None) is not None
    ):
        return None
    from gelato_theory.control.envelope import EnvelopeTable
    from gelato_theory.exact.queue_aware import queue_aware_shortfall

    table = EnvelopeTable.build(problem.u, problem.y, getattr(policy, "allowed", None))
    states = np.arange(problem.M)

    def C(V: np.ndarray, Q: np.ndarray) -> np.ndarray:
        lam = np.repeat((Q / V)[:, None], problem.M, axis=1)
        m = np.broadcast_to(states, lam.shape)
        a = table.choose(m.ravel(), lam.ravel()).reshape(lam.shape)
        gap = queue_aware_shortfall(scenario, problem, m, lam, a, scenario.control.gamma)
        return V * (gap @ problem.pi)

    return C


def judge_runs(
    scenario: Scenario,
    problem: Problem,
    c: Constants,
    bounds: list[VBounds],
    runs: Sequence[tuple[str, Policy, Simulation]],
) -> tuple[list[PolicyResult], float, int]:
    """Judge the simulations of one run, (name, policy, simulation) per policy, together: every
    claim of every policy is collected as a check, the per-interval level is Bonferroni-corrected
    over all their intervals, then each check is judged. Returns the per-policy results, the level
    and the interval count. :func:`verify` and the sweep's verdicts both come from here."""
    collected = []
    for name, policy, sim in runs:
        kind = policy_class(policy)
        # Theorem 1 with a C-additive approximation: C is measured for an approximate DPP, and 0
        # for every exact DPP controller (as the theorem states; a measured C would hide bugs).
        measured_C = np.maximum(sim.shortfall_mean.mean(axis=1), 0.0)
        C_hat = measured_C if kind == APPROXIMATE else np.zeros_like(measured_C)
        ctx = Context(sim, c, problem, bounds, kind, C_hat, exact_C(scenario, problem, policy))
        collected.append((name, kind, sim, measured_C, C_hat, ctx, checks(ctx)))
    n_intervals = sum(ch.intervals for *_, cs in collected for ch in cs)
    level = stats.bonferroni_level(scenario.verification.confidence, n_intervals)
    results = []
    for name, kind, sim, measured_C, C_hat, ctx, cs in collected:
        verdicts = [ch.judge(level) for ch in cs]
        rows = diagnostics(sim, c, bounds, measured_C, scenario, ctx, level)
        results.append(PolicyResult(name, kind, sim, C_hat, verdicts, rows))
    return results, level, n_intervals


def verify(
    scenario: Scenario,
    *,
    policy_names: Sequence[object] = DEFAULT_POLICIES,
    overrides: dict[str, Policy] | None = None,
    seeds: int | None = None,
    horizon: int | None = None,
    executor: Executor | None = None,
    queue_update: QueueUpdate = lyapunov_update,
    progress: bool | RunProgress = False,
) -> VerificationReport:
    """Simulate and judge; ``overrides`` replaces named policies (used to plant broken controllers)."""
    prepared = prepare(scenario)
    scenario = prepared.model
    problem, c = constants(scenario)
    S = scenario.verification.seeds if seeds is None else int(seeds)
    T = scenario.verification.horizon if horizon is None else int(horizon)
    bounds = [bounds_at(c, V, T, problem) for V in scenario.control.V]
    registry = load_policies(policy_names, scenario, problem, overrides=overrides)
    policy_names = tuple(registry)  # report names (a user policy's own name)
    ex = executor or prepared.executor
    trace_every = max(1, T // TRACE_POINTS)
    sims = [
        (
            name,
            policy,
            simulate(
                scenario,
                problem,
                policy,
                seeds=S,
                horizon=T,
                executor=ex,
                trace_every=trace_every,
                queue_update=queue_update,
                progress=progress,
            ),
        )
        for name, policy in registry.items()
    ]
    results, level, n_intervals = judge_runs(scenario, problem, c, bounds, sims)
    settings = {
        "seeds": S,
        "horizon": T,
        "confidence": scenario.verification.confidence,
        "confidence_per_claim": level,
        "intervals": n_intervals,
        "root_seed": scenario.verification.seed,
        "policies": list(policy_names),
    }
    if prepared.calibration is not None:
        settings["calibration"] = prepared.calibration.report(scenario.actions.thresholds)
    notes = []
    from gelato_theory.exact.dual import greedy_actions

    free = greedy_actions(problem, 0.0)  # lambda* = 0 iff the unconstrained optimum is feasible
    if problem.pi @ problem.y[np.arange(problem.M), free] <= 0.0:
        notes.append(
            "the budget never binds (lambda* = 0): the unconstrained optimum already meets it, "
            "so the budget and backlog claims are trivially met; tighten the budget to test them"
        )
    return VerificationReport(scenario, problem, c, bounds, results, settings, notes)


def diagnostics(
    sim: Simulation,
    c: Constants,
    bounds: list[VBounds],
    measured_C: np.ndarray,
    scenario: Scenario,
    ctx: Context,
    level: float,
) -> list[dict]:
    """Per-V numbers behind the verdicts (SPEC §6, §5.1), as plain floats (NaN: not defined for the
    policy, e.g. the regret of off-menu decisions)."""
    obj = scenario.objective
    budget = obj.energy_budget_j if obj.kind == "per_round" else obj.power_budget_w
    fit = regret_fit(ctx, level)
    rows = []
    for i, b in enumerate(bounds):
        u = sim.mean_u[i]
        q_over_v = float(sim.mean_Q[i].mean() / b.V)
        G = converse_values(ctx, i)
        R = regret_values(ctx, i)
        rows.append(
            {
                "V": b.V,
                "mean_utility": float(u.mean()),
                "utility_sd": float(u.std(ddof=1)),
                "gap": float(c.u_star - u.mean()),
                "B_over_V": c.B / b.V,
                "B_avg_over_V": c.B_avg / b.V,
                "utility_lower_bound_avg": b.utility_lower_bound_avg,
                "regret": float(R.mean()),
                "regret_sd": float(R.std(ddof=1)),
                "converse_G": float(G.mean()),
                "converse_G_sd": float(G.std(ddof=1)),
                "band_low": b.band_low,
                "band_high": b.band_high,
                "coupled_backlog_bound": b.coupled_backlog_bound,
                "backlog_bound_avg": b.backlog_bound_avg,
                "mean_backlog": float(sim.mean_Q[i].mean()),
                "max_backlog": float(sim.max_Q[i].max()),
                "backlog_bound": b.backlog_bound,
                "backlog_bound_lp": b.backlog_bound_lp,
                "deterministic_backlog_bound": b.deterministic_backlog_bound,
                "mean_rate_bound": b.mean_rate_bound,
                "final_backlog_over_T": float((sim.final_Q[i] / sim.horizon).mean()),
                "Q_over_V": q_over_v,
                "lambda_star": c.lambda_star,
                "multiplier_distance": abs(q_over_v - c.lambda_star),
                "tokens_per_round": float(sim.mean_N[i].mean()),
                "tokens_per_second": float((sim.mean_N[i] / sim.mean_T[i]).mean()),
                "energy_per_round_j": float(sim.mean_E[i].mean()),
                "power_w": float(sim.power_w[i].mean()),
                "budget": budget,
                "mean_violation": float(sim.mean_y[i].mean()),
                "empirical_C_mean": float(measured_C[i]),
                "empirical_C_max": float(sim.shortfall_max[i].max()),
                "regret_regime": None if fit is None else fit.regime,
            }
        )
    return rows
