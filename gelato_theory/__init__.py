"""gelato-theory: check the theory of GELATO (Lyapunov drift-plus-penalty control of device-edge
speculative decoding under an energy budget). See SPEC.md for the model and the claims.

Layers, imported one way: scenario -> symbolic -> exact -> executor -> control -> simulation ->
verification -> cli/plots.
"""

from gelato_theory.errors import GelatoError, InfeasibleScenarioError, ScenarioError, SolverError
from gelato_theory.scenario import Scenario, load_scenario, loads_scenario, preset, preset_names

__version__ = "0.1.0"

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
]
