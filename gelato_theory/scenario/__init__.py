"""Scenario layer: typed, validated scenarios, the channel model and packaged presets (SPEC §2, §7)."""

from gelato_theory.scenario.load import load_scenario, loads_scenario, preset, preset_names
from gelato_theory.scenario.model import (
    ActionConfig,
    ChannelConfig,
    ControlConfig,
    DeviceConfig,
    EdgeConfig,
    ObjectiveConfig,
    Scenario,
    TokenConfig,
    VerificationConfig,
)

__all__ = [
    "ActionConfig",
    "ChannelConfig",
    "ControlConfig",
    "DeviceConfig",
    "EdgeConfig",
    "ObjectiveConfig",
    "Scenario",
    "TokenConfig",
    "VerificationConfig",
    "load_scenario",
    "loads_scenario",
    "preset",
    "preset_names",
]
