"""Symbolic layer (SPEC §5): every lemma and bound as a declared sympy object with a ``check()``.

The bottom layer: imports only sympy, numpy and :mod:`gelato_theory.errors`. Each result is one
:class:`Obligation` (statement, symbols, assumptions, derivation steps, bound expressions and their
numeric evaluation); :func:`run_all` checks them and :mod:`gelato_theory.symbolic.render` turns them
into the documents under ``proofs/``.
"""

from gelato_theory.symbolic.average_drift import AverageDrift
from gelato_theory.symbolic.backlog import MeanRateStability, Theorem2
from gelato_theory.symbolic.band import BacklogBand
from gelato_theory.symbolic.concavity import Concavity
from gelato_theory.symbolic.converse import LagrangianConverse, RegretIdentity
from gelato_theory.symbolic.coupled import CoupledTheorem3
from gelato_theory.symbolic.deterministic import Theorem3
from gelato_theory.symbolic.drift import DriftLemma
from gelato_theory.symbolic.geometric import GeometricSums
from gelato_theory.symbolic.obligation import CheckResult, Obligation, Sampling, Step, StepResult
from gelato_theory.symbolic.output_law import OutputLaw
from gelato_theory.symbolic.registry import (
    ALL_OBLIGATIONS,
    WrongStatement,
    obligation,
    registry,
    run_all,
    wrong_statements,
)
from gelato_theory.symbolic.scaling import PerSecondRenewal, UtilityScaling
from gelato_theory.symbolic.slot_objective import SlotObjective
from gelato_theory.symbolic.utility import Theorem1

__all__ = [
    "ALL_OBLIGATIONS",
    "AverageDrift",
    "BacklogBand",
    "CheckResult",
    "Concavity",
    "CoupledTheorem3",
    "DriftLemma",
    "GeometricSums",
    "LagrangianConverse",
    "MeanRateStability",
    "Obligation",
    "OutputLaw",
    "PerSecondRenewal",
    "RegretIdentity",
    "Sampling",
    "SlotObjective",
    "Step",
    "StepResult",
    "Theorem1",
    "Theorem2",
    "Theorem3",
    "UtilityScaling",
    "WrongStatement",
    "obligation",
    "registry",
    "run_all",
    "wrong_statements",
]
