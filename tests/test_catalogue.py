"""The planted-defect catalogue (SPEC §5.1, §6): each realistic defect is caught by a
``gelato verify`` run of the default preset at its horizon with 32 seeds (the array engine runs the
planted wrappers; the default's 512 seeds only add power), by the claim named here.

Only the policy slot a defect lives in is simulated (the other slot is unaffected), so that each case
costs one policy's run. docs/verification.md lists the same table with the smallest defect each
claim catches.
"""

from __future__ import annotations

import numpy as np
import pytest
from planted import (
    Impostor,
    MisScaled,
    OverReporting,
    Overshoot,
    QueueBlind,
    break_acceptance,
    end_only_path_checks,
    expected_energy_queue,
    misweighted_gelato,
    wrong_sign,
)

from gelato_theory import preset
from gelato_theory.control.policies import DPP
from gelato_theory.control.registry import policies
from gelato_theory.exact.bounds import constants
from gelato_theory.verification.engine import verify


@pytest.fixture(scope="module")
def default():
    s = preset("default")
    problem, _ = constants(s)
    return s, problem


def run(scenario, **kw):
    """The default run of the exact controller (32 seeds), with a planted defect."""
    return verify(scenario, policy_names=("gelato-exact",), seeds=32, **kw)


def failed(report) -> set[str]:
    return {v.claim for v in report.failures()}


CONTROLLERS = {
    "queue ignored": (lambda p: QueueBlind(DPP(p)), {"theorem3_backlog", "coupled_theorem3"}),
    "overshoots and recovers": (lambda p: Overshoot(DPP(p)), {"coupled_theorem3"}),
    "V x 1.1": (lambda p: MisScaled(DPP(p), factor=1.1), {"coupled_theorem3"}),
    "V x 2": (lambda p: MisScaled(DPP(p), factor=2.0), {"coupled_theorem3", "backlog_band"}),
    # too small a V keeps the backlog low: no path bound can see it, the curved band's lower end
    # (within 5 % of the measured mean backlog at V >= 0.03) does
    "V x 0.95": (lambda p: MisScaled(DPP(p), factor=0.95), {"backlog_band"}),
    "V x 1.02": (lambda p: MisScaled(DPP(p), factor=1.02), {"coupled_theorem3", "backlog_band"}),
    "utility / 100": (lambda p: MisScaled(DPP(p)), {"theorem1_utility"}),
    "pure offload posing as DPP": (
        lambda p: Impostor(policies(preset("default"), p)["offload"]),
        {"theorem1_utility"},
    ),
}


@pytest.mark.parametrize("defect", list(CONTROLLERS))
def test_controller_defect_is_caught(default, defect):
    s, problem = default
    make, claims = CONTROLLERS[defect]
    r = run(s, overrides={"gelato-exact": make(problem)})
    assert claims <= failed(r), r.reason()


def test_tokens_over_reported_by_one_percent_are_caught(default):
    s, _ = default
    r = run(s, executor=OverReporting(s, 0.01))
    assert {"lagrangian_converse", "closed_form_consistency"} <= failed(r), r.reason()


def test_wrong_queue_sign_is_caught(default):
    s, _ = default
    assert "violation_identity" in failed(run(s, queue_update=wrong_sign))


def test_broken_acceptance_is_caught(default, monkeypatch):
    s, _ = default
    break_acceptance(monkeypatch)
    assert "closed_form_consistency" in failed(run(s))


def test_the_overshoot_is_seen_only_at_every_round(default, monkeypatch):
    """A verifier that checks path claims at the end only misses the overshoot: this test (and
    the catalogue case above) would then fail."""
    s, problem = default
    r = run(s, overrides={"gelato-exact": Overshoot(DPP(problem))})
    sim = r.results[0].simulation
    bound = np.array([b.coupled_backlog_bound for b in r.bounds])
    # breached in between and recovered by the end (at the V where the overshoot exceeds the bound)
    breached = sim.max_Q.max(axis=1) > bound
    assert breached.sum() >= 3 and (sim.final_Q.max(axis=1) < bound)[breached].all()
    # the averages barely move: only the path claims see it
    assert not failed(r) & {"theorem1_utility", "theorem2_backlog", "mean_rate_stability"}
    end_only_path_checks(monkeypatch)
    blind = run(s, overrides={"gelato-exact": Overshoot(DPP(problem))})
    assert not failed(blind) & {"coupled_theorem3", "theorem3_backlog"}


@pytest.fixture(scope="module")
def exits():
    s = preset("exit-heavy").replace(**{"verification.seeds": 32})
    problem, _ = constants(s)
    return s, problem


def test_expected_energy_queue_is_caught_where_exits_are_used(exits, monkeypatch):
    s, _ = exits
    expected_energy_queue(monkeypatch)
    assert "violation_identity" in failed(run(s))


@pytest.mark.parametrize("factor", [0.25, 4.0])
def test_misweighted_inner_rule_is_caught_by_the_checked_C(exits, factor):
    s, problem = exits
    correct = verify(s, policy_names=("gelato",))
    assert "empirical_C" not in failed(correct), correct.reason()
    r = verify(
        s, policy_names=("gelato",), overrides={"gelato": misweighted_gelato(problem, factor)}
    )
    assert "empirical_C" in failed(r), r.reason()


def test_the_default_cli_run_catches_the_exit_only_defect(monkeypatch, tmp_path, capsys):
    """``gelato verify`` with no scenario option runs default, then exit-heavy: a queue fed the
    expected cost passes on default (its exact controller never exits) and fails on exit-heavy."""
    from gelato_theory.cli.main import main
    from gelato_theory.cli.verify import DEFAULT_RUN

    assert DEFAULT_RUN == ("default", "exit-heavy")
    expected_energy_queue(monkeypatch)
    out = tmp_path / "r.json"
    # the defect is planted in the array engine's round step (the compiled kernel is held to the
    # array engine bit for bit by test_compiled.py)
    args = ["verify", "--seeds", "16", "--policy", "gelato-exact", "--engine", "numpy"]
    args += ["--json", str(out)]
    assert main([*args, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exit-heavy" in err and "violation_identity" in err
    import json

    doc = json.loads(out.read_text())
    by = {r["scenario"]["name"]: r for r in doc["reports"]}
    failed = {
        n: {v["claim"] for v in r["verdicts"] if v["status"] == "fail"} for n, r in by.items()
    }
    assert "violation_identity" in failed["exit-heavy"]
