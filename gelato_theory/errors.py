"""The one exception family of gelato-theory (SPEC §8).

Every error a user can cause names the offending field, the value it had and the rule it broke, so
that a message alone tells what to fix.
"""

from __future__ import annotations

from typing import Any


class GelatoError(Exception):
    """Base class of every error raised on purpose by gelato-theory."""


class FieldError(GelatoError, ValueError):
    """An input has an invalid value: ``field`` names it, ``value`` is what it was and ``rule`` the
    constraint it broke, phrased as what was expected."""

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"{field} = {value!r}: {rule}")


class ScenarioError(FieldError):
    """A scenario field (dotted TOML path such as ``device.e_c``) has an invalid value."""


class ExecutorInputError(FieldError):
    """An executor argument is invalid (an array's shape or range, a mode, a model pair)."""


class InfeasibleScenarioError(ScenarioError):
    """The energy budget leaves no Slater slack (epsilon <= 0), so no bound of SPEC §5 applies."""


class SolverError(GelatoError, RuntimeError):
    """A numerical solver did not return an optimal solution; ``status`` is what it said."""

    def __init__(self, problem: str, status: str, solver: str) -> None:
        self.problem = problem
        self.status = status
        self.solver = solver
        super().__init__(f"{problem}: solver {solver} returned status {status!r}, not 'optimal'")


class PolicyError(GelatoError):
    """A controller cannot be used: ``policy`` names it (a registry name or import path) and
    ``problem`` says what is wrong — it does not load, does not construct, or breaks the policy
    protocol (SPEC §4.1)."""

    def __init__(self, policy: str, problem: str) -> None:
        self.policy = policy
        self.problem = problem
        super().__init__(f"policy {policy}: {problem}")


class PolicyLoadError(PolicyError):
    """A policy's import path does not resolve, or its class/factory raised when constructed."""


class PolicyCheckError(PolicyError):
    """A policy breaks the protocol, found by :func:`gelato_theory.control.check_policy`; ``kind``
    names the check that failed (see :data:`gelato_theory.control.checker.CHECKS`)."""

    def __init__(self, policy: str, problem: str, kind: str) -> None:
        self.kind = kind
        super().__init__(policy, f"[{kind}] {problem}")


class VocabularyMismatchError(ExecutorInputError):
    """Draft and target of a pair do not share one vocabulary (SPEC §8); names both sizes."""

    def __init__(self, draft: str, draft_size: int, target: str, target_size: int) -> None:
        super().__init__(
            f"{draft} vocabulary size",
            draft_size,
            f"must equal the {target} vocabulary size {target_size}: draft and target need one "
            "shared vocabulary (the same tokenizer)",
        )
        self.draft_size, self.target_size = draft_size, target_size


class ModelLoadError(FieldError):
    """A model pair could not be loaded from local files (a missing folder, config or weights, a
    factory that cannot be imported); models are never downloaded at run time."""
