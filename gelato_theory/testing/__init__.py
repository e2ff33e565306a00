"""Testing API for users' CI (SPEC §7): Hypothesis strategies and assertion helpers.

The pytest plugin (``gelato_theory.testing.plugin``) is registered through the ``pytest11`` entry
point and collects ``gelato_*.toml`` scenario files as tests. The names below load on first use, so
importing the plugin needs neither Hypothesis nor the verifier's solvers.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "GuaranteeViolation": "gelato_theory.testing.assertions",
    "assert_guarantees": "gelato_theory.testing.assertions",
    "describe": "gelato_theory.testing.assertions",
    "V_grids": "gelato_theory.testing.strategies",
    "probability_vectors": "gelato_theory.testing.strategies",
    "scenario_dicts": "gelato_theory.testing.strategies",
    "scenarios": "gelato_theory.testing.strategies",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gelato_theory.testing' has no attribute {name!r}")


__all__ = sorted(_LAZY)
