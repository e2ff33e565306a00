"""Executor layer: a reference speculative-decoding executor that really samples tokens (SPEC §3).

Build an :class:`Executor` from a scenario (default pair: the scenario's synthetic type table; or an
n-gram pair on real text via :func:`ngram_pair`), draw per-trajectory uniforms from
:class:`TrajectoryStreams`, and run rounds with a stop rule. See ``docs/executor.md``.
"""

from gelato_theory.errors import ExecutorInputError
from gelato_theory.executor.calibration import Calibration, calibrate
from gelato_theory.executor.ngram import KneserNeyModel, NgramPair, corpus, ngram_pair
from gelato_theory.executor.protocol import LanguageModel, ModelPair, RowPair
from gelato_theory.executor.rounds import Executor, RoundBatch, RoundOutcome, UniformLayout
from gelato_theory.executor.sampling import (
    AliasSampler,
    inverse_cdf,
    output_law,
    residual,
    speculative_verify,
)
from gelato_theory.executor.stopping import (
    CumulativeAcceptance,
    FixedThreshold,
    QueueAware,
    StopRule,
    beta_hat,
    no_early_exit,
)
from gelato_theory.executor.streams import TrajectoryStreams, trajectory_generator
from gelato_theory.executor.synthetic import SyntheticPair

__all__ = [
    "AliasSampler",
    "Calibration",
    "CumulativeAcceptance",
    "Executor",
    "ExecutorInputError",
    "FixedThreshold",
    "KneserNeyModel",
    "LanguageModel",
    "ModelPair",
    "NgramPair",
    "QueueAware",
    "RoundBatch",
    "RoundOutcome",
    "RowPair",
    "StopRule",
    "SyntheticPair",
    "TrajectoryStreams",
    "UniformLayout",
    "beta_hat",
    "calibrate",
    "corpus",
    "inverse_cdf",
    "ngram_pair",
    "no_early_exit",
    "output_law",
    "residual",
    "speculative_verify",
    "trajectory_generator",
]
