"""GELATO and every baseline of SPEC §4 for a scenario, by name."""

from __future__ import annotations

import math

import numpy as np

from gelato_theory.control.policies import DPP, Cumulative, Oracle, Policy, Static
from gelato_theory.exact.problem import Problem
from gelato_theory.scenario.model import Scenario

#: The SpecDec++-style stop probability: stop once P(some drafted token is rejected) > h.
SPECDEC_H = 0.5
#: The fixed-K distributed-SD baseline's draft length.
FIXED_K = 4


def menu_index(problem: Problem, K: int, eta: float) -> int:
    """Index of action (K, eta) in the problem's menu (K = 0 ignores eta)."""
    menu = problem.stats.menu
    if K == 0:
        return 0
    hit = np.flatnonzero((menu.K == K) & (menu.eta == eta))
    if hit.size == 0:
        raise KeyError(f"(K={K}, eta={eta}) is not in the action menu")
    return int(hit[0])


def adaedl_threshold(scenario: Scenario) -> float:
    """AdaEDL-style fixed threshold: the smallest finite menu threshold >= 1 nat (else the largest)."""
    finite = sorted(t for t in scenario.actions.thresholds if math.isfinite(t))
    above = [t for t in finite if t >= 1.0]
    return above[0] if above else (finite[-1] if finite else math.inf)


def best_static_action(problem: Problem) -> int:
    """The single (K, eta) used in every state that maximizes E[u] subject to E[y] <= 0 (no Lyapunov)."""
    util = problem.pi @ problem.u
    cost = problem.pi @ problem.y
    ok = cost <= 0
    return int(np.flatnonzero(ok)[np.argmax(util[ok])]) if ok.any() else 0


def policies(scenario: Scenario, problem: Problem) -> dict[str, Policy]:
    """Every controller of SPEC §4, keyed by name ('gelato' first)."""
    K_max, gamma = scenario.actions.K_max, scenario.control.gamma
    menu = problem.stats.menu
    out: dict[str, Policy] = {
        "gelato": DPP(problem, name="gelato", inner="queue_aware", gamma=gamma),
        "gelato-exact": DPP(problem, name="gelato-exact"),
    }
    if problem.kind == "per_second":
        out["gelato-running"] = DPP(problem, name="gelato-running", theta="running")
    out["dpp-k-only"] = DPP(problem, name="dpp-k-only", allowed=np.isinf(menu.eta))
    out[f"fixed-k{min(FIXED_K, K_max)}"] = Static(
        problem,
        menu_index(problem, min(FIXED_K, K_max), math.inf),
        name=f"fixed-k{min(FIXED_K, K_max)}",
    )
    if K_max > 0:
        out["adaedl"] = Static(
            problem, menu_index(problem, K_max, adaedl_threshold(scenario)), name="adaedl"
        )
        out["specdec++"] = Cumulative(problem, K=K_max, h=SPECDEC_H, gamma=gamma)
    out["static-best"] = Static(problem, best_static_action(problem), name="static-best")
    out["offload"] = Static(problem, 0, name="offload")
    from gelato_theory.exact.optimum import solve_lp  # cvxpy: only when policies are built

    out["lp-oracle"] = Oracle(problem, solve_lp(problem).policy)
    return out


#: Built-ins left out of :func:`policies` (and so out of comparisons) because they are slow: built
#: only when named.
ON_REQUEST = ("gelato-cvxpy",)


def builtin(
    name: str,
    scenario: Scenario,
    problem: Problem,
    known: dict[str, Policy] | None = None,
) -> Policy | None:
    """The built-in controller ``name`` (None if there is none); ``known``: :func:`policies`' result
    if already built."""
    if name == "gelato-cvxpy":
        from gelato_theory.control.cvxpy_policy import CvxpyDPP

        return CvxpyDPP(scenario, problem)
    return (policies(scenario, problem) if known is None else known).get(name)
