"""Arguments and output helpers shared by the subcommands (SPEC §7, §8).

Only light imports at module level: the parser is built without numpy, cvxpy, sympy or matplotlib.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from gelato_theory.atomic import check_output_dir, check_output_file, to_json, write_all
from gelato_theory.errors import ScenarioError

if TYPE_CHECKING:
    from gelato_theory.progress import RunProgress
    from gelato_theory.scenario import Scenario

log = logging.getLogger("gelato_theory")

#: the verify/plot policies by default (equal to verification.engine.DEFAULT_POLICIES; tested)
DEFAULT_POLICIES = ("gelato-exact", "gelato")


def add_scenario_args(p: argparse.ArgumentParser) -> None:
    """--preset NAME | --scenario FILE, plus --V v1,v2,..."""
    from gelato_theory.scenario import preset_names

    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--preset",
        default=None,
        metavar="NAME",
        help=f"packaged preset: {', '.join(preset_names())} (default: default)",
    )
    g.add_argument("--scenario", default=None, metavar="FILE", help="scenario TOML file")
    p.add_argument("--V", default=None, help="comma-separated V grid overriding the scenario's")


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """The scenario chosen on the command line, with the --V override applied and validated."""
    from gelato_theory.scenario import load_scenario, preset

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


class Outputs:
    """The files one command will write: every path is checked when added (before any work), and
    :meth:`write` writes them all-or-nothing, together, then says where they went."""

    def __init__(self) -> None:
        self.files: dict[Path, str | bytes] = {}
        self._planned: list[tuple[str, Path]] = []

    def file(self, option: str, path: str | Path | None) -> Path | None:
        """Plan a file given by ``option`` (e.g. --json); None when the option is absent."""
        if path is None:
            return None
        p = check_output_file(option, path)
        self._planned.append((option, p))
        return p

    @overload
    def folder(self, option: str, path: str | Path, names: tuple[str, ...] = ()) -> Path: ...
    @overload
    def folder(self, option: str, path: None, names: tuple[str, ...] = ()) -> None: ...
    def folder(
        self, option: str, path: str | Path | None, names: tuple[str, ...] = ()
    ) -> Path | None:
        """Plan a folder given by ``option`` that will receive ``names``."""
        if path is None:
            return None
        d = check_output_dir(option, path)
        for n in names:
            check_output_file(option, d / n)
        return d

    def write(self) -> None:
        if not self.files:
            return
        write_all(self.files)
        from gelato_theory.cli.log import quiet

        if not quiet():
            for p in self.files:
                print(f"wrote {p}")


def write_json(path: str | Path, obj: Any) -> None:
    """Atomically write ``obj`` as strict JSON."""
    write_all({path: to_json(obj)})


def add_progress_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")


def run_progress(
    args: argparse.Namespace, policies: int | None, rounds: int, label: str = ""
) -> RunProgress | Literal[False]:
    """One progress display for the whole command (a bar on a terminal, else a log line every
    10 s), or False with --no-progress or --quiet."""
    from gelato_theory.cli.log import quiet
    from gelato_theory.progress import RunProgress

    if getattr(args, "no_progress", False) or quiet():
        return False
    return RunProgress(policies, rounds, label=label, tty=sys.stderr.isatty())
