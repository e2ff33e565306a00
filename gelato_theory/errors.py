"""The one exception family of gelato-theory (SPEC §8).

Every error a user can cause names the offending field, the value it had and the rule it broke, so
that a message alone tells what to fix.
"""

from __future__ import annotations

from typing import Any


class GelatoError(Exception):
    """Base class of every error raised on purpose by gelato-theory."""


class ScenarioError(GelatoError, ValueError):
    """A scenario field has an invalid value.

    ``field`` is the dotted TOML path (``device.e_c``), ``value`` the offending value and ``rule`` the
    constraint it broke, phrased as what was expected.
    """

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"{field} = {value!r}: {rule}")


class InfeasibleScenarioError(ScenarioError):
    """The energy budget leaves no Slater slack (epsilon <= 0), so no bound of SPEC §5 applies."""


class SolverError(GelatoError, RuntimeError):
    """A numerical solver did not return an optimal solution; ``status`` is what it said."""

    def __init__(self, problem: str, status: str, solver: str) -> None:
        self.problem = problem
        self.status = status
        self.solver = solver
        super().__init__(f"{problem}: solver {solver} returned status {status!r}, not 'optimal'")
