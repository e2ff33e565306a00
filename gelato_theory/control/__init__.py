"""Control layer: the per-slot DPP subproblem, GELATO and its baselines as policy objects (SPEC §4)."""

from gelato_theory.control.per_slot import solve_per_slot
from gelato_theory.control.policies import DPP, Cumulative, Decision, Observation, Oracle, Static
from gelato_theory.control.registry import policies

__all__ = [
    "DPP",
    "Cumulative",
    "Decision",
    "Observation",
    "Oracle",
    "Static",
    "policies",
    "solve_per_slot",
]
