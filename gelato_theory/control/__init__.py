"""Control layer: the policy protocol, GELATO and its baselines as policy objects, loading and
checking user policies (SPEC §4, §4.1)."""

from gelato_theory.control.checker import CHECKS, CheckReport, check_policy
from gelato_theory.control.loading import load_policies, load_policy
from gelato_theory.control.per_slot import solve_per_slot
from gelato_theory.control.policies import DPP, Cumulative, Oracle, Static
from gelato_theory.control.protocol import (
    APPROXIMATE_DPP,
    CAUSAL,
    EXACT_DPP,
    POLICY_CLASSES,
    Decision,
    Observation,
    Policy,
    StatefulPolicy,
    policy_class,
)
from gelato_theory.control.registry import policies

__all__ = [
    "APPROXIMATE_DPP",
    "CAUSAL",
    "CHECKS",
    "DPP",
    "EXACT_DPP",
    "POLICY_CLASSES",
    "CheckReport",
    "Cumulative",
    "Decision",
    "Observation",
    "Oracle",
    "Policy",
    "StatefulPolicy",
    "Static",
    "check_policy",
    "load_policies",
    "load_policy",
    "policies",
    "policy_class",
    "solve_per_slot",
]
