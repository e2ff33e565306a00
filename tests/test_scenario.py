"""Scenario loading, presets and bad input (SPEC §7, §8)."""

from __future__ import annotations

import math
import tomllib
from importlib import resources

import numpy as np
import pytest

from gelato_theory import InfeasibleScenarioError, ScenarioError, preset, preset_names
from gelato_theory.cli.main import main
from gelato_theory.exact.bounds import bound_report
from gelato_theory.scenario.channel import quantized_rayleigh
from gelato_theory.scenario.load import loads_scenario, scenario_from_dict


def preset_doc(name: str = "default") -> dict:
    text = resources.files("gelato_theory.scenario.presets").joinpath(f"{name}.toml").read_text()
    return tomllib.loads(text)


def test_presets_load_and_are_distinct():
    assert {"default", "paper-like"} <= set(preset_names())
    d, p = preset("default"), preset("paper-like")
    assert d.name == "default" and p.name == "paper-like"
    assert math.inf in d.actions.thresholds
    assert d.objective.energy_budget_j != p.objective.energy_budget_j


def test_paper_like_budget_binds_hard():
    # the budget is well below what K = 4 without early exit costs, so the multiplier is large
    from gelato_theory.exact.round_stats import round_stats

    s = preset("paper-like")
    r = round_stats(s)
    i = int(np.flatnonzero((r.menu.K == 4) & np.isinf(r.menu.eta))[0])
    assert r.pi @ r.E[:, i] > 1.5 * s.objective.energy_budget_j
    assert bound_report(s).constants.lambda_star > 0


def test_quantized_rayleigh_is_the_conditional_mean():
    h, pi = quantized_rayleigh(2.0, 6)
    assert np.all(np.diff(h) > 0)
    np.testing.assert_allclose(pi.sum(), 1.0)
    np.testing.assert_allclose(pi @ h, 2.0, rtol=1e-12)  # conditional means average to the mean
    rng = np.random.default_rng(1)
    x = np.sort(rng.exponential(2.0, 600_000)).reshape(6, -1)
    np.testing.assert_allclose(x.mean(axis=1), h, rtol=0.02)


BAD = [
    ("device", "e_c", float("nan"), "device.e_c", "finite"),
    ("device", "e_c", -0.01, "device.e_c", ">= 0"),
    ("device", "payload_bits", 0, "device.payload_bits", "> 0"),
    ("edge", "tau_0", float("inf"), "edge.tau_0", "finite"),
    ("actions", "K_max", -1, "actions.K_max", ">= 0"),
    ("actions", "K_max", 2.5, "actions.K_max", "integer"),
    ("actions", "thresholds", [0.5, 1.0], "actions.thresholds", "contain inf"),
    ("actions", "thresholds", [-1.0, math.inf], "actions.thresholds[0]", ">= 0"),
    ("control", "V", [0.1, 0.0], "control.V[1]", "> 0"),
    ("control", "V", [], "control.V", "non-empty"),
    ("control", "Q0", -1.0, "control.Q0", ">= 0"),
    ("objective", "kind", "per_hour", "objective.kind", "per_round"),
    ("objective", "energy_budget_j", -0.1, "objective.energy_budget_j", "> 0"),
    ("verification", "confidence", 1.5, "verification.confidence", "[0.5, 1)"),
    ("verification", "seeds", 1, "verification.seeds", ">= 2"),
    ("channel", "bandwidth_hz", "wide", "channel.bandwidth_hz", "number"),
    ("channel", "colour", 3, "channel.colour", "not a known key"),
]


@pytest.mark.parametrize(("section", "key", "value", "field", "rule"), BAD)
def test_bad_field_names_field_value_and_rule(section, key, value, field, rule):
    doc = preset_doc()
    doc.setdefault(section, {})[key] = value
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(doc)
    assert info.value.field == field
    assert rule in str(info.value)
    assert field in str(info.value)


def test_table_probabilities_must_sum_to_one():
    doc = preset_doc()
    doc["channel"] = {
        "model": "table",
        "bandwidth_hz": 1e7,
        "tx_power_w": 0.2,
        "noise_psd_w_per_hz": 4e-20,
        "gains": [1e-12, 2e-12],
        "probabilities": [0.5, 0.6],
    }
    with pytest.raises(ScenarioError, match=r"channel.probabilities .*sum to 1"):
        scenario_from_dict(doc)
    doc["channel"]["probabilities"] = [1.0]
    with pytest.raises(ScenarioError, match=r"channel.probabilities .*2 entries"):
        scenario_from_dict(doc)


def test_token_table_lengths_must_match():
    doc = preset_doc()
    doc["tokens"] = {
        "model": "table",
        "weights": [0.5, 0.5],
        "entropies": [1.0],
        "acceptances": [0.5, 0.9],
    }
    with pytest.raises(ScenarioError, match=r"tokens.entropies .*2 entries"):
        scenario_from_dict(doc)
    doc["tokens"]["entropies"] = [1.0, 2.0]
    doc["tokens"]["acceptances"] = [0.5, 1.2]
    with pytest.raises(ScenarioError, match=r"tokens.acceptances\[1\] .*\[0, 1\]"):
        scenario_from_dict(doc)


def test_malformed_toml_and_missing_section():
    with pytest.raises(ScenarioError, match="valid TOML"):
        loads_scenario("[channel\nmodel = ")
    doc = preset_doc()
    del doc["device"]
    with pytest.raises(ScenarioError, match="device .*required"):
        scenario_from_dict(doc)


def test_no_slater_slack_is_reported_as_infeasible():
    s = preset("default")
    s = s.replace(**{"objective.energy_budget_j": s.device.e_0})  # pure offload uses it all
    with pytest.raises(InfeasibleScenarioError, match="objective.energy_budget_j .*Slater"):
        bound_report(s)


def test_cli_bad_input_exits_nonzero_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    doc_text = (
        resources.files("gelato_theory.scenario.presets").joinpath("default.toml").read_text()
    )
    bad.write_text(doc_text.replace("e_c = 0.03", "e_c = -0.03"))
    out = tmp_path / "bounds.json"
    assert main(["bounds", "--scenario", str(bad), "--json", str(out)]) == 2
    assert "device.e_c" in capsys.readouterr().err
    assert not out.exists()
    assert main(["bounds", "--preset", "no-such", "--json", str(out)]) == 2
    assert main(["bounds", "--V", "", "--json", str(out)]) == 2
    assert main(["bounds", "--scenario", str(tmp_path / "missing.toml")]) == 2
    infeasible = tmp_path / "infeasible.toml"
    infeasible.write_text(doc_text.replace("energy_budget_j = 0.12", "energy_budget_j = 0.01"))
    assert main(["bounds", "--scenario", str(infeasible), "--json", str(out)]) == 2
    assert "Slater" in capsys.readouterr().err
    assert not out.exists()


def test_existing_output_is_not_overwritten_on_error(tmp_path):
    out = tmp_path / "bounds.json"
    out.write_text("previous")
    assert main(["bounds", "--V", "-1", "--json", str(out)]) == 2
    assert out.read_text() == "previous"
