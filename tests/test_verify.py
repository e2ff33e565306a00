"""The verifier itself (SPEC §6): a correct run passes, and each planted bug is caught by a named check.

Broken inputs: a controller that ignores the queue, a queue update with the wrong sign, a controller
whose utility is mis-scaled, and an executor whose speculative-sampling acceptance rule is broken.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from planted import Impostor, MisScaled, QueueBlind, break_acceptance, wrong_sign

from gelato_theory import preset
from gelato_theory.cli.main import main
from gelato_theory.control.policies import DPP
from gelato_theory.verification import report as views
from gelato_theory.verification.engine import verify

SEEDS, HORIZON = 12, 1500


@pytest.fixture(scope="module")
def scenario():
    return preset("default")


def failed_claims(report):
    return {v.claim for v in report.failures()}


@pytest.fixture(scope="module")
def correct(scenario):
    return verify(scenario, seeds=SEEDS, horizon=HORIZON)


def test_correct_run_passes(correct):
    assert correct.passed, correct.reason()
    assert correct.count("pass") > 0


def verify_planted(scenario, wrap):
    """Verify the exact controller replaced by ``wrap(DPP)``, a planted bug."""
    from gelato_theory.exact.bounds import constants

    problem, _ = constants(scenario)
    return verify(
        scenario,
        policy_names=("gelato-exact",),
        overrides={"gelato-exact": wrap(DPP(problem))},
        seeds=SEEDS,
        horizon=HORIZON,
    )


def test_queue_ignored_is_caught_by_theorem3(scenario):
    r = verify_planted(scenario, QueueBlind)
    assert not r.passed
    assert {
        "theorem3_backlog",
        "theorem2_backlog",
        "mean_rate_stability",
        "backlog_scaling",
    } <= failed_claims(r)


def test_wrong_queue_sign_is_caught_by_the_violation_identity(scenario):
    r = verify(
        scenario,
        policy_names=("gelato-exact",),
        seeds=SEEDS,
        horizon=HORIZON,
        queue_update=wrong_sign,
    )
    assert "violation_identity" in failed_claims(r)


def test_mis_scaled_utility_is_caught_by_theorem1(scenario):
    r = verify_planted(scenario, MisScaled)
    assert {"theorem1_utility", "utility_scaling"} <= failed_claims(r)


def test_broken_acceptance_is_caught_by_closed_form_consistency(scenario, monkeypatch):
    break_acceptance(monkeypatch)
    r = verify(scenario, policy_names=("gelato-exact",), seeds=SEEDS, horizon=HORIZON)
    assert "closed_form_consistency" in failed_claims(r)


def test_cli_exit_codes_and_reports(tmp_path, capsys, monkeypatch):
    args = ["verify", "--seeds", "6", "--horizon", "400", "--out", str(tmp_path / "ok")]
    assert main(args) == 0
    doc = json.loads((tmp_path / "ok" / "report.json").read_text())
    jsonschema.validate(doc, views.schema())
    # the default run: the default preset, then exit-heavy, each a full report
    assert [r["scenario"]["name"] for r in doc["reports"]] == ["default", "exit-heavy"]
    assert doc["summary"]["fail"] == 0 and doc["summary"]["passed"]
    assert doc["summary"]["pass"] == sum(r["summary"]["pass"] for r in doc["reports"])
    root = ET.parse(tmp_path / "ok" / "junit.xml").getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == sum(len(r["verdicts"]) for r in doc["reports"])
    md = (tmp_path / "ok" / "report.md").read_text()
    assert md.startswith("# Verification of `default`") and "# Verification of `exit-heavy`" in md
    # one scenario named: its report alone, as before
    one = tmp_path / "one.json"
    assert main(["verify", "--preset", "default", "--seeds", "6", "--horizon", "400",
                 "--json", str(one)]) == 0  # fmt: skip
    single = json.loads(one.read_text())
    jsonschema.validate(single, views.schema())
    assert single["scenario"]["name"] == "default" and "reports" not in single

    break_acceptance(monkeypatch)
    capsys.readouterr()
    assert (
        main(
            ["verify", "--seeds", "6", "--horizon", "400", "--engine", "numpy"]
            + ["--junit", str(tmp_path / "bad.xml")]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "FAIL" in err and "closed_form_consistency" in err and err.count("\n") == 1
    failures = ET.parse(tmp_path / "bad.xml").getroot().findall(".//failure")
    assert failures


def test_bad_input_writes_nothing(tmp_path):
    out = tmp_path / "r"
    assert main(["verify", "--seeds", "1", "--out", str(out)]) == 2
    assert main(["verify", "--preset", "nope", "--out", str(out)]) == 2
    assert main(["verify", "--policy", "no-such-policy", "--out", str(out)]) == 2
    assert not out.exists()


def test_interrupted_run_leaves_no_partial_file(tmp_path, monkeypatch):
    import gelato_theory.verification.report as rep

    def boom(report):
        raise KeyboardInterrupt

    monkeypatch.setattr(rep, "run_to_junit", boom)  # what gelato verify writes JUnit with
    out = tmp_path / "r"
    assert main(["verify", "--seeds", "3", "--horizon", "50", "--out", str(out)]) == 130
    assert not out.exists() or not any(out.iterdir())


def test_report_is_deterministic(scenario):
    a = verify(scenario, seeds=4, horizon=300)
    b = verify(scenario, seeds=4, horizon=300)
    assert views.to_json_text(a) == views.to_json_text(b)


def test_throughput_shortfall_is_caught_by_the_rate_claim():
    """Per-second objective: a controller stuck on pure offload (33.3 tokens/s) misses theta*."""
    from gelato_theory.control.registry import policies
    from gelato_theory.exact.bounds import constants

    s = preset("default").replace(
        **{"objective.kind": "per_second", "objective.power_budget_w": 1.2, "control.V": (0.3, 1.0)}
    )
    problem, _ = constants(s)
    offload = Impostor(policies(s, problem)["offload"])
    good = verify(s, policy_names=("gelato-exact",), seeds=8, horizon=1500)
    bad = verify(
        s,
        policy_names=("gelato-exact",),
        overrides={"gelato-exact": offload},
        seeds=8,
        horizon=1500,
    )
    assert "rate_throughput" not in failed_claims(good)
    assert "rate_throughput" in failed_claims(bad)
