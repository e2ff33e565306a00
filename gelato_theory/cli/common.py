"""Arguments and output helpers shared by the subcommands (SPEC §7, §8)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gelato_theory.atomic import to_json, write_atomic
from gelato_theory.errors import ScenarioError
from gelato_theory.scenario import Scenario, load_scenario, preset


def add_scenario_args(p: argparse.ArgumentParser) -> None:
    """--preset NAME | --scenario FILE, plus --V v1,v2,..."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--preset", default=None, help="packaged preset name (default: 'default')")
    g.add_argument("--scenario", default=None, help="scenario TOML file")
    p.add_argument("--V", default=None, help="comma-separated V grid overriding the scenario's")


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario chosen on the command line, with the --V override applied and validated."""
    s = load_scenario(args.scenario) if args.scenario else preset(args.preset or "default")
    if getattr(args, "V", None) is not None:
        s = s.replace(**{"control.V": parse_float_list("--V", args.V)})
    return s


def parse_float_list(field: str, text: str) -> tuple[float, ...]:
    """Parse '1,2,3' into floats; an empty or malformed list is a ScenarioError naming the field."""
    parts = [t.strip() for t in text.split(",") if t.strip()]
    if not parts:
        raise ScenarioError(field, text, "must be a non-empty comma-separated list of numbers")
    try:
        return tuple(float(t) for t in parts)
    except ValueError:
        raise ScenarioError(field, text, "must be a comma-separated list of numbers") from None


def write_json(path: str | Path, obj: Any) -> None:
    """Atomically write ``obj`` as strict JSON."""
    write_atomic(path, to_json(obj))
