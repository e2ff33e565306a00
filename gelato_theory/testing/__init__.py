"""Testing API for users' CI (SPEC §7): Hypothesis strategies and assertion helpers."""

from gelato_theory.testing.strategies import probability_vectors, scenario_dicts, scenarios

__all__ = ["probability_vectors", "scenario_dicts", "scenarios"]
