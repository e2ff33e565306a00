"""The units of work of a sweep (SPEC §6, §7 ``sweep``): cells, groups, and the functions tasks run.

* A **cell** is one grid point x policy x V x chunk of seed indices [seed_start, seed_stop): one task.
  :func:`run_cell` simulates it exactly as :func:`~gelato_theory.simulation.simulator.simulate`
  would inside a full ``gelato verify`` run (same prepared model, same seed indices), so a cell's
  per-seed numbers do not depend on the chunking, the worker or the order.
* A **group** is one grid point x policy over the whole V grid and all seeds: the unit a verdict
  needs (confidence intervals over all seeds, scaling claims over all V). :func:`judge_group` judges
  it the way :func:`~gelato_theory.verification.engine.verify` does (same Bonferroni level).

Cells and groups are keyed by a SHA-256 content hash of what determines their numbers: the cell's
scenario (every field but its name, description, V grid, seeds, horizon and confidence), the
policy, V, the seed range, the horizon and the package version. Groups add the confidence, the V
grid, the claims and the policy list (which sets the Bonferroni level).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from gelato_theory import __version__
from gelato_theory.control.registry import policies as policy_registry
from gelato_theory.errors import FieldError, ScenarioError, SolverError
from gelato_theory.exact.bounds import bounds_at, constants
from gelato_theory.scenario.model import Scenario
from gelato_theory.simulation.prepare import prepare
from gelato_theory.simulation.simulator import Simulation, simulate
from gelato_theory.sweep.spec import SweepSpec, point_label
from gelato_theory.verification.claims import Verdict
from gelato_theory.verification.engine import TRACE_POINTS, exact_C, judge_runs

#: attrs key listing the per-seed vector fields stored one column per entry
STACKED = "__stacked__"


@dataclass(frozen=True, eq=False)
class Cell:
    """One task: grid point x policy x V x seed chunk."""

    key: str
    group: str
    point: dict[str, Any]
    scenario: Scenario
    scenario_hash: str
    policy: str
    V: float  # J/token
    seed_start: int
    seed_stop: int  # exclusive
    horizon: int  # rounds


@dataclass(frozen=True, eq=False)
class Group:
    """One grid point x policy over the whole V grid and all seeds: what the verdicts judge."""

    key: str
    point: dict[str, Any]
    scenario: Scenario
    scenario_hash: str
    policy: str
    V: tuple[float, ...]
    seeds: int
    horizon: int
    claims: tuple[str, ...]
    policies: tuple[str, ...]
    cells: tuple[str, ...]  # cell keys, V-major then seed chunks in order


@dataclass(frozen=True, eq=False)
class Plan:
    """Every cell and group of a sweep, in a fixed order."""

    spec: SweepSpec
    cells: list[Cell]
    groups: list[Group]
    scenarios: dict[str, str]  # scenario hash -> canonical JSON of the cell scenario


@dataclass(frozen=True, eq=False)
class CellResult:
    """What a cell task returns: per-seed summaries and the rest of the Simulation's fields."""

    key: str
    values: dict[str, np.ndarray]  # every per-seed field of Simulation -> (seed_stop - seed_start,)
    attrs: dict[str, Any]  # every other field of Simulation but V, as JSON-able values
    elapsed_s: float
    worker: str
    version: str


def canonical(obj: Any) -> str:
    """Deterministic JSON text (sorted keys, floats as repr) of plain data and dataclasses."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_plain)


def _plain(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"cannot hash {type(o).__name__}")


def digest(obj: Any) -> str:
    return hashlib.sha256(canonical(obj).encode()).hexdigest()


def scenario_content(scenario: Scenario, *, judged: bool = False) -> dict[str, Any]:
    """The fields of a scenario that determine a cell's numbers (and, if ``judged``, its verdicts)."""
    d = dataclasses.asdict(scenario)
    d.pop("name"), d.pop("description")
    d["control"].pop("V")
    for k in ("seeds", "horizon") + (() if judged else ("confidence",)):
        d["verification"].pop(k)
    return d


def plan(spec: SweepSpec, *, check: bool = True) -> Plan:
    """Expand a spec into cells and groups; with ``check`` every point is validated first.

    Validation builds each point's scenario (field rules), and for token models with closed forms
    also its exact problem (Slater slack) and policy registry (policy names). An n-gram point is
    calibrated on the worker that runs it, so its feasibility is checked there.
    """
    cells: list[Cell] = []
    groups: list[Group] = []
    scenarios: dict[str, str] = {}
    chunks = [
        (s, min(s + spec.seed_chunk, spec.seeds)) for s in range(0, spec.seeds, spec.seed_chunk)
    ]
    for point in spec.points():
        scen = spec.scenario_at(point)
        if check:
            check_point(scen, spec.policies, point)
        content = scenario_content(scen)
        shash = digest(content)
        scenarios[shash] = canonical(dataclasses.asdict(scen))
        judged = digest(scenario_content(scen, judged=True))
        for pol in spec.policies:
            gkey = digest(
                {
                    "scenario": judged,
                    "policy": pol,
                    "V": list(spec.V),
                    "seeds": spec.seeds,
                    "horizon": spec.horizon,
                    "claims": list(spec.claims),
                    "policies": list(spec.policies),
                    "version": __version__,
                }
            )
            keys = []
            for V in spec.V:
                for s0, s1 in chunks:
                    key = cell_key(shash, pol, V, s0, s1, spec.horizon)
                    keys.append(key)
                    cells.append(Cell(key, gkey, point, scen, shash, pol, V, s0, s1, spec.horizon))
            groups.append(
                Group(
                    gkey,
                    point,
                    scen,
                    shash,
                    pol,
                    spec.V,
                    spec.seeds,
                    spec.horizon,
                    spec.claims,
                    spec.policies,
                    tuple(keys),
                )
            )
    return Plan(spec, cells, groups, scenarios)


def cell_key(scenario_hash: str, policy: str, V: float, s0: int, s1: int, horizon: int) -> str:
    return digest(
        {
            "scenario": scenario_hash,
            "policy": policy,
            "V": float(V),
            "seeds": [s0, s1],
            "horizon": horizon,
            "version": __version__,
        }
    )


def check_point(scenario: Scenario, names: tuple[str, ...], point: dict[str, Any]) -> None:
    """Slater slack and policy names of one point; errors name the point's axis values."""
    if scenario.tokens.model == "ngram":
        return
    where = f"sweep cell {point_label(point)}"
    try:
        problem, _ = constants(scenario)
    except FieldError as exc:
        raise type(exc)(exc.field, exc.value, f"{exc.rule} ({where})") from None
    except SolverError as exc:
        raise SolverError(f"{exc.problem} ({where})", exc.status, exc.solver) from None
    known = policy_registry(scenario, problem)
    for name in names:
        if name not in known:
            raise ScenarioError(
                "sweep.policies", name, f"must be one of {', '.join(known)} ({where})"
            )


# --- what the tasks run (in worker processes) -------------------------------------------------

_MODELS: dict[str, tuple] = {}
_MODEL_CACHE = 8  # prepared models kept per process


def _model(scenario: Scenario) -> tuple:
    """(prepared, problem, constants, policy registry) of a scenario, cached per process under the
    content key of its cells: a cached model may carry another scenario's V grid, seeds, horizon
    and confidence, which no caller may read from it."""
    key = digest(scenario_content(scenario))
    if key not in _MODELS:
        prepared = prepare(scenario)
        problem, c = constants(prepared.model)
        if len(_MODELS) >= _MODEL_CACHE:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = (prepared, problem, c, policy_registry(prepared.model, problem))
    return _MODELS[key]


def run_cell(cell: Cell) -> CellResult:
    """Simulate one cell: its seeds at its V, as a full run over all seeds and V would."""
    t0 = time.perf_counter()
    prepared, problem, _, registry = _model(cell.scenario)
    n = cell.seed_stop - cell.seed_start
    policy = registry[cell.policy]
    # Q traces only where a claim reads them (the exact-C check of an in-round rule), as verify
    needs_trace = exact_C(prepared.model, problem, policy) is not None
    sim = simulate(
        prepared.model,
        problem,
        policy,
        V=[cell.V],
        seeds=n,
        horizon=cell.horizon,
        executor=prepared.executor,
        seed_offset=cell.seed_start,
        trace_every=max(1, cell.horizon // TRACE_POINTS) if needs_trace else 0,
    )
    values, attrs = split_simulation(sim, n)
    return CellResult(
        cell.key,
        values,
        attrs,
        time.perf_counter() - t0,
        f"{socket.gethostname()}:{os.getpid()}",
        __version__,
    )


def split_simulation(sim: Simulation, seeds: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Per-seed fields (every (1, seeds) array of a one-V Simulation) and the other fields but V."""
    values: dict[str, np.ndarray] = {}
    attrs: dict[str, Any] = {}
    for f in dataclasses.fields(sim):
        v = getattr(sim, f.name)
        if f.name == "V":
            continue
        if isinstance(v, np.ndarray) and v.shape == (1, seeds):
            values[f.name] = v[0].astype(float)
        elif isinstance(v, np.ndarray) and v.ndim == 3 and v.shape[:2] == (1, seeds):
            # a per-seed vector (state_counts: rounds per channel state): one column per entry
            for j in range(v.shape[2]):
                values[f"{f.name}[{j}]"] = v[0, :, j].astype(float)
            attrs.setdefault(STACKED, {})[f.name] = [v.shape[2], str(v.dtype)]
        elif isinstance(v, np.ndarray):
            attrs[f.name] = {"array": v.tolist(), "dtype": str(v.dtype)}
        elif isinstance(v, np.generic):
            attrs[f.name] = v.item()
        else:
            attrs[f.name] = v
    return values, attrs


def join_simulation(
    V: tuple[float, ...], values: dict[str, np.ndarray], attrs: dict[str, Any]
) -> Simulation:
    """A Simulation from per-seed arrays (field -> (n_V, S)) and the other fields (inverse of split)."""
    kw: dict[str, Any] = {"V": np.asarray(V, dtype=float)}
    attrs = dict(attrs)
    stacked = attrs.pop(STACKED, {})
    for name, v in attrs.items():
        kw[name] = np.asarray(v["array"], dtype=v["dtype"]) if isinstance(v, dict) else v
    kw.update({k: v for k, v in values.items() if "[" not in k})
    for name, (width, dtype) in stacked.items():
        cols = [values[f"{name}[{j}]"] for j in range(width)]
        kw[name] = np.stack(cols, axis=-1).astype(dtype)
    return Simulation(**kw)


def judge_group(group: Group, sims: dict[str, Simulation]) -> list[Verdict]:
    """The verdicts of one group, as :func:`~gelato_theory.verification.engine.verify` gives them:
    judged together with its sibling groups (the other policies of the same grid point, ``sims``
    keyed by policy name) through :func:`~gelato_theory.verification.engine.judge_runs`, so the
    Bonferroni level counts every interval of the run."""
    prepared, problem, c, registry = _model(group.scenario)
    # the confidence from the group's own scenario: the cached model may carry another one
    model = prepared.model.replace(
        **{"verification.confidence": group.scenario.verification.confidence}
    )
    bounds = [bounds_at(c, V, group.horizon, problem) for V in group.V]
    runs = [(name, registry[name], sims[name]) for name in group.policies]
    results, _, _ = judge_runs(model, problem, c, bounds, runs)
    mine = next(r for r in results if r.policy == group.policy)
    return [v for v in mine.verdicts if v.claim in group.claims]
