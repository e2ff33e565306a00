"""A per-second companion of a per-round scenario, for the tokens/s figure (SPEC §4, per-second form).

The per-second objective maximizes sum N / sum T under an average-power budget P_bar [W]. For a
per-round scenario we take P_bar equal to the average power E[E] / E[T] of the scenario's own optimal
stationary policy (the LP optimum under the energy budget E_bar): the two problems then share a
reference operating point, and theta* is at least that policy's tokens/s.
"""

from __future__ import annotations

from gelato_theory.exact.optimum import solve_lp
from gelato_theory.exact.problem import Problem, build_problem
from gelato_theory.scenario.model import ObjectiveConfig, Scenario

#: policies simulated for the tokens/s figure
PER_SECOND_POLICIES = ("gelato-exact", "gelato", "gelato-running")


def optimal_power_w(scenario: Scenario, problem: Problem | None = None) -> float:
    """E[E] / E[T] (W) of the optimal stationary policy of a per-round scenario."""
    problem = problem or build_problem(scenario)
    x = solve_lp(problem).policy
    w = problem.pi[:, None] * x
    return float((w * problem.stats.E).sum() / (w * problem.stats.T).sum())


def per_second_variant(scenario: Scenario, problem: Problem | None = None) -> Scenario:
    """The scenario itself if it is per-second, else the same system under P_bar = optimal power."""
    if scenario.objective.kind == "per_second":
        return scenario
    power = optimal_power_w(scenario, problem)
    return scenario.replace(
        name=f"{scenario.name} (per-second)",
        objective=ObjectiveConfig(kind="per_second", power_budget_w=power),
    )
