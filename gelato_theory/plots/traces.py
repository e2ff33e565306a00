"""Full-resolution queue traces for the trajectory figure (SPEC §6).

A report keeps Q(t) sampled every few rounds, which hides (and can alias) the round-to-round
dynamics. :func:`detail_traces` re-runs the first rounds of the first few seeds with every round
recorded. A trajectory depends only on (scenario, seed), so these are exactly the first rounds of
the report's own trajectories for those seeds.
"""

from __future__ import annotations

from gelato_theory.control.registry import policies
from gelato_theory.simulation.simulator import Simulation, simulate
from gelato_theory.verification.engine import VerificationReport

DETAIL_ROUNDS = 120
DETAIL_SEEDS = 3


def detail_traces(
    report: VerificationReport,
    policy: str,
    V: list[float],
    seeds: int = DETAIL_SEEDS,
    rounds: int = DETAIL_ROUNDS,
) -> Simulation:
    """Q(t) at every round t <= ``rounds`` for seeds 0..seeds-1 of ``policy`` at the given V."""
    pol = policies(report.scenario, report.problem)[policy]
    horizon = min(rounds, int(report.settings.get("horizon", rounds)))
    return simulate(
        report.scenario,
        report.problem,
        pol,
        V=list(V),
        seeds=min(seeds, int(report.settings.get("seeds", seeds))),
        horizon=horizon,
        trace_every=1,
    )
