"""Testing API for users' CI (SPEC §7): Hypothesis strategies and assertion helpers.

The pytest plugin (``gelato_theory.testing.plugin``) is registered through the ``pytest11`` entry
point and collects ``gelato_*.toml`` scenario files as tests.
"""

from gelato_theory.testing.assertions import GuaranteeViolation, assert_guarantees, describe
from gelato_theory.testing.strategies import V_grids, probability_vectors, scenario_dicts, scenarios

__all__ = [
    "GuaranteeViolation",
    "V_grids",
    "assert_guarantees",
    "describe",
    "probability_vectors",
    "scenario_dicts",
    "scenarios",
]
