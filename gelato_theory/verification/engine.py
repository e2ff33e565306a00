"""Verify every claim of a scenario (SPEC §6): simulate, judge, collect a report.

``verify(scenario)`` runs the exact DPP controller (GELATO-exact, C = 0) and GELATO with its
queue-aware inner rule (checked with its measured C) over the scenario's V grid x seeds x horizon,
and judges every claim of :data:`gelato_theory.verification.claims.CLAIMS` with a verdict.

The confidence level of each expectation claim is Bonferroni-corrected over the number of
expectation claims in the run, so that a correct controller fails no claim with probability at least
the configured level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gelato_theory.control.policies import Policy
from gelato_theory.control.registry import policies as all_policies
from gelato_theory.errors import ScenarioError
from gelato_theory.exact.bounds import Constants, VBounds, bounds_at, constants
from gelato_theory.exact.problem import Problem
from gelato_theory.executor.rounds import Executor
from gelato_theory.scenario.model import Scenario
from gelato_theory.simulation.prepare import prepare
from gelato_theory.simulation.simulator import QueueUpdate, Simulation, lyapunov_update, simulate
from gelato_theory.verification import stats
from gelato_theory.verification.claims import Verdict, per_V_verdicts, scaling_verdicts

DEFAULT_POLICIES = ("gelato-exact", "gelato")
TRACE_POINTS = 200


@dataclass(frozen=True, eq=False)
class PolicyResult:
    """A policy's simulation, its empirical C per V, verdicts and per-V diagnostics."""

    policy: str
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


def expected_claim_count(scenario: Scenario, n_policies: int) -> int:
    """Number of expectation claims of a run, for the Bonferroni correction."""
    per_V = 4 + (scenario.objective.kind == "per_second")
    return max(1, per_V * len(scenario.control.V) * n_policies)


def verify(
    scenario: Scenario,
    *,
    policy_names: Sequence[str] = DEFAULT_POLICIES,
    overrides: dict[str, Policy] | None = None,
    seeds: int | None = None,
    horizon: int | None = None,
    executor: Executor | None = None,
    queue_update: QueueUpdate = lyapunov_update,
    progress: bool = False,
) -> VerificationReport:
    """Simulate and judge; ``overrides`` replaces named policies (used to plant broken controllers)."""
    prepared = prepare(scenario)
    scenario = prepared.model
    problem, c = constants(scenario)
    S = scenario.verification.seeds if seeds is None else int(seeds)
    T = scenario.verification.horizon if horizon is None else int(horizon)
    bounds = [bounds_at(c, V, T, problem) for V in scenario.control.V]
    registry = all_policies(scenario, problem)
    registry.update(overrides or {})
    for name in policy_names:
        if name not in registry:
            raise ScenarioError("policy", name, f"must be one of {', '.join(registry)}")
    level = 1 - (1 - scenario.verification.confidence) / expected_claim_count(
        scenario, len(policy_names)
    )
    ex = executor or prepared.executor
    results = []
    for name in policy_names:
        policy = registry[name]
        sim = simulate(
            scenario,
            problem,
            policy,
            seeds=S,
            horizon=T,
            executor=ex,
            trace_every=max(1, T // TRACE_POINTS),
            queue_update=queue_update,
            progress=progress,
        )
        # Theorem 1 with a C-additive approximation: C is measured for GELATO's inner rule, and 0
        # for every exact DPP controller (as the theorem states; a measured C would hide bugs).
        measured_C = np.maximum(sim.shortfall_mean.mean(axis=1), 0.0)
        C_hat = measured_C if getattr(policy, "c_additive", False) else np.zeros_like(measured_C)
        verdicts = per_V_verdicts(sim, c, bounds, level, C_hat) + scaling_verdicts(
            sim, c, bounds, level
        )
        results.append(
            PolicyResult(
                name, sim, C_hat, verdicts, diagnostics(sim, c, bounds, measured_C, scenario)
            )
        )
    settings = {
        "seeds": S,
        "horizon": T,
        "confidence": scenario.verification.confidence,
        "confidence_per_claim": level,
        "root_seed": scenario.verification.seed,
        "policies": list(policy_names),
    }
    if prepared.calibration is not None:
        settings["calibration"] = prepared.calibration.report(scenario.actions.thresholds)
    return VerificationReport(scenario, problem, c, bounds, results, settings)


def diagnostics(
    sim: Simulation, c: Constants, bounds: list[VBounds], measured_C: np.ndarray, scenario: Scenario
) -> list[dict]:
    """Per-V numbers behind the verdicts (SPEC §6), as plain floats."""
    obj = scenario.objective
    budget = obj.energy_budget_j if obj.kind == "per_round" else obj.power_budget_w
    rows = []
    for i, b in enumerate(bounds):
        u = sim.mean_u[i]
        q_over_v = float(sim.mean_Q[i].mean() / b.V)
        rows.append(
            {
                "V": b.V,
                "mean_utility": float(u.mean()),
                "utility_sd": float(u.std(ddof=1)),
                "gap": float(c.u_star - u.mean()),
                "B_over_V": c.B / b.V,
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
            }
        )
    return rows
