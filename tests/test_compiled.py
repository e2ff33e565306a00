"""The compiled engine (SPEC §6): the same summaries as the array engine, bit for bit, on every
preset and on drawn scenarios; batch-, thread- and run-invariant; chosen automatically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gelato_theory import preset
from gelato_theory.control.registry import policies
from gelato_theory.errors import FieldError
from gelato_theory.exact.bounds import constants
from gelato_theory.scenario.load import load_scenario, preset_names
from gelato_theory.simulation.compiled import (
    CompiledTables,
    compiled_reason,
    run_compiled,
    set_threads,
)
from gelato_theory.simulation.simulator import Simulation, simulate
from gelato_theory.testing.strategies import scenarios

ROOT = Path(__file__).resolve().parents[1]
FIELDS = [
    f
    for f in Simulation.__dataclass_fields__
    if f not in ("policy", "V", "horizon", "Q0", "theta", "trace_t", "engine")
]
V = np.array([0.003, 0.03])


def assert_same(a: Simulation, b: Simulation) -> None:
    """Every summary array identical (NaN where NaN), trace included."""
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        if x is None or y is None:
            assert x is None and y is None, f
            continue
        assert x.dtype == y.dtype and x.shape == y.shape, f
        assert np.array_equal(x, y, equal_nan=True), f
    assert np.array_equal(a.trace_t, b.trace_t)


def both(scenario, problem, pol, **kw) -> tuple[Simulation, Simulation]:
    a = simulate(scenario, problem, pol, engine="numpy", **kw)
    b = simulate(scenario, problem, pol, engine="compiled", **kw)
    assert (a.engine, b.engine) == ("numpy", "compiled")
    return a, b


def _scenario_files() -> list:
    files = [pytest.param(preset(n), id=n) for n in preset_names()]
    for p in sorted((ROOT / "gelato_theory" / "scenario" / "suite").glob("*.toml")):
        if p.name == "suite.toml":
            continue
        s = load_scenario(p)
        if s.tokens.model == "synthetic":
            files.append(pytest.param(s, id=p.name))
    return files


@pytest.mark.parametrize("scenario", _scenario_files())
def test_every_builtin_policy_is_bit_identical_on_every_preset(scenario) -> None:
    problem, _ = constants(scenario)
    ran = 0
    for pol in policies(scenario, problem).values():
        if compiled_reason(pol, _executor(scenario)) is not None:
            assert simulate(scenario, problem, pol, V=V, seeds=1, horizon=3).engine == "numpy"
            continue
        a, b = both(scenario, problem, pol, V=V, seeds=3, horizon=150, trace_every=40)
        assert_same(a, b)
        ran += 1
    assert ran >= 8, ran


def _executor(scenario):
    from gelato_theory.executor.rounds import Executor

    return Executor(scenario)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    scenario=st.one_of(
        scenarios(tokens="synthetic"), scenarios(tokens="synthetic", kind="per_second")
    ),
    Q0=st.sampled_from([0.0, 0.5]),
)
def test_drawn_scenarios_are_bit_identical(scenario, Q0) -> None:
    scenario = scenario.replace(**{"control.Q0": Q0})
    problem, _ = constants(scenario)
    for pol in policies(scenario, problem).values():
        if compiled_reason(pol, _executor(scenario)) is None:
            assert_same(*both(scenario, problem, pol, V=V, seeds=2, horizon=60, trace_every=7))


def test_a_perturbed_table_is_caught() -> None:
    """The equality check has teeth: a budget off by one ulp changes the summaries."""
    s = preset("default")
    problem, _ = constants(s)
    pol = policies(s, problem)["gelato"]
    ex = _executor(s)
    good = CompiledTables.build(s, problem, pol, ex)
    args = list(good.args)
    i = 18  # the energy budget E_bar
    assert args[i] == s.objective.energy_budget_j
    args[i] = np.nextafter(args[i], 1.0)
    bad = CompiledTables(args=tuple(args), M=good.M)
    vb, seeds = np.repeat(V, 3), [0, 1, 2] * 2
    x = run_compiled(good, vb, seeds, 200, 0, 0.0)
    y = run_compiled(bad, vb, seeds, 200, 0, 0.0)
    assert not np.array_equal(x["mean_y"], y["mean_y"])
    ref = simulate(s, problem, pol, V=V, seeds=3, horizon=200, engine="numpy")
    assert np.array_equal(ref.mean_y.ravel(), x["mean_y"])
    assert not np.array_equal(ref.mean_y.ravel(), y["mean_y"])


def test_batch_threads_and_reruns_do_not_change_the_numbers() -> None:
    s = preset("default")
    problem, _ = constants(s)
    pol = policies(s, problem)["gelato"]
    full = simulate(s, problem, pol, V=V, seeds=6, horizon=300, engine="compiled")
    set_threads(1)
    try:
        one = simulate(s, problem, pol, V=V, seeds=6, horizon=300, engine="compiled")
    finally:
        set_threads(None)
    assert_same(full, one)
    assert_same(full, simulate(s, problem, pol, V=V, seeds=6, horizon=300, engine="compiled"))
    small = simulate(s, problem, pol, V=V[1:], seeds=2, horizon=300, engine="compiled")
    for f in ("mean_N", "mean_Q", "max_identity_excess", "state_counts"):
        assert np.array_equal(getattr(small, f)[0], getattr(full, f)[1, :2])


def test_engine_choice_is_automatic_and_reported() -> None:
    s = preset("default")
    problem, _ = constants(s)
    pols = policies(s, problem)
    assert simulate(s, problem, pols["gelato"], V=V, seeds=1, horizon=2).engine == "compiled"

    class Mine:  # a user policy: the array engine runs it
        name = "mine"

        def decide(self, obs):
            return pols["offload"].decide(obs)

    assert compiled_reason(Mine(), _executor(s)) is not None
    assert simulate(s, problem, Mine(), V=V, seeds=1, horizon=2).engine == "numpy"
    with pytest.raises(FieldError, match="engine"):
        simulate(s, problem, Mine(), V=V, seeds=1, horizon=2, engine="compiled")
    with pytest.raises(FieldError, match="engine"):
        simulate(s, problem, pols["gelato"], V=V, seeds=1, horizon=2, engine="fast")


def _break_is_caught(policy: str, field: str, mutate) -> None:
    """The kernel's tables with ``mutate(args)`` applied to a copy: the good tables reproduce the
    array engine's ``field``, the broken ones do not."""
    s = preset("default")
    problem, _ = constants(s)
    pol = policies(s, problem)[policy]
    good = CompiledTables.build(s, problem, pol, _executor(s))
    args = list(good.args)
    mutate(args)
    bad = CompiledTables(args=tuple(args), M=good.M)
    seeds = [0] * V.size
    want = getattr(simulate(s, problem, pol, V=V, seeds=1, horizon=300, engine="numpy"), field)
    assert np.array_equal(want.ravel(), run_compiled(good, V, seeds, 300, 0, 0.0)[field])
    assert not np.array_equal(want.ravel(), run_compiled(bad, V, seeds, 300, 0, 0.0)[field])


def test_a_broken_draft_table_is_caught() -> None:
    """The draft tables are checked by the same equality: swapping q and p at the alias entries
    (a wrong acceptance ratio for alias draws only) changes the summaries."""

    def swap(args: list) -> None:
        q, p = args[5].copy(), args[6].copy()  # q(x), p(x) at index 2 c + keep
        assert not np.array_equal(q[0::2], p[0::2])
        q[0::2], p[0::2] = args[6][0::2], args[5][0::2]
        args[5], args[6] = q, p

    _break_is_caught("gelato-exact", "mean_N", swap)


def test_channel_state_buckets_equal_the_count() -> None:
    """The kernel reads the channel state off a bucket of u when no CDF point lies inside it: for
    CDFs with points on bucket edges (dyadic), inside buckets and repeated, the bucket value equals
    min(searchsorted(cdf, u, "right"), M - 1) at bucket edges, just below them and at random u."""
    from gelato_theory.simulation.compiled_kernel import cdf_buckets

    n = 256
    rng = np.random.default_rng(11)
    cdfs = [
        np.array([0.25, 0.5, 0.75, 1.0]),
        np.cumsum(np.full(8, 1 / 8)),
        np.array([0.1, 0.1, 0.3, 1.0]),
        np.cumsum(rng.dirichlet(np.ones(8))),
        np.array([1.0]),
    ]
    edges = np.arange(n + 1) / n
    u = np.concatenate([edges[:-1], np.nextafter(edges[1:], 0.0), rng.random(20000)])
    for cdf in cdfs:
        bucket = cdf_buckets(cdf, n)
        got = bucket[(u * n).astype(np.int64)]
        want = np.minimum(np.searchsorted(cdf, u, side="right"), cdf.size - 1)
        inside = got >= 0
        assert inside.mean() > 0.9
        np.testing.assert_array_equal(got[inside], want[inside])


def test_a_broken_type_entropy_is_caught() -> None:
    """The kernel reads a type's entropy at its draft-table offset; entropies shifted by one type
    stop drafting at the wrong positions (GELATO's inner rule reads the entropy at every
    position), and the equality with the array engine fails."""

    def shift(args: list) -> None:
        stride = 2 * (args[8] + 1)  # one type's block: 2 (vocab + 1) entries
        assert not np.array_equal(args[7], np.roll(args[7], stride))
        args[7] = np.roll(args[7], stride)

    _break_is_caught("gelato", "mean_k", shift)
