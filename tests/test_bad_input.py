"""Bad input to the executor and the model pairs (SPEC §8): the message names the field and rule."""

from __future__ import annotations

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.errors import ExecutorInputError, GelatoError
from gelato_theory.executor.ngram import NgramPair, corpus, ngram_pair
from gelato_theory.executor.rounds import Executor
from gelato_theory.executor.stopping import FixedThreshold
from gelato_theory.executor.synthetic import SyntheticPair
from gelato_theory.scenario.token_types import TokenTypes


def test_draft_and_target_vocabularies_must_match():
    p = np.full((2, 4), 0.25)
    q = np.full((2, 5), 0.2)
    t = TokenTypes(w=np.array([0.5, 0.5]), H=np.zeros(2), beta=np.ones(2), p=p, q=q)
    with pytest.raises(
        ExecutorInputError, match=r"q = \(2, 5\): draft and target must share one vocabulary"
    ):
        SyntheticPair(t)
    pair = ngram_pair(2, 3)
    small = type(pair.draft)(pair.corpus.train[:1000] % 7, 7, 2)
    with pytest.raises(ExecutorInputError, match="draft.vocab_size = 7: must equal"):
        NgramPair(corpus(), small, pair.target)


def test_executor_arguments_are_checked():
    ex = Executor(preset("default"))
    U = np.zeros((2, ex.width))
    rule = FixedThreshold(np.inf)
    with pytest.raises(ExecutorInputError, match="K = "):
        ex.run_round(np.zeros(2, int), np.array([1, ex.K_max + 1]), rule, U)
    with pytest.raises(ExecutorInputError, match="uniforms"):
        ex.run_round(np.zeros(2, int), np.array([1, 1]), rule, U[:, :3])
    with pytest.raises(ExecutorInputError, match="m = "):
        ex.run_round(np.array([0, 99]), np.array([1, 1]), rule, U)
    with pytest.raises(GelatoError, match="mode"):
        Executor(preset("default"), mode="lenient")


def test_infeasible_message_states_the_true_minimum_energy():
    from gelato_theory import InfeasibleScenarioError
    from gelato_theory.exact.optimum import require_slack
    from gelato_theory.exact.problem import build_problem

    s = preset("default").replace(**{"objective.energy_budget_j": 0.01})
    problem = build_problem(s)
    for scenario in (s, None):  # with or without the scenario at hand
        with pytest.raises(InfeasibleScenarioError, match=r"minimum expected round energy 0.02 J"):
            require_slack(problem, scenario)
