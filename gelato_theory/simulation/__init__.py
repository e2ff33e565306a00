"""Simulation layer: the batched simulator of controllers on the executor (SPEC §4, §6)."""

from gelato_theory.simulation.simulator import Simulation, lyapunov_update, simulate

__all__ = ["Simulation", "lyapunov_update", "simulate"]
