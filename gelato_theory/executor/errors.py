"""Input errors of the executor, in the :class:`~gelato_theory.errors.GelatoError` family."""

from __future__ import annotations

from typing import Any

from gelato_theory.errors import GelatoError


class ExecutorInputError(GelatoError, ValueError):
    """An executor argument is invalid: names the argument, its value (or shape) and the rule."""

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"{field} = {value!r}: {rule}")
