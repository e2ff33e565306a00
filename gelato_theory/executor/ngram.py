"""Character-level n-gram pair on real text (SPEC §3): interpolated Kneser–Ney models trained on
the English documentation that ships with CPython (``pydoc_data.topics``).

Corpus: the topics in sorted-key order; every ``holdout_every``-th topic is held out for evaluation
(documents are joined by a blank line). The vocabulary is every character of the whole corpus, so
held-out text has no unknown symbols; characters never seen in training still get probability
through the uniform base of the interpolation.

Smoothing: interpolated Kneser–Ney (Chen & Goodman 1998) with one absolute discount per order,
D_m = n1 / (n1 + 2 n2) from that order's count-of-counts. The highest order uses raw counts, the
lower orders continuation counts N1+(· h w), and the unigram level interpolates with the uniform
distribution:

  P_m(w | h) = (max(c(h w) − D_m, 0) + D_m · N1+(h ·) · P_{m−1}(w | h')) / c(h ·)

(P_m = P_{m−1} when the context h was never seen). Every row sums to 1 exactly in exact arithmetic.

Training takes well under a second per model (NumPy ``unique`` over integer-coded n-grams) and is
cached per process; queries build dense (B, V) rows from a CSR table per order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gelato_theory.errors import ExecutorInputError
from gelato_theory.executor.protocol import RowPair

__all__ = ["Corpus", "KneserNeyModel", "NgramPair", "corpus", "ngram_pair", "topics_text"]


@dataclass(frozen=True, eq=False)
class Corpus:
    """Integer-coded text: ``alphabet`` (V chars), ``train`` and ``heldout`` token-id arrays."""

    alphabet: str
    train: np.ndarray
    heldout: np.ndarray

    @property
    def vocab_size(self) -> int:
        return len(self.alphabet)

    def decode(self, ids: np.ndarray) -> str:
        return "".join(self.alphabet[i] for i in np.asarray(ids).ravel() if i >= 0)


def topics_text(holdout_every: int = 10) -> tuple[str, str]:
    """Training and held-out text of the pydoc topics: every ``holdout_every``-th topic (sorted
    keys) is held out; documents are joined by a blank line."""
    from pydoc_data.topics import topics

    if holdout_every < 2:
        raise ExecutorInputError("holdout_every", holdout_every, "must be >= 2")
    keys = sorted(topics)
    train = "\n\n".join(topics[k] for i, k in enumerate(keys) if i % holdout_every != 1)
    held = "\n\n".join(topics[k] for i, k in enumerate(keys) if i % holdout_every == 1)
    return train, held


@lru_cache(maxsize=4)
def corpus(holdout_every: int = 10) -> Corpus:
    """The pydoc topics corpus, split by topic into training and held-out text (cached)."""
    train, held = topics_text(holdout_every)
    alphabet = "".join(sorted(set(train) | set(held)))
    lookup = np.zeros(max(map(ord, alphabet)) + 1, dtype=np.int64)
    lookup[[ord(ch) for ch in alphabet]] = np.arange(len(alphabet))

    def encode(text: str) -> np.ndarray:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        return lookup[codes]

    return Corpus(alphabet=alphabet, train=encode(train), heldout=encode(held))


def _gram_ids(text: np.ndarray, m: int, V: int) -> np.ndarray:
    """Integer code sum_l text[i+l]·V^(m-1-l) of every m-gram of ``text``."""
    n = text.shape[0] - m + 1
    ids = np.zeros(n, dtype=np.int64)
    for l in range(m):
        ids = ids * V + text[l : l + n]
    return ids


def _discount(counts: np.ndarray) -> float:
    n1 = np.count_nonzero(counts == 1)
    n2 = np.count_nonzero(counts == 2)
    return float(n1 / (n1 + 2 * n2)) if n1 + 2 * n2 > 0 else 0.5


@dataclass(frozen=True, eq=False)
class _Level:
    """CSR counts of one order m >= 2: contexts (sorted ids), row pointers, next chars, counts."""

    contexts: np.ndarray
    indptr: np.ndarray
    chars: np.ndarray
    counts: np.ndarray
    total: np.ndarray  # c(h ·) per context
    types: np.ndarray  # N1+(h ·) per context
    D: float


class KneserNeyModel:
    """Interpolated Kneser–Ney character model of order ``order`` (a :class:`LanguageModel`)."""

    def __init__(self, text: np.ndarray, vocab_size: int, order: int) -> None:
        if order < 1:
            raise ExecutorInputError("order", order, "must be >= 1")
        if int(vocab_size) ** order >= 2**63:  # n-gram ids are base-V numbers in int64
            raise ExecutorInputError(
                "order", order, f"must keep vocab_size^order < 2^63 (vocab_size = {vocab_size})"
            )
        V = self.V = int(vocab_size)
        self.order = order
        grams: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for m in range(1, order + 1):
            if m == order:  # raw counts
                ids, cnt = np.unique(_gram_ids(text, m, V), return_counts=True)
            else:  # continuation counts: distinct left extensions
                longer = np.unique(_gram_ids(text, m + 1, V))
                ids, cnt = np.unique(longer % V**m, return_counts=True)
            grams[m] = (ids, cnt.astype(float))
        ids1, cnt1 = grams[1]
        unigram = np.zeros(V)
        unigram[ids1] = cnt1
        D1 = _discount(cnt1)
        self.unigram = (np.maximum(unigram - D1, 0.0) + D1 * ids1.size / V) / unigram.sum()
        self.levels: list[_Level] = []
        for m in range(2, order + 1):
            ids, cnt = grams[m]
            ctx, start = np.unique(ids // V, return_index=True)
            indptr = np.append(start, ids.size)
            self.levels.append(
                _Level(
                    contexts=ctx,
                    indptr=indptr,
                    chars=ids % V,
                    counts=cnt,
                    total=np.add.reduceat(cnt, start),
                    types=np.diff(indptr),
                    D=_discount(cnt),
                )
            )

    @property
    def vocab_size(self) -> int:
        return self.V

    def next_token_probs(self, contexts: np.ndarray) -> np.ndarray:
        """(B, L) int histories (L >= order - 1, most recent last) -> (B, V) probabilities."""
        contexts = np.asarray(contexts, dtype=np.int64)
        B, L = contexts.shape
        if L < self.order - 1:
            raise ExecutorInputError(
                "contexts", contexts.shape, f"need >= {self.order - 1} columns"
            )
        P = np.tile(self.unigram, (B, 1))
        h = np.zeros(B, dtype=np.int64)
        for m, lvl in enumerate(self.levels, start=2):
            h = h + contexts[:, L - (m - 1)] * self.V ** (m - 2)  # prepend the next older char
            r = np.minimum(np.searchsorted(lvl.contexts, h), lvl.contexts.size - 1)
            rows = np.flatnonzero(lvl.contexts[r] == h)
            if rows.size == 0:
                continue
            r = r[rows]
            starts, lens = lvl.indptr[r], lvl.types[r]
            offsets = np.cumsum(lens) - lens
            at = np.repeat(starts - offsets, lens) + np.arange(lens.sum())
            C = np.zeros((rows.size, self.V))
            C[np.repeat(np.arange(rows.size), lens), lvl.chars[at]] = lvl.counts[at]
            lower = P[rows]
            P[rows] = (np.maximum(C - lvl.D, 0.0) + (lvl.D * lens)[:, None] * lower) / lvl.total[r][
                :, None
            ]
        return P


class NgramPair(RowPair):
    """Draft of low order, target of higher order, over the same characters (SPEC §3).

    History = the last ``L = max(orders) - 1`` characters (B, L); a position's context is the
    history itself (the pair is not context-free: drafted tokens extend the context).
    """

    context_free = False

    def __init__(self, data: Corpus, draft: KneserNeyModel, target: KneserNeyModel) -> None:
        if draft.vocab_size != target.vocab_size:
            raise ExecutorInputError(
                "draft.vocab_size",
                draft.vocab_size,
                f"must equal the target's vocabulary size {target.vocab_size}",
            )
        self.corpus = data
        self.draft, self.target = draft, target
        self.vocab_size = data.vocab_size
        self.L = max(draft.order, target.order, 2) - 1

    def draft_probs(self, ctx: np.ndarray) -> np.ndarray:
        return self.draft.next_token_probs(ctx)

    def target_probs(self, ctx: np.ndarray) -> np.ndarray:
        return self.target.next_token_probs(ctx)

    def initial_history(self, batch: int, u: np.ndarray | None = None) -> np.ndarray:
        """Windows of held-out text: its first L characters, or at offsets chosen by ``u`` (B,)."""
        text = self.corpus.heldout
        if u is None:
            start = np.zeros(batch, dtype=np.int64)
        else:
            start = (np.asarray(u) * (text.size - self.L)).astype(np.int64)
        return text[start[:, None] + np.arange(self.L)[None, :]]

    def position(self, history: np.ndarray, u: np.ndarray) -> np.ndarray:
        return history

    def advance(self, history: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.concatenate([history[:, 1:], np.asarray(x)[:, None]], axis=1)


@lru_cache(maxsize=8)
def ngram_pair(draft_order: int = 3, target_order: int = 5, holdout_every: int = 10) -> NgramPair:
    """The trained n-gram pair (cached per process)."""
    if not 1 <= draft_order < target_order:
        raise ExecutorInputError(
            "draft_order",
            draft_order,
            f"must satisfy 1 <= draft_order < target_order = {target_order}",
        )
    data = corpus(holdout_every)
    V = data.vocab_size
    return NgramPair(
        data,
        KneserNeyModel(data.train, V, draft_order),
        KneserNeyModel(data.train, V, target_order),
    )
