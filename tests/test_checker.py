"""The policy checker (SPEC §4.1): built-ins pass; every kind of malformed policy is rejected with
a message naming the problem."""

from __future__ import annotations

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.cli.main import main
from gelato_theory.control import CHECKS, Decision, check_policy, policies
from gelato_theory.errors import PolicyCheckError
from gelato_theory.exact.bounds import constants
from gelato_theory.executor.stopping import FixedThreshold


@pytest.fixture(scope="module")
def default():
    s = preset("default")
    problem, _ = constants(s)
    return s, problem


class Good:
    """A valid causal policy: the same menu action every round, from the menu."""

    name = "good"

    def __init__(self, problem, action=5):
        self.problem, self.action = problem, action

    def decide(self, obs):
        return Decision.menu(self.problem, np.full(obs.batch, self.action, dtype=np.int64))


def rejected(policy, setup, kind: str) -> str:
    s, problem = setup
    with pytest.raises(PolicyCheckError) as info:
        check_policy(policy, s, problem)
    assert info.value.kind == kind, str(info.value)
    assert f"[{kind}]" in str(info.value)
    return str(info.value)


@pytest.mark.parametrize("per_second", [False, True])
def test_every_builtin_policy_passes(per_second):
    s = preset("default")
    if per_second:
        s = s.replace(**{"objective.kind": "per_second", "objective.power_budget_w": 1.2})
    problem, _ = constants(s)
    for name, pol in policies(s, problem).items():
        report = check_policy(pol, s, problem)
        assert report.checks == tuple(CHECKS), name
    assert "12 checks passed" in report.summary()


def test_no_decide_method(default):
    msg = rejected(object(), default, "interface")
    assert "object has no decide method" in msg


def test_stateful_policy_must_return_a_pair(default):
    class Forgetful(Good):
        def init_state(self, batch):
            return 0

        def decide(self, obs, state):
            return Good.decide(self, obs)  # forgot to return the state

    msg = rejected(Forgetful(default[1]), default, "interface")
    assert "must return (Decision, state); got Decision" in msg


def test_unknown_class(default):
    class Boastful(Good):
        policy_class = "optimal"

    assert "must be one of" in rejected(Boastful(default[1]), default, "policy_class")


def test_decide_raises(default):
    class Crashes(Good):
        def decide(self, obs):
            if obs.t == 3:
                raise KeyError("missing table")
            return super().decide(obs)

    msg = rejected(Crashes(default[1]), default, "raises")
    assert "decide raised KeyError" in msg and "t = 3" in msg


def test_float_budget(default):
    class FloatK(Good):
        def decide(self, obs):
            d = super().decide(obs)
            return Decision(K=d.K.astype(float), rule=d.rule, action=d.action)

    msg = rejected(FloatK(default[1]), default, "decision_shape")
    assert "Decision.K must be a (12,) integer array; got float64" in msg


def test_scalar_action(default):
    class Scalar(Good):
        def decide(self, obs):
            d = super().decide(obs)
            return Decision(K=d.K, rule=d.rule, action=np.int64(5))

    assert "Decision.action must be a (12,)" in rejected(
        Scalar(default[1]), default, "decision_shape"
    )


def test_budget_above_K_max(default):
    class Greedy(Good):
        def decide(self, obs):
            return Decision.budget(np.full(obs.batch, 99), FixedThreshold(np.inf))

    msg = rejected(Greedy(default[1]), default, "budget_range")
    assert "K = 99..99" in msg and "K_max = 8" in msg


def test_action_outside_the_menu(default):
    s, problem = default

    class PastTheEnd(Good):
        def decide(self, obs):
            d = super().decide(obs)
            return Decision(K=d.K, rule=d.rule, action=np.full(obs.batch, problem.A))

    msg = rejected(PastTheEnd(problem), default, "menu_range")
    assert f"action {problem.A}" in msg and f"0..{problem.A - 1}" in msg


def test_stop_rule_without_send_mask(default):
    class NoRule(Good):
        def decide(self, obs):
            d = super().decide(obs)
            return Decision(K=d.K, rule="stop at 1 nat", action=d.action)

    assert "has no send_mask" in rejected(NoRule(default[1]), default, "stop_rule")


def test_stop_rule_with_a_wrong_shape(default):
    class Flat:
        def send_mask(self, H):
            return np.ones(H.shape[0], dtype=bool)

    class FlatRule(Good):
        def decide(self, obs):
            return Decision.budget(np.full(obs.batch, 2), Flat())

    assert "must return a (12, 8) bool array" in rejected(
        FlatRule(default[1]), default, "stop_rule"
    )


def test_K_disagrees_with_the_menu_action(default):
    class Liar(Good):
        def decide(self, obs):
            d = super().decide(obs)
            return Decision(K=np.minimum(d.K + 1, 8), rule=d.rule, action=d.action)

    assert "chose menu action 5" in rejected(Liar(default[1]), default, "menu_mismatch")


def test_rule_disagrees_with_the_menu_action(default):
    s, problem = default
    a = int(np.flatnonzero((problem.stats.menu.K == 3) & (problem.stats.menu.eta == 1.0))[0])

    class WrongEta(Good):
        def decide(self, obs):
            d = super().decide(obs)
            return Decision(K=d.K, rule=FixedThreshold(2.0), action=d.action)

    msg = rejected(WrongEta(problem, a), default, "menu_mismatch")
    assert "eta = 1" in msg and "not the threshold rule" in msg


def test_mutating_the_observation(default):
    class Mutator(Good):
        def decide(self, obs):
            obs.Q[:] = 0.0  # "reset the queue"
            return super().decide(obs)

    assert "changed obs.Q" in rejected(Mutator(default[1]), default, "mutation")


def test_exact_dpp_declared_but_not_maximizing(default):
    s, problem = default
    pols = policies(s, problem)

    class Blind:
        name = "blind"
        policy_class = "exact-dpp"

        def decide(self, obs):
            from dataclasses import replace

            return pols["gelato-exact"].decide(replace(obs, Q=np.zeros_like(obs.Q)))

    msg = rejected(Blind(), default, "exact_dpp")
    assert "declares exact-dpp but trajectory" in msg and "max_a V u - Q y" in msg

    class OffMenu(Blind):
        def decide(self, obs):
            return pols["gelato"].decide(obs)

    assert "off-menu decision" in rejected(OffMenu(), default, "exact_dpp")


def test_global_random_state_is_not_deterministic(default):
    class Dice(Good):
        def decide(self, obs):
            action = np.random.randint(0, self.problem.A, size=obs.batch)  # not obs.uniform
            return Decision.menu(self.problem, action.astype(np.int64))

    assert "two runs on the same observations differ" in rejected(
        Dice(default[1]), default, "determinism"
    )


def test_decisions_that_depend_on_the_batch(default):
    class Herd(Good):
        def decide(self, obs):
            # draft only below the batch's mean backlog: couples the trajectories
            action = np.where(obs.Q <= obs.Q.mean(), self.action, 0).astype(np.int64)
            return Decision.menu(self.problem, action)

    msg = rejected(Herd(default[1]), default, "batch_invariance")
    assert "a batch of" in msg and "differ" in msg


def test_uses_the_round_uniform_deterministically(default):
    s, problem = default

    class Randomized(Good):
        def decide(self, obs):  # randomizes through the policy's own uniform: allowed
            action = (obs.uniform * problem.A).astype(np.int64)
            return Decision.menu(problem, action)

    check_policy(Randomized(problem), s, problem)


def test_check_policy_command(tmp_path, monkeypatch, capsys):
    (tmp_path / "pol.py").write_text(
        "import numpy as np\n"
        "from gelato_theory.control import Decision\n"
        "class Fine:\n"
        "    def __init__(self, scenario, problem): self.p = problem\n"
        "    def decide(self, obs): return Decision.menu(self.p, np.zeros(obs.batch, np.int64))\n"
        "class Dice(Fine):\n"
        "    def decide(self, obs):\n"
        "        a = np.random.randint(0, 3, obs.batch).astype(np.int64)\n"
        "        return Decision.menu(self.p, a)\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check-policy", "pol:Fine", "--rounds", "4"]) == 0
    assert "12 checks passed" in capsys.readouterr().out
    assert main(["check-policy", "pol.py:Dice"]) == 2
    err = capsys.readouterr().err
    assert "policy pol.py:Dice: [determinism]" in err
    assert main(["check-policy", "pol:Missing"]) == 2
    assert "module 'pol' has no attribute 'Missing'" in capsys.readouterr().err
