"""gelato-theory: check the theory of GELATO (Lyapunov drift-plus-penalty control of device-edge
speculative decoding under an energy budget). See SPEC.md for the model and the claims.

Layers, imported one way: scenario -> symbolic -> exact -> executor -> control -> simulation ->
verification -> cli/plots. The names below are the public API; the heavier ones (which import
cvxpy, sympy or matplotlib) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from gelato_theory.errors import GelatoError, InfeasibleScenarioError, ScenarioError, SolverError
from gelato_theory.scenario import Scenario, load_scenario, loads_scenario, preset, preset_names

__version__ = "0.1.0"

#: public name -> module that defines it (imported lazily)
_LAZY = {
    "round_stats": "gelato_theory.exact.round_stats",
    "build_problem": "gelato_theory.exact.problem",
    "solve": "gelato_theory.exact.optimum",
    "solve_lp": "gelato_theory.exact.optimum",
    "ratio_optimum": "gelato_theory.exact.optimum",
    "minimize_dual": "gelato_theory.exact.dual",
    "constants": "gelato_theory.exact.bounds",
    "bounds_at": "gelato_theory.exact.bounds",
    "bound_report": "gelato_theory.exact.bounds",
    "Executor": "gelato_theory.executor.rounds",
    "policies": "gelato_theory.control.registry",
    "solve_per_slot": "gelato_theory.control.per_slot",
    "simulate": "gelato_theory.simulation.simulator",
    "prepare": "gelato_theory.simulation.prepare",
    "verify": "gelato_theory.verification.engine",
    "VerificationReport": "gelato_theory.verification.engine",
    "compare": "gelato_theory.verification.compare",
    "load_spec": "gelato_theory.sweep.spec",
    "run_sweep": "gelato_theory.sweep.run",
    "load_results": "gelato_theory.sweep.frames",
    "run_all_obligations": "gelato_theory.symbolic.registry",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = getattr(module, "run_all" if name == "run_all_obligations" else name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gelato_theory' has no attribute {name!r}")


__all__ = [
    "GelatoError",
    "InfeasibleScenarioError",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "load_scenario",
    "loads_scenario",
    "preset",
    "preset_names",
    *_LAZY,
]
