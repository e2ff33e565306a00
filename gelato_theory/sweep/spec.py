"""Sweep specifications (SPEC §7 ``sweep``): a base scenario, axes over scenario fields, and the run.

A sweep spec is a TOML file::

    [sweep]
    name = "budget-x-distance"
    preset = "default"             # or: scenario = "base.toml" (relative to the spec file)
    policies = ["gelato-exact", "gelato"]
    V = [0.003, 0.01, 0.03]         # J/token (default: the base scenario's grid)
    seeds = 16                      # S per cell scenario (default: the base scenario's)
    seed_chunk = 8                  # seeds per task (default: all S)
    horizon = 500                   # T rounds (default: the base scenario's)
    claims = ["theorem1_utility", "theorem2_backlog"]   # default: every claim

    [axes]                          # crossed with each other
    "objective.energy_budget_j" = [0.08, 0.10, 0.12]

    [[zip]]                         # varied together (equal lengths), crossed with [axes]
    "channel.distance_m" = [200, 400, 600]
    "device.e_c" = [0.02, 0.03, 0.04]

An axis is any field of the scenario TOML (``section.key``, as in the scenario file). Each point of
the grid is a scenario built from the base TOML with the axis values set, then validated like any
scenario; a bad point raises :class:`~gelato_theory.errors.ScenarioError` naming the field and the
point's axis values. The V grid, seeds and horizon are set through ``[sweep]``, not as axes.
"""

from __future__ import annotations

import copy
import itertools
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gelato_theory.errors import ScenarioError
from gelato_theory.scenario.load import preset_names, scenario_from_dict
from gelato_theory.scenario.model import Scenario
from gelato_theory.verification.claims import CLAIMS
from gelato_theory.verification.engine import DEFAULT_POLICIES

SWEEP_KEYS = {
    "name",
    "preset",
    "scenario",
    "policies",
    "V",
    "seeds",
    "seed_chunk",
    "horizon",
    "claims",
}
#: scenario fields that the sweep itself sets (not axes)
RESERVED = {"control.V": "V", "verification.seeds": "seeds", "verification.horizon": "horizon"}


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base TOML document, axis blocks and run settings."""

    name: str
    base: dict[str, Any]  # the base scenario's parsed TOML
    base_label: str  # "preset default" or the file path
    blocks: tuple[tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]], ...]  # (axes, rows) crossed
    policies: tuple[str, ...]
    V: tuple[float, ...]
    seeds: int
    seed_chunk: int
    horizon: int
    claims: tuple[str, ...]
    text: str = ""  # the spec as written, kept in the store

    @property
    def axes(self) -> tuple[str, ...]:
        return tuple(a for names, _ in self.blocks for a in names)

    def points(self) -> list[dict[str, Any]]:
        """Every grid point as {axis: value}, axes in spec order (one empty point without axes)."""
        out = []
        for combo in itertools.product(*(rows for _, rows in self.blocks)):
            point: dict[str, Any] = {}
            for (names, _), row in zip(self.blocks, combo, strict=True):
                point.update(zip(names, row, strict=True))
            out.append(point)
        return out

    def scenario_at(self, point: dict[str, Any]) -> Scenario:
        """The validated scenario of one grid point (V grid, seeds and horizon of the sweep)."""
        data = copy.deepcopy(self.base)
        for field, value in point.items():
            section, key = field.split(".", 1)
            table = data.setdefault(section, {})
            if not isinstance(table, dict):
                raise ScenarioError(section, table, "must be a table")
            if field == "channel.distance_m":
                table.pop("mean_gain", None)  # a distance axis replaces a base mean gain
            if field == "channel.mean_gain":
                for k in ("distance_m", "path_loss_db_at_1km", "path_loss_exponent"):
                    table.pop(k, None)  # and a mean-gain axis a base path-loss model
            table[key] = value
        data.setdefault("control", {})["V"] = list(self.V)
        ver = data.setdefault("verification", {})
        ver["seeds"], ver["horizon"] = self.seeds, self.horizon
        try:
            return scenario_from_dict(data)
        except ScenarioError as exc:
            raise ScenarioError(
                exc.field, exc.value, f"{exc.rule} (sweep cell {point_label(point)})"
            ) from None


def point_label(point: dict[str, Any]) -> str:
    """'objective.energy_budget_j=0.08, channel.distance_m=200' (or 'base' without axes)."""
    return ", ".join(f"{k}={v!r}" for k, v in point.items()) or "base"


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec TOML file (a base scenario file is relative to it)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError("sweep", str(p), f"must be a readable file ({exc.strerror})") from None
    return loads_spec(text, source=str(p), root=p.parent, default_name=p.stem)


def loads_spec(
    text: str, source: str = "<string>", root: Path | None = None, default_name: str = "sweep"
) -> SweepSpec:
    """Parse and validate a sweep spec from TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "<toml>", f"must be valid TOML ({exc})") from None
    unknown = set(data) - {"sweep", "axes", "zip"}
    if unknown:
        key = sorted(unknown)[0]
        raise ScenarioError(key, data[key], "is not a sweep section (sweep, axes, zip)")
    sw = data.get("sweep")
    if not isinstance(sw, dict):
        raise ScenarioError("sweep", sw, "a [sweep] table is required")
    extra = set(sw) - SWEEP_KEYS
    if extra:
        key = sorted(extra)[0]
        raise ScenarioError(
            f"sweep.{key}", sw[key], f"is not a known key ({', '.join(sorted(SWEEP_KEYS))})"
        )
    base, label = _base(sw, root or Path.cwd())
    blocks = _blocks(data)
    defaults = scenario_from_dict(copy.deepcopy(base))  # the base itself must be valid
    V = _floats("sweep.V", sw.get("V", list(defaults.control.V)))
    seeds = _int("sweep.seeds", sw.get("seeds", defaults.verification.seeds), 2)
    chunk = _int("sweep.seed_chunk", sw.get("seed_chunk", seeds), 1)
    horizon = _int("sweep.horizon", sw.get("horizon", defaults.verification.horizon), 1)
    policies = _names("sweep.policies", sw.get("policies", list(DEFAULT_POLICIES)))
    claims = _names("sweep.claims", sw.get("claims", list(CLAIMS)))
    for c in claims:
        if c not in CLAIMS:
            raise ScenarioError("sweep.claims", c, f"must be one of {', '.join(CLAIMS)}")
    name = sw.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise ScenarioError("sweep.name", name, "must be a non-empty string")
    return SweepSpec(
        name=name,
        base=base,
        base_label=label,
        blocks=blocks,
        policies=policies,
        V=V,
        seeds=seeds,
        seed_chunk=min(chunk, seeds),
        horizon=horizon,
        claims=claims,
        text=text,
    )


def _base(sw: dict[str, Any], root: Path) -> tuple[dict[str, Any], str]:
    if "preset" in sw and "scenario" in sw:
        raise ScenarioError("sweep.scenario", sw["scenario"], "give preset or scenario, not both")
    if "scenario" in sw:
        path = Path(sw["scenario"])
        path = path if path.is_absolute() else root / path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(
                "sweep.scenario", str(path), f"must be a readable file ({exc.strerror})"
            ) from None
        label = str(path)
    else:
        name = sw.get("preset", "default")
        if name not in preset_names():
            raise ScenarioError("sweep.preset", name, f"must be one of {', '.join(preset_names())}")
        text = (
            resources.files("gelato_theory.scenario.presets").joinpath(f"{name}.toml").read_text()
        )
        label = f"preset {name}"
    try:
        return tomllib.loads(text), label
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(label, "<toml>", f"must be valid TOML ({exc})") from None


def _blocks(data: dict[str, Any]):
    """[axes] -> one block per axis; each [[zip]] table -> one block of rows varied together."""
    blocks = []
    seen: set[str] = set()

    def axis(table: str, name: str, values: Any) -> list[Any]:
        where = f"{table}.{name!r}" if "." in name else f"{table}.{name}"
        if name.count(".") < 1:
            raise ScenarioError(where, name, "an axis is a scenario field 'section.key'")
        if name in RESERVED:
            raise ScenarioError(
                where, values, f"set it with sweep.{RESERVED[name]}, not as an axis"
            )
        if name in seen:
            raise ScenarioError(where, values, "an axis may appear only once")
        if not isinstance(values, list) or not values:
            raise ScenarioError(where, values, "must be a non-empty list of values")
        seen.add(name)
        return values

    axes = data.get("axes", {})
    if not isinstance(axes, dict):
        raise ScenarioError("axes", axes, "must be a table of 'section.key' = [values]")
    for name, values in axes.items():
        blocks.append(((name,), tuple((v,) for v in axis("axes", name, values))))
    zips = data.get("zip", [])
    zips = [zips] if isinstance(zips, dict) else zips
    if not isinstance(zips, list):
        raise ScenarioError("zip", zips, "must be a table or an array of tables")
    for i, table in enumerate(zips):
        if not isinstance(table, dict) or not table:
            raise ScenarioError(f"zip[{i}]", table, "must be a non-empty table")
        cols = {n: axis(f"zip[{i}]", n, v) for n, v in table.items()}
        lengths = {len(v) for v in cols.values()}
        if len(lengths) != 1:
            raise ScenarioError(
                f"zip[{i}]",
                {n: len(v) for n, v in cols.items()},
                "zipped axes must have equal lengths",
            )
        blocks.append((tuple(cols), tuple(zip(*cols.values(), strict=True))))
    return tuple(blocks)


def _floats(field: str, values: Any) -> tuple[float, ...]:
    if not isinstance(values, list) or not values:
        raise ScenarioError(field, values, "must be a non-empty list of numbers")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise ScenarioError(field, v, "must be a finite number > 0")
    if len(set(values)) != len(values):
        raise ScenarioError(field, values, "must not repeat a value")
    return tuple(float(v) for v in values)


def _int(field: str, v: Any, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ScenarioError(field, v, f"must be an integer >= {lo}")
    return int(v)


def _names(field: str, values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ScenarioError(field, values, "must be a non-empty list of names")
    if len(set(values)) != len(values):
        raise ScenarioError(field, values, "must not repeat a name")
    return tuple(values)
