"""The testing API for users' CI (SPEC §7): the pytest plugin and ``assert_guarantees``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from planted import break_acceptance

from gelato_theory import preset
from gelato_theory.testing import GuaranteeViolation, assert_guarantees

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ci-project"


@pytest.fixture
def project(pytester):
    for f in EXAMPLE.iterdir():
        if f.is_file() and f.suffix in (".toml", ".py"):
            shutil.copy(f, pytester.path / f.name)
    return pytester


def test_example_project_passes(project):
    result = project.runpytest_inprocess("-v", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0, outcomes
    assert outcomes["passed"] >= 15
    # the user's own controller (my_policy.py) is verified next to the built-in one
    result.stdout.fnmatch_lines(["*my_policy:MyDPP::theorem3_backlog*V=0.1* PASSED*"])
    result.stdout.fnmatch_lines(["*test_my_policy_keeps_the_sample_path_guarantees PASSED*"])


def _use_policies(project, policies: str) -> None:
    path = project.path / "gelato_my_device.toml"
    head = path.read_text().split("[pytest]")[0]
    path.write_text(head + f"[pytest]\npolicies = {policies}\nseeds = 8\nhorizon = 800\n")


def test_example_broken_user_policy_is_caught_with_the_claim_named(project):
    _use_policies(project, '["my_policy:FastPathDPP"]')
    result = project.runpytest_inprocess(
        "-q", "-p", "no:cacheprovider", "-rf", "gelato_my_device.toml"
    )
    assert result.parseoutcomes().get("failed", 0) >= 2
    result.stdout.fnmatch_lines(["*theorem3_backlog failed for my_policy:FastPathDPP*"])
    result.stdout.no_fnmatch_line("*violation_identity failed*")


def test_example_user_policy_that_does_not_load_fails_with_the_cause(project):
    _use_policies(project, '["my_policy:NoSuchPolicy"]')
    result = project.runpytest_inprocess(
        "-q", "-p", "no:cacheprovider", "-rf", "gelato_my_device.toml"
    )
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*policy my_policy:NoSuchPolicy: module 'my_policy' has no attribute 'NoSuchPolicy'*"]
    )


def test_example_project_fails_when_a_guarantee_breaks(project, monkeypatch):
    break_acceptance(monkeypatch)
    result = project.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-rf")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 2
    result.stdout.fnmatch_lines(["*closed_form_consistency failed for gelato-exact*"])


def test_bad_scenario_file_is_a_collection_error(pytester):
    (pytester.path / "gelato_bad.toml").write_text("[channel\n")
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*gelato_bad.toml: must be valid TOML*"])
    assert result.ret != 0
    (pytester.path / "gelato_bad.toml").write_text(
        (EXAMPLE / "gelato_my_device.toml").read_text().replace("e_c = 0.03", "e_c = -1.0")
    )
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*device.e_c = -1.0: must be >= 0*"])


def test_assert_guarantees_passes_and_raises_with_a_report(monkeypatch):
    s = preset("default").replace(**{"control.V": (0.03, 0.1)})
    report = assert_guarantees(s, policies=["gelato-exact"], seeds=4, horizon=400)
    assert report.passed
    break_acceptance(monkeypatch)
    with pytest.raises(GuaranteeViolation) as info:
        assert_guarantees(s, policies=["gelato-exact"], seeds=4, horizon=400)
    msg = str(info.value)
    assert "closed_form_consistency" in msg and "FAIL" in msg and "V=0.1" in msg
    # restricted to the sample-path claims, the same broken executor passes
    assert_guarantees(
        s,
        claims=["theorem3_backlog", "violation_identity"],
        policies=["gelato-exact"],
        seeds=4,
        horizon=400,
    )
    with pytest.raises(ValueError, match="no_such_claim"):
        assert_guarantees(s, claims=["no_such_claim"])
