"""Loading user policies by name, import path or object; errors name the path and the cause; a
policy written outside the package gets the same numbers from ``gelato verify --policy``,
``assert_guarantees`` and the pytest plugin (SPEC §4.1, §7)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import user_policies

from gelato_theory import preset
from gelato_theory.cli.main import main
from gelato_theory.control import load_policies, load_policy, policies
from gelato_theory.control.policies import DPP
from gelato_theory.errors import PolicyCheckError, PolicyLoadError
from gelato_theory.exact.bounds import constants
from gelato_theory.scenario.load import load_scenario
from gelato_theory.testing import assert_guarantees

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ci-project"


@pytest.fixture(scope="module")
def default():
    s = preset("default")
    problem, _ = constants(s)
    return s, problem


def test_names_paths_and_objects(default):
    s, problem = default
    assert isinstance(load_policy("gelato-exact", s, problem), DPP)
    cls = load_policy("user_policies:Alternating", s, problem)
    assert type(cls).__name__ == "Alternating" and cls.problem is problem
    made = load_policy("user_policies:threshold_budget", s, problem)
    assert made.name == "budget-factory"
    path = Path(user_policies.__file__)
    assert load_policy(f"{path}:Alternating", s, problem).name == "alternating"
    assert load_policy(user_policies.Alternating, s, problem).name == "alternating"
    assert load_policy(user_policies.threshold_budget, s, problem).name == "budget-factory"
    obj = user_policies.Alternating(s, problem)
    assert load_policy(obj, s, problem) is obj
    specs = ["gelato", "user_policies:Alternating", user_policies.threshold_budget]
    got = load_policies(specs, s, problem)  # the user policies pass the checker
    assert list(got) == ["gelato", "alternating", "budget-factory"]


@pytest.mark.parametrize(
    ("spec", "cause"),
    [
        ("no_such_pkg.mod:X", "cannot import 'no_such_pkg.mod': ModuleNotFoundError"),
        ("user_policies:Missing", "module 'user_policies' has no attribute 'Missing'"),
        (
            "user_policies:Unbuildable",
            "Unbuildable(scenario, problem) raised RuntimeError: model weights not found",
        ),
        ("user_policies:NOT_A_POLICY", "is a int, not a policy (no decide), class or factory"),
        ("gelato-turbo", "is neither a built-in policy (gelato, gelato-exact"),
        ("user_policies:", "an import path must read 'module:Name'"),
        ("/nonexistent/dir/pol.py:X", "no such file"),
    ],
)
def test_load_errors_name_the_path_and_the_cause(default, spec, cause):
    s, problem = default
    with pytest.raises(PolicyLoadError) as info:
        load_policy(spec, s, problem)
    assert cause in str(info.value)
    assert str(info.value).startswith("policy ")


def test_two_policies_with_one_name(default):
    s, problem = default
    with pytest.raises(PolicyLoadError, match="which an earlier policy uses"):
        load_policies(["user_policies:Alternating", user_policies.Alternating], s, problem)


def test_load_error_is_exit_2_without_output(tmp_path, capsys):
    out = tmp_path / "report.json"
    code = main(["verify", "--policy", "user_policies:Unbuildable", "--json", str(out)])
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert (
        "policy user_policies:Unbuildable: Unbuildable(scenario, problem) raised RuntimeError"
        in err
    )


def test_a_malformed_user_policy_is_stopped_before_verification():
    s = preset("default").replace(**{"control.V": (0.1,)})

    class Greedy:
        name = "greedy"

        def decide(self, obs):
            from gelato_theory.control import Decision
            from gelato_theory.executor.stopping import no_early_exit

            return Decision.budget(np.full(obs.batch, 50), no_early_exit())

    with pytest.raises(PolicyCheckError, match=r"\[budget_range\]"):
        assert_guarantees(s, policies=[Greedy()], seeds=2, horizon=20)


def test_builtins_are_not_rechecked_and_overrides_still_plant(default):
    s, problem = default
    pols = policies(s, problem)
    got = load_policies(["gelato-exact"], s, problem, overrides={"gelato-exact": pols["offload"]})
    assert got["gelato-exact"] is pols["offload"]


# ------------------------------------------------------- the same numbers through every entry point


def _scenario_file(tmp_path: Path) -> Path:
    """The example scenario without its [pytest] table (the CLI reads scenarios only)."""
    text = (EXAMPLE / "gelato_my_device.toml").read_text()
    path = tmp_path / "my_device.toml"
    path.write_text(text.split("[pytest]")[0])
    return path


def test_user_policy_same_numbers_from_cli_plugin_and_assert_guarantees(
    tmp_path, monkeypatch, pytester
):
    seeds, horizon = 4, 300
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(EXAMPLE / "my_policy.py", project / "my_policy.py")
    scen_path = _scenario_file(project)
    monkeypatch.syspath_prepend(str(project))

    # 1. gelato verify --policy module:Class
    out = project / "cli.json"
    code = main(
        [
            "verify",
            "--scenario",
            str(scen_path),
            "--policy",
            "my_policy:MyDPP",
            "--seeds",
            str(seeds),
            "--horizon",
            str(horizon),
            "--json",
            str(out),
        ]
    )
    assert code == 0
    cli = json.loads(out.read_text())

    # 2. assert_guarantees(policies=["module:Class"])
    scenario = load_scenario(scen_path)
    report = assert_guarantees(scenario, policies=["my_policy:MyDPP"], seeds=seeds, horizon=horizon)
    result = report.results[0]
    assert result.policy == "my-dpp"

    # 3. the plugin, with the policy in the scenario's [pytest] table
    toml = scen_path.read_text() + (
        f'\n[pytest]\npolicies = ["my_policy:MyDPP"]\nseeds = {seeds}\nhorizon = {horizon}\n'
    )
    (pytester.path / "gelato_mine.toml").write_text(toml)
    shutil.copy(EXAMPLE / "my_policy.py", pytester.path / "my_policy.py")
    rec = pytester.inline_run(str(pytester.path), "-q", "-p", "no:cacheprovider")
    items = [r for r in rec.getreports("pytest_runtest_logreport") if r.when == "call"]
    assert items and not [r for r in items if r.failed]
    files = [
        n
        for rep in rec.getreports("pytest_collectreport")
        for n in rep.result
        if hasattr(n, "report")
    ]
    plugin_result = files[0].report().results[0]

    # same numbers, bit for bit
    sims = [result.simulation, plugin_result.simulation]
    for f in ("mean_N", "mean_E", "mean_Q", "max_Q", "final_Q"):
        np.testing.assert_array_equal(getattr(sims[0], f), getattr(sims[1], f))
    (entry,) = cli["policies"]
    assert entry["policy"] == "my-dpp"
    for i, row in enumerate(entry["diagnostics"]):
        assert row["mean_utility"] == float(sims[0].mean_u[i].mean())
        assert row["mean_backlog"] == float(sims[0].mean_Q[i].mean())
