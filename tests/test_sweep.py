"""Sweeps without a cluster: specs and their errors, content keys, seed chunks, the in-process run
against ``verify``, resume after an interrupt, the store's refusal of foreign or corrupted files,
``gelato results`` and the notebook views. The Dask runs are in test_sweep_dask.py."""

from __future__ import annotations

import dataclasses
import io
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gelato_theory.cli.main import main
from gelato_theory.control.registry import policies
from gelato_theory.errors import InfeasibleScenarioError, ScenarioError
from gelato_theory.exact.bounds import constants
from gelato_theory.scenario import preset
from gelato_theory.simulation.prepare import prepare
from gelato_theory.simulation.simulator import Simulation, simulate
from gelato_theory.sweep import Store, StoreError, load_results, loads_spec, run_sweep
from gelato_theory.sweep import cells as sweep_cells
from gelato_theory.sweep.cells import plan, split_simulation
from gelato_theory.verification.engine import verify

SPEC = """
[sweep]
name = "tiny"
preset = "default"
policies = ["gelato-exact", "gelato"]
V = [0.01, 0.1]
seeds = 4
seed_chunk = 2
horizon = 60
claims = ["theorem1_utility", "theorem2_backlog", "theorem3_backlog", "utility_scaling"]

[axes]
"objective.energy_budget_j" = [0.10, 0.12]
"""


def spec_with(extra: str = "", **sweep: str):
    text = SPEC
    for k, v in sweep.items():
        text = text.replace("[sweep]\n", f"[sweep]\n{k} = {v}\n", 1)
    return loads_spec(text + extra)


# --- specs ------------------------------------------------------------------------------------


def test_spec_expands_crossed_and_zipped_axes():
    spec = loads_spec(
        SPEC
        + """
[[zip]]
"channel.distance_m" = [300, 500]
"device.e_c" = [0.02, 0.03]
"""
    )
    points = spec.points()
    assert len(points) == 4
    assert {
        (p["objective.energy_budget_j"], p["channel.distance_m"], p["device.e_c"]) for p in points
    } == {(b, d, e) for b in (0.10, 0.12) for d, e in ((300, 0.02), (500, 0.03))}
    s = spec.scenario_at(points[-1])
    assert s.objective.energy_budget_j == 0.12 and s.device.e_c == 0.03
    assert s.control.V == (0.01, 0.1) and s.verification.seeds == 4
    p = plan(spec)
    assert len(p.cells) == 4 * 2 * 2 * 2 and len(p.groups) == 4 * 2


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ('[axes]\n"device.e_c" = [0.03, -1.0]\n', "device.e_c", "device.e_c=-1.0"),
        ('[axes]\n"device.no_such" = [1]\n', "device.no_such", "is not a known key"),
        ('[axes]\n"control.V" = [[1.0]]\n', "axes.'control.V'", "sweep.V"),
        ('[[zip]]\n"device.e_c" = [0.01, 0.02]\n"device.tau_c" = [0.01]\n', "zip[0]", "equal"),
        ('[axes]\n"device.e_c" = []\n', "axes.'device.e_c'", "non-empty"),
    ],
)
def test_bad_axis_names_field_and_cell(extra, field, words):
    text = SPEC.replace('[axes]\n"objective.energy_budget_j" = [0.10, 0.12]\n', "")
    with pytest.raises(ScenarioError) as info:
        plan(loads_spec(text + extra))
    assert info.value.field == field
    assert words in str(info.value)


def test_infeasible_cell_is_named_before_anything_runs(tmp_path):
    spec = spec_with('"device.e_0" = [0.02, 0.5]\n')  # e_0 above the budget: no Slater slack
    with pytest.raises(InfeasibleScenarioError, match=r"sweep cell .*device.e_0=0.5"):
        plan(spec)
    (tmp_path / "s.toml").write_text(spec.text)
    store = tmp_path / "r.sqlite"
    assert main(["sweep", str(tmp_path / "s.toml"), "--store", str(store), "--workers", "0"]) == 2
    assert not store.exists()


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("policies", '["gelato", "no-such"]', "sweep.policies"),
        ("claims", '["theorem9"]', "sweep.claims"),
        ("seeds", "1", "sweep.seeds"),
        ("V", "[0.1, -0.1]", "sweep.V"),
        ("preset", '"nope"', "sweep.preset"),
        ("colour", '"red"', "sweep.colour"),
    ],
)
def test_bad_sweep_settings_name_their_field(key, value, field):
    text = re.sub(rf"(?m)^{key} = .*$", "", SPEC)
    with pytest.raises(ScenarioError) as info:
        plan(loads_spec(text.replace("[sweep]\n", f"[sweep]\n{key} = {value}\n", 1)))
    assert info.value.field == field


def test_cell_keys_follow_content_not_names():
    base = plan(loads_spec(SPEC))
    renamed = plan(loads_spec(SPEC.replace('name = "tiny"', 'name = "other"')))
    other_grid = plan(loads_spec(SPEC.replace("V = [0.01, 0.1]", "V = [0.1, 0.3]")))
    longer = plan(loads_spec(SPEC.replace("horizon = 60", "horizon = 61")))
    keys = {c.key for c in base.cells}
    assert len(keys) == len(base.cells)
    assert keys == {c.key for c in renamed.cells}
    # V = 0.1 cells are shared with another grid; V = 0.01 ones are not
    shared = keys & {c.key for c in other_grid.cells}
    assert shared == {c.key for c in base.cells if c.V == 0.1}
    assert not keys & {c.key for c in longer.cells}
    # a group's verdicts depend on the grid, so its key does
    assert not {g.key for g in base.groups} & {g.key for g in other_grid.groups}


# --- seed chunks and the in-process run --------------------------------------------------------


def test_a_seed_chunk_gives_the_numbers_of_the_full_run():
    s = preset("default")
    problem, _ = constants(s)
    pol = policies(s, problem)["gelato"]
    full = simulate(s, problem, pol, V=[0.01, 0.1], seeds=5, horizon=50)
    part = simulate(s, problem, pol, V=[0.1], seeds=2, horizon=50, seed_offset=3)
    wrong = simulate(s, problem, pol, V=[0.1], seeds=2, horizon=50)  # seeds 0, 1: not 3, 4
    for f in dataclasses.fields(Simulation):
        a = getattr(full, f.name)
        if isinstance(a, np.ndarray) and a.ndim == 2:
            np.testing.assert_array_equal(getattr(part, f.name)[0], a[1, 3:5])
    assert not np.array_equal(wrong.mean_Q[0], full.mean_Q[1, 3:5])


def test_in_process_sweep_equals_verify(tmp_path):
    spec = loads_spec(SPEC)
    out = run_sweep(spec, tmp_path / "r.sqlite", workers=0)
    assert out.complete and out.computed == 16 and out.judged == 4
    seeds = load_results(tmp_path / "r.sqlite")
    verdicts = load_results(tmp_path / "r.sqlite", "verdicts")
    assert len(seeds) == 2 * 2 * 2 * 4
    for point in spec.points():
        b = point["objective.energy_budget_j"]
        report = verify(spec.scenario_at(point), policy_names=spec.policies)
        for r in report.results:
            rows = seeds[(seeds["objective.energy_budget_j"] == b) & (seeds.policy == r.policy)]
            for f in dataclasses.fields(Simulation):
                a = getattr(r.simulation, f.name)
                if isinstance(a, np.ndarray) and a.ndim == 2:
                    got = rows.sort_values(["V", "seed"])[f.name].to_numpy().reshape(a.shape)
                    np.testing.assert_array_equal(got, a, err_msg=f.name)
            mine = verdicts[
                (verdicts["objective.energy_budget_j"] == b) & (verdicts.policy == r.policy)
            ]
            theirs = [v for v in r.verdicts if v.claim in spec.claims]
            assert [(v.claim, v.status, v.measured, v.bound, v.detail) for v in theirs] == list(
                mine[["claim", "status", "measured", "bound", "detail"]].itertuples(
                    index=False, name=None
                )
            )


def test_interrupted_in_process_sweep_resumes_without_recomputing(tmp_path, monkeypatch):
    spec = loads_spec(SPEC)
    store = tmp_path / "r.sqlite"
    real = sweep_cells.run_cell
    calls: list[str] = []

    def stop_after_five(cell):
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(cell.key)
        return real(cell)

    monkeypatch.setattr(sweep_cells, "run_cell", stop_after_five)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, store, workers=0)
    first = set(calls)
    assert len(first) == 5
    calls.clear()
    monkeypatch.setattr(sweep_cells, "run_cell", lambda c: calls.append(c.key) or real(c))
    out = run_sweep(spec, store, workers=0)
    assert (out.reused, out.computed) == (5, 11) and out.complete
    assert not first & set(calls) and len(calls) == 11
    ref = tmp_path / "ref.sqlite"
    run_sweep(spec, ref, workers=0)
    for kind in ("seeds", "verdicts"):
        pd.testing.assert_frame_equal(
            load_results(store, kind), load_results(ref, kind), check_exact=True
        )
    with Store.open(store) as st:
        runs = st.runs()
    assert [r["finished"] is None for r in runs] == [True, False]


def test_store_keeps_every_per_seed_field_of_the_simulation():
    """The store is generic: a field added to Simulation is a per-seed field like the others."""

    @dataclasses.dataclass(frozen=True, eq=False)
    class Wider(Simulation):
        mean_extra: np.ndarray = None

    s = preset("default")
    prep = prepare(s)
    problem, _ = constants(prep.model)
    sim = simulate(s, problem, policies(s, problem)["gelato"], V=[0.1], seeds=3, horizon=20)
    kw = {f.name: getattr(sim, f.name) for f in dataclasses.fields(sim)}
    values, attrs = split_simulation(Wider(**kw, mean_extra=np.array([[1.0, 2.0, 3.0]])), 3)
    per_seed = {f.name for f in dataclasses.fields(sim) if getattr(sim, f.name) is not None}
    per_seed = {n for n in per_seed if np.ndim(getattr(sim, n)) == 2}
    M = sim.state_counts.shape[-1]
    vectors = {f"state_counts[{j}]" for j in range(M)}  # a per-seed vector: a column per entry
    assert set(values) == per_seed | vectors | {"mean_extra"}
    assert "V" not in values and "V" not in attrs and attrs["policy"] == "gelato"


# --- the store refuses what it does not own ---------------------------------------------------


def _sqlite(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.commit()
    con.close()


def _broken_stores(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.sqlite"
    with Store.open(good):
        pass
    with Store.open(good, create=False) as st:  # the checks accept a store of its own
        assert st.cell_keys() == set()
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all\n" * 100)
    foreign = tmp_path / "foreign.sqlite"
    _sqlite(foreign, "CREATE TABLE cells(x); INSERT INTO cells VALUES (1);")
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(good.read_bytes())
    _sqlite(newer, "PRAGMA user_version = 99;")
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(good.read_bytes()[:1500])
    mangled = tmp_path / "mangled.sqlite"
    data = bytearray(good.read_bytes())
    data[4096 : 4096 + 64] = b"\xff" * 64  # the first table page after the header page
    mangled.write_bytes(bytes(data))
    return {
        "garbage": garbage,
        "foreign": foreign,
        "newer": newer,
        "truncated": truncated,
        "mangled": mangled,
    }


@pytest.mark.parametrize("which", ["garbage", "foreign", "newer", "truncated", "mangled"])
def test_foreign_or_corrupted_store_is_an_error_and_left_alone(tmp_path, which, capsys):
    path = _broken_stores(tmp_path)[which]
    before = path.read_bytes()
    with pytest.raises(StoreError, match="store"):
        Store.open(path)
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC)
    assert main(["sweep", str(spec), "--store", str(path), "--workers", "0"]) == 2
    assert main(["results", str(path)]) == 2
    assert "error: store" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert not Path(str(path) + "-wal").exists()


# --- results as data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "r.sqlite"
    text = SPEC.replace("V = [0.01, 0.1]", "V = [0.1]").replace("seed_chunk = 2", "seed_chunk = 4")
    spec = loads_spec(text + '"channel.distance_m" = [400, 600]\n')
    run_sweep(spec, path, workers=0)
    return path


def test_results_cli_formats(small_store, tmp_path, capsys):
    assert main(["results", str(small_store)]) == 0
    csv = capsys.readouterr().out
    assert csv.splitlines()[0].startswith(
        "objective.energy_budget_j,channel.distance_m,scenario,policy,V,seed,"
    )
    assert len(csv.splitlines()) == 1 + 4 * 2 * 4
    assert main(["results", str(small_store), "--format", "json", "--kind", "verdicts"]) == 0
    rows = pd.read_json(io.StringIO(capsys.readouterr().out))
    assert set(rows.status) <= {"pass", "fail", "inconclusive"} and len(rows) > 0
    out = tmp_path / "r.parquet"
    assert main(["results", str(small_store), "--format", "parquet", "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out), load_results(small_store), check_dtype=False
    )
    assert main(["results", str(small_store), "--format", "parquet"]) == 2
    assert main(["results", str(small_store), "--format", "xlsx"]) == 2
    assert main(["results", str(tmp_path / "missing.sqlite")]) == 2
    assert not (tmp_path / "missing.sqlite").exists()


def test_notebook_views_are_short():
    report = verify(preset("default"), seeds=3, horizon=30)
    assert len(repr(report)) < 300 and "VerificationReport(" in repr(report)
    md = report._repr_markdown_()
    assert "| gelato-exact | theorem1_utility |" in md
    frame = report.to_pandas()
    assert len(frame) == len(report.verdicts) and {"claim", "status", "bound"} <= set(frame)
    sim = report.results[0].simulation
    assert len(repr(sim)) < 200
    sf = sim.to_pandas()
    assert len(sf) == sim.V.size * 3
    np.testing.assert_array_equal(sf["mean_Q"].to_numpy(), sim.mean_Q.reshape(-1))


def test_sweep_and_results_commands_do_not_import_dask_or_pandas_until_run():
    code = (
        "import sys, argparse\n"
        "from gelato_theory.cli import results, sweep\n"
        "sub = argparse.ArgumentParser().add_subparsers()\n"
        "sweep.register(sub); results.register(sub)\n"
        "print(sorted(m for m in ('dask', 'distributed', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sweep_figures_draw_bound_beside_measurement(small_store):
    from gelato_theory.plots.sweep import bound_along_axis, claim_maps

    verdicts = load_results(small_store, "verdicts")
    fig = bound_along_axis(verdicts, "theorem1_utility", "objective.energy_budget_j")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(lb.startswith("bound") for lb in labels)
    assert "J/round" in ax.get_xlabel() and "tokens/round" in ax.get_ylabel()
    rows = verdicts[
        (verdicts.claim == "theorem1_utility")
        & (verdicts.policy == "gelato")
        & (verdicts["channel.distance_m"] == 400)
    ].sort_values("objective.energy_budget_j")
    bound = next(line for line in ax.get_lines() if line.get_label().startswith("bound"))
    np.testing.assert_allclose(bound.get_ydata(), rows.bound)
    maps = claim_maps(
        verdicts, "theorem2_backlog", ("objective.energy_budget_j", "channel.distance_m")
    )
    left, right = maps.axes[0], maps.axes[2]
    assert "J/round" in left.get_xlabel() and "m" in left.get_ylabel()
    ratio = left.get_images()[0].get_array()
    rows = verdicts[(verdicts.claim == "theorem2_backlog") & (verdicts.policy == "gelato")]
    want = rows.sort_values(["channel.distance_m", "objective.energy_budget_j"])
    np.testing.assert_allclose(np.asarray(ratio).ravel(), (want.measured / want.bound).to_numpy())
    assert {t.get_text() for t in right.texts} <= {"pass", "fail", "inconclusive"}


def test_plot_store_cli(small_store, tmp_path):
    out = tmp_path / "figs"
    args = ["plot", "--store", str(small_store), "--out", str(out), "--format", "png"]
    assert main(args + ["--claim", "theorem1_utility"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "sweep_theorem1_utility_along_objective_energy_budget_j.png",
        "sweep_theorem1_utility_maps.png",
    ]
    bad = tmp_path / "bad"
    assert main(["plot", "--store", str(small_store), "--out", str(bad), "--claim", "nope"]) == 2
    assert (
        main(["plot", "--store", str(small_store), "--out", str(bad), "--axis", "device.e_c"]) == 2
    )
    assert not bad.exists()


def test_a_cell_written_meanwhile_by_another_sweep_is_not_written_twice(tmp_path):
    the_plan = plan(loads_spec(SPEC))
    cell = the_plan.cells[0]
    result = sweep_cells.run_cell(cell)
    with Store.open(tmp_path / "r.sqlite") as st:
        run = st.begin_run("t", "", 1, 0)
        st.put_scenarios(the_plan.scenarios)
        assert st.put_cell(run, cell, result) is True
        assert st.put_cell(run, cell, result) is False
        assert st.runs()[0]["cells_computed"] == 1
        n = st.conn.execute("SELECT count(*) FROM summaries").fetchone()[0]
    assert n == len(result.values) * (cell.seed_stop - cell.seed_start)


def test_verdicts_do_not_depend_on_what_ran_before_in_the_process(tmp_path):
    """Models are cached per process by cell content (no V grid): a run over another grid first
    must not change the Bonferroni level of the verdicts."""
    spec = loads_spec(SPEC)
    sweep_cells._MODELS.clear()
    run_sweep(spec, tmp_path / "a.sqlite", workers=0)
    sweep_cells._MODELS.clear()
    run_sweep(
        loads_spec(SPEC.replace("V = [0.01, 0.1]", "V = [0.1]")), tmp_path / "x.sqlite", workers=0
    )
    run_sweep(spec, tmp_path / "b.sqlite", workers=0)
    a, b = (load_results(tmp_path / n, "verdicts") for n in ("a.sqlite", "b.sqlite"))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
