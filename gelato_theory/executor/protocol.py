"""The language-model protocol of the executor (SPEC §3).

Two levels:

* :class:`LanguageModel` — the small protocol of the issue: a shared vocabulary and next-token
  distributions for a batch of contexts (``(B, L)`` int token ids -> ``(B, V)`` probabilities).
* :class:`ModelPair` — what the round engine talks to: a draft and a target model seen *per drafted
  position*. A position is identified by a context array with a leading batch axis (the last ``L``
  tokens for an n-gram pair, the latent token type for the synthetic pair). The engine only calls
  the vectorized methods below, so a pair may answer them from precomputed tables
  (:mod:`~gelato_theory.executor.synthetic`) or from probability rows (:class:`RowPair`).
* :class:`BlockPair` — a pair with state across rounds (KV caches) whose target scores a whole
  drafted block in **one** pass: the engine opens a :class:`DraftBlock` per round, drafts through
  it position by position, and verifies with a single :meth:`DraftBlock.score` call that returns
  p(x_i) at every sent position and argmax p at those and the bonus position. The engine keeps the
  acceptance test and the stopping rules; the pair only answers model questions.

Every method is vectorized over the batch; sampling uses inverse-CDF on caller-supplied uniforms in
[0, 1), so the pair itself holds no randomness.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gelato_theory.executor.sampling import inverse_cdf, residual
from gelato_theory.scenario.token_types import entropy_nats

__all__ = [
    "BlockPair",
    "BlockScores",
    "DraftBlock",
    "LanguageModel",
    "ModelPair",
    "RowPair",
    "entropy_nats",
]


@runtime_checkable
class LanguageModel(Protocol):
    """Next-token distributions over a shared vocabulary of ``vocab_size`` tokens."""

    @property
    def vocab_size(self) -> int: ...

    def next_token_probs(self, contexts: np.ndarray) -> np.ndarray:
        """``(B, L)`` int contexts -> ``(B, vocab_size)`` probabilities (rows sum to 1)."""
        ...


class ModelPair(ABC):
    """A draft/target pair as the round engine sees it (SPEC §3).

    ``history`` is the per-trajectory state between positions (``(B, L)`` int, possibly ``L = 0``);
    ``position(history, u)`` turns it into the context of the next position (``u`` is the position's
    "type" uniform, used by pairs with a latent position type); ``advance(history, x)`` appends a
    token.
    """

    vocab_size: int
    #: True when a position's context ignores the tokens before it (i.i.d. positions); the engine
    #: then drafts all positions of a round at once and the methods accept any array shape.
    context_free: bool = False

    @abstractmethod
    def initial_history(self, batch: int, u: np.ndarray | None = None) -> np.ndarray:
        """History ``(B, L)`` at the start of a trajectory; ``u`` (B,) may randomize it."""

    @abstractmethod
    def position(self, history: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Context of the next position, leading axis B."""

    @abstractmethod
    def advance(self, history: np.ndarray, x: np.ndarray) -> np.ndarray:
        """History after appending tokens ``x`` (B,)."""

    @abstractmethod
    def draft_step(
        self, ctx: np.ndarray, u: np.ndarray, greedy: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draft at ``ctx``: entropy H(q) (nats), token x (sampled, or argmax q if greedy), q(x)."""

    @abstractmethod
    def target_prob(self, ctx: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Target probability p(x) at ``ctx`` (B,)."""

    @abstractmethod
    def target_argmax(self, ctx: np.ndarray) -> np.ndarray:
        """argmax p at ``ctx`` (B,) (greedy verification)."""

    @abstractmethod
    def final_token(
        self, ctx: np.ndarray, u: np.ndarray, use_residual: np.ndarray, greedy: bool
    ) -> np.ndarray:
        """The edge's extra token: a sample of norm(max(p - q, 0)) where ``use_residual``, else
        of p; argmax p in greedy mode."""


class RowPair(ModelPair):
    """A pair defined by probability rows; implements the engine methods with :mod:`sampling`."""

    @abstractmethod
    def draft_probs(self, ctx: np.ndarray) -> np.ndarray:
        """``(B, V)`` draft distributions q at the contexts."""

    @abstractmethod
    def target_probs(self, ctx: np.ndarray) -> np.ndarray:
        """``(B, V)`` target distributions p at the contexts."""

    def draft_step(
        self, ctx: np.ndarray, u: np.ndarray, greedy: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        q = self.draft_probs(ctx)
        x = np.argmax(q, axis=1) if greedy else inverse_cdf(q, u)
        return entropy_nats(q), x, q[np.arange(q.shape[0]), x]

    def target_prob(self, ctx: np.ndarray, x: np.ndarray) -> np.ndarray:
        p = self.target_probs(ctx)
        return p[np.arange(p.shape[0]), x]

    def target_argmax(self, ctx: np.ndarray) -> np.ndarray:
        return np.argmax(self.target_probs(ctx), axis=1)

    def final_token(
        self, ctx: np.ndarray, u: np.ndarray, use_residual: np.ndarray, greedy: bool
    ) -> np.ndarray:
        p = self.target_probs(ctx)
        if greedy:
            return np.argmax(p, axis=1)
        rows = p.copy()
        if use_residual.any():
            rows[use_residual] = residual(p[use_residual], self.draft_probs(ctx[use_residual]))
        return inverse_cdf(rows, u)


@dataclass(frozen=True, eq=False)
class BlockScores:
    """What the one target pass of a round gives the engine: ``p_x`` (B, n) target probability
    of each drafted token (1 where not sent) and ``argmax`` (B, n + 1) argmax p at positions
    1..n+1 (greedy verification)."""

    p_x: np.ndarray
    argmax: np.ndarray


class DraftBlock(ABC):
    """One round of a :class:`BlockPair` for a batch of B trajectories.

    Call order: :meth:`draft_step` for positions 1, 2, ... (while any row drafts), then
    :meth:`score` once (the target pass), then :meth:`final_token`, then :meth:`finish`.
    """

    @abstractmethod
    def draft_step(
        self, u: np.ndarray, active: np.ndarray, greedy: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draft the next position for the rows where ``active`` (B,) bool is set, sampling with
        uniforms ``u`` (B,); returns H(q) (nats), x and q(x), each over the active rows only."""

    @abstractmethod
    def score(self, x: np.ndarray, k: np.ndarray) -> BlockScores:
        """One target pass scoring drafted tokens ``x`` (B, n) of which the first ``k`` (B,) were
        sent, and the position after them."""

    @abstractmethod
    def final_token(
        self, A: np.ndarray, u: np.ndarray, use_residual: np.ndarray, greedy: bool
    ) -> np.ndarray:
        """The edge's extra token at position A + 1 (B,): norm(max(p - q, 0)) where
        ``use_residual``, else p; argmax p in greedy mode. Uses the scored pass only."""

    @abstractmethod
    def finish(self, A: np.ndarray, final: np.ndarray) -> Any:
        """The history after the round: the accepted prefix and the final token appended."""


class BlockPair(ABC):
    """A draft/target pair verified block-wise (one target pass per round) with its own state
    between rounds (SPEC §3). The history is opaque to the engine."""

    vocab_size: int
    context_free: bool = False

    @abstractmethod
    def initial_history(self, batch: int, u: np.ndarray | None = None) -> Any:
        """State at the start of a trajectory; ``u`` (B,) may randomize it."""

    @abstractmethod
    def open_round(self, history: Any, K_max: int) -> DraftBlock:
        """Start a round from ``history`` for budgets up to ``K_max``."""
