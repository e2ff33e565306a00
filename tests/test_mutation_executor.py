"""The executor layer against its definitions on fixed inputs (SPEC §2, §3).

Samplers on hand-made distributions, the Kneser-Ney formula of the n-gram module written out
independently on a tiny text, the sequential (n-gram) drafting path's round accounting and greedy
semantics, the reference loop at a threshold tie, and calibration statistics on hand-made samples.
Fast and deterministic, so they also serve the mutation run (docs/mutation.md).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from gelato_theory.errors import ScenarioError
from gelato_theory.executor import (
    Calibration,
    Executor,
    ExecutorInputError,
    FixedThreshold,
    KneserNeyModel,
    NgramPair,
    calibrate,
    corpus,
    ngram_pair,
    no_early_exit,
)
from gelato_theory.executor.ngram import Corpus, _discount, _gram_ids
from gelato_theory.executor.reference import ReferenceLoop
from gelato_theory.executor.rounds import UniformLayout
from gelato_theory.executor.sampling import (
    AliasSampler,
    accept_test,
    inverse_cdf,
    output_law,
    residual,
)
from gelato_theory.executor.streams import TrajectoryStreams
from gelato_theory.executor.synthetic import SyntheticPair, TypeModel
from gelato_theory.scenario import preset
from gelato_theory.scenario.token_types import TokenTypes, entropy_nats


@pytest.fixture(scope="module")
def pair() -> NgramPair:
    return ngram_pair()


@pytest.fixture(scope="module")
def ngram_ex(pair: NgramPair) -> Executor:
    return Executor(preset("default"), pair=pair)


# ------------------------------------------------------------------ samplers


def test_inverse_cdf_on_unnormalized_rows_and_batches() -> None:
    probs = np.array([[1.0, 0.0, 3.0], [2.0, 2.0, 0.0]])
    # row 0: cdf (1/4, 1/4, 1); row 1: cdf (1/2, 1, 1)
    u = np.array([[0.0, 0.0], [0.2, 0.2], [0.25, 0.5], [0.999, 0.999]])
    got = [inverse_cdf(probs, row).tolist() for row in u]
    assert got == [[0, 0], [0, 0], [2, 1], [2, 1]]
    # a leading batch shape (2, 2, V) with uniforms (2, 2): the last axis is the vocabulary
    stack = np.stack([probs, probs[::-1]])
    uu = np.array([[0.3, 0.3], [0.3, 0.3]])
    assert inverse_cdf(stack, uu).tolist() == [[2, 0], [0, 2]]


def test_residual_and_output_law_on_hand_made_rows() -> None:
    p = np.array([0.5, 0.3, 0.2, 0.0])
    q = np.array([0.2, 0.3, 0.1, 0.4])
    np.testing.assert_allclose(residual(p, q), [0.75, 0.0, 0.25, 0.0])
    np.testing.assert_array_equal(residual(p, p), p)  # no residual mass: p itself
    np.testing.assert_allclose(output_law(p, q), p, atol=1e-15)
    # batched (2, 2, V): the laws hold row by row along the last axis
    P = np.stack([np.stack([p, q]), np.stack([q, p])])
    Q = np.stack([np.stack([q, p]), np.stack([q, q])])
    np.testing.assert_allclose(output_law(P, Q), P, atol=1e-15)
    np.testing.assert_allclose(residual(P, Q)[0, 0], [0.75, 0.0, 0.25, 0.0])
    np.testing.assert_array_equal(residual(P, Q)[1, 0], q)


def test_accept_test_is_strict() -> None:
    p = np.array([0.5, 0.5, 0.0, 0.3])
    q = np.array([1.0, 1.0, 0.2, 0.3])
    u = np.array([0.5, 0.4999, 0.0, 0.9999])
    assert accept_test(p, q, u).tolist() == [False, True, False, True]


def test_alias_sampler_scalar_and_vector_agree_on_interval_edges() -> None:
    s = AliasSampler(np.array([[0.25, 0.75], [0.5, 0.5], [0.0, 1.0]]))
    u = np.arange(16) / 16  # includes every column and half-column edge
    for row in range(3):
        vec = s.sample(np.full(u.shape, row), u)
        assert [s.sample_one(row, float(x)) for x in u] == vec.tolist()
        law = np.bincount(vec, minlength=2) / u.size
        np.testing.assert_allclose(law, [[0.25, 0.75], [0.5, 0.5], [0.0, 1.0]][row])
    two = AliasSampler(np.array([[1.0, 0.0], [0.0, 1.0]]))  # a two-row table
    assert two.sample(np.array([0, 1, 0, 1]), np.array([0.1, 0.1, 0.9, 0.9])).tolist() == [
        0,
        1,
        0,
        1,
    ]


# ------------------------------------------------------------------ n-gram models


def test_gram_ids_and_discount() -> None:
    assert _gram_ids(np.array([1, 2, 3, 4]), 2, 10).tolist() == [12, 23, 34]
    assert _gram_ids(np.array([1, 2, 3, 4]), 3, 10).tolist() == [123, 234]
    assert _gram_ids(np.array([5, 6]), 1, 10).tolist() == [5, 6]
    assert _discount(np.array([1.0, 1.0, 1.0, 2.0, 5.0])) == pytest.approx(3 / (3 + 2))
    assert _discount(np.array([2.0, 2.0, 7.0])) == 0.0
    assert _discount(np.array([3.0, 4.0])) == 0.5  # no singletons or pairs: the fallback
    assert _discount(np.array([1.0, 5.0])) == 1.0


def kn_reference(text: list[int], V: int, order: int, ctx: tuple[int, ...]) -> np.ndarray:
    """Interpolated Kneser-Ney exactly as the ngram module docstring states it, with Counters."""

    def grams(m: int) -> list[tuple[int, ...]]:
        return [tuple(text[i : i + m]) for i in range(len(text) - m + 1)]

    counts = {
        m: Counter(grams(m)) if m == order else Counter(g[1:] for g in set(grams(m + 1)))
        for m in range(1, order + 1)
    }

    def D(c: Counter) -> float:
        n1 = sum(v == 1 for v in c.values())
        n2 = sum(v == 2 for v in c.values())
        return n1 / (n1 + 2 * n2) if n1 + 2 * n2 else 0.5

    c1, D1 = counts[1], D(counts[1])
    P = np.array([(max(c1[(w,)] - D1, 0) + D1 * len(c1) / V) for w in range(V)])
    P /= sum(c1.values())
    for m in range(2, order + 1):
        h = ctx[len(ctx) - (m - 1) :]
        row = {g[-1]: v for g, v in counts[m].items() if g[:-1] == h}
        if not row:
            continue
        Dm = D(counts[m])
        P = np.array([(max(row.get(w, 0) - Dm, 0) + Dm * len(row) * P[w]) for w in range(V)]) / sum(
            row.values()
        )
    return P


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_kneser_ney_rows_equal_the_written_out_formula(order: int) -> None:
    text = [0, 1, 2, 0, 1, 0, 2, 2, 1, 0, 1, 2, 0, 0, 1, 1, 1, 2, 0, 1, 3, 2, 4, 4, 1, 4]
    V = 6  # symbol 5 never occurs: it lives on the uniform base only
    model = KneserNeyModel(np.array(text), V, order)
    # the discounts come from count-of-counts here, not from the 0.5 fallback
    assert all(lvl.D != 0.5 for lvl in model.levels)
    assert len(model.levels) == order - 1
    assert (model.order, model.vocab_size) == (order, V)
    L = max(order - 1, 1)
    ctxs = np.array(np.meshgrid(*[np.arange(V)] * L, indexing="ij")).reshape(L, -1).T
    P = model.next_token_probs(ctxs)
    want = np.array([kn_reference(text, V, order, tuple(c)) for c in ctxs.tolist()])
    np.testing.assert_allclose(P, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    # only the last order - 1 columns matter
    wide = np.concatenate([np.full((ctxs.shape[0], 2), 5), ctxs], axis=1)
    np.testing.assert_allclose(model.next_token_probs(wide), P, rtol=1e-12)


def test_kneser_ney_bad_arguments_name_the_field() -> None:
    with pytest.raises(ExecutorInputError) as err:
        KneserNeyModel(np.array([0, 1, 0]), 2, 0)
    assert (err.value.field, err.value.value) == ("order", 0)
    assert ">= 1" in err.value.rule
    model = KneserNeyModel(np.array([0, 1, 0, 1, 1]), 2, 3)
    with pytest.raises(ExecutorInputError) as err:
        model.next_token_probs(np.zeros((4, 1), dtype=int))
    assert (err.value.field, err.value.value) == ("contexts", (4, 1))
    assert "need >= 2 columns" in err.value.rule


def test_corpus_decode_keeps_symbol_zero() -> None:
    c = Corpus(alphabet="ab c", train=np.zeros(0, dtype=int), heldout=np.zeros(0, dtype=int))
    assert c.vocab_size == 4
    assert c.decode(np.array([[0, 1], [-1, 3]])) == "abc"
    data = corpus()
    assert data.decode(data.heldout[:50]) == "".join(data.alphabet[i] for i in data.heldout[:50])


def test_ngram_initial_history_windows(pair: NgramPair, ngram_ex: Executor) -> None:
    text, L = pair.corpus.heldout, pair.L
    assert L == 4
    start = pair.initial_history(3)
    assert start.tolist() == [text[:L].tolist()] * 3
    u = np.array([0.0, 0.5, 0.999999])
    h = pair.initial_history(3, u)
    for row, ui in zip(h, u, strict=True):
        s = int(ui * (text.size - L))
        assert row.tolist() == text[s : s + L].tolist()
    np.testing.assert_array_equal(ngram_ex.initial_history(3, u), h)
    adv = pair.advance(h, np.array([7, 8, 9]))
    assert adv[:, :-1].tolist() == h[:, 1:].tolist() and adv[:, -1].tolist() == [7, 8, 9]


def test_ngram_pair_construction() -> None:
    data = Corpus(alphabet="abc", train=np.array([0, 1, 2, 0, 1, 1, 2, 0]), heldout=np.arange(3))
    d1 = KneserNeyModel(data.train, 3, 1)
    t4 = KneserNeyModel(data.train, 3, 4)
    pair = NgramPair(data, d1, t4)
    assert (pair.L, pair.vocab_size, pair.corpus, pair.draft, pair.target) == (3, 3, data, d1, t4)
    assert NgramPair(data, d1, KneserNeyModel(data.train, 3, 2)).L == 1
    assert NgramPair(data, t4, d1).L == 3
    assert NgramPair(data, d1, d1).L == 1  # a context of at least one character
    with pytest.raises(ExecutorInputError) as err:
        NgramPair(data, KneserNeyModel(data.train, 4, 1), t4)
    assert (err.value.field, err.value.value) == ("draft.vocab_size", 4)
    assert "3" in err.value.rule


def test_run_fixed_threads_history_and_builds_rules_from_the_state(ngram_ex: Executor) -> None:
    ex, keys, K = ngram_ex, range(12), 3

    def rule(m: np.ndarray) -> FixedThreshold:
        return FixedThreshold(np.where(m < ex.M // 2, 1.5, np.inf))

    batch = ex.run_fixed(3, K, rule, root_seed=6, keys=keys)
    streams = ex.streams(6, keys)
    history = None
    for r in range(3):
        U = streams.next()
        m = ex.channel_states(U[:, 0])
        out = ex.run_round(m, np.full(12, K), rule(m), U, history)
        history = out.history
        for f in ("m", "c", "k", "A", "N", "E", "T"):
            np.testing.assert_array_equal(getattr(batch, f)[r], getattr(out, f), err_msg=f)
    np.testing.assert_array_equal(batch.last.history, history)
    assert batch.c.shape == (3, 12) and batch.entropy.shape == (3, 12, ex.K_max)
    with pytest.raises(ExecutorInputError) as err:
        ex.run_fixed(0, K, no_early_exit(), root_seed=6, keys=keys)
    assert (err.value.field, err.value.value) == ("rounds", 0)
    assert ">= 1" in err.value.rule


# ------------------------------------------------------------------ row pairs (n-gram)


def test_row_pair_engine_methods(pair: NgramPair) -> None:
    ctx = pair.initial_history(6, np.linspace(0.05, 0.95, 6))
    q, p = pair.draft_probs(ctx), pair.target_probs(ctx)
    u = np.linspace(0.1, 0.9, 6)
    H, x, qx = pair.draft_step(ctx, u, greedy=False)
    np.testing.assert_allclose(H, entropy_nats(q))
    np.testing.assert_array_equal(x, inverse_cdf(q, u))
    np.testing.assert_array_equal(qx, q[np.arange(6), x])
    Hg, xg, qg = pair.draft_step(ctx, u, greedy=True)
    np.testing.assert_array_equal(xg, np.argmax(q, axis=1))
    np.testing.assert_array_equal(qg, q.max(axis=1))
    np.testing.assert_array_equal(pair.target_prob(ctx, x), p[np.arange(6), x])
    np.testing.assert_array_equal(pair.target_argmax(ctx), np.argmax(p, axis=1))
    use = np.array([True, False, True, False, True, True])
    fin = pair.final_token(ctx, u, use, greedy=False)
    want = np.where(use, inverse_cdf(residual(p, q), u), inverse_cdf(p, u))
    np.testing.assert_array_equal(fin, want)
    assert (p[np.arange(6), fin][use] > q[np.arange(6), fin][use]).all()
    np.testing.assert_array_equal(
        pair.final_token(ctx, u, np.zeros(6, bool), greedy=False), inverse_cdf(p, u)
    )
    np.testing.assert_array_equal(pair.final_token(ctx, u, use, greedy=True), np.argmax(p, axis=1))


def _ngram_round(ex: Executor, K: np.ndarray, rule, seed: int = 3):
    B = K.size
    streams = ex.streams(seed, range(B))
    history = ex.initial_history(B, streams.next()[:, 0])
    U = streams.next()
    m = ex.channel_states(U[:, 0])
    return history, U, m, ex.run_round(m, K, rule, U, history)


def test_sequential_drafting_accounting(ngram_ex: Executor) -> None:
    ex = ngram_ex
    B, eta = 240, 2.0
    K = np.arange(B) % (ex.K_max + 1)
    _, _, m, out = _ngram_round(ex, K, FixedThreshold(eta))
    for f in ("c", "k", "A", "N"):
        assert getattr(out, f).dtype.kind == "i", f
    assert (out.k <= out.c).all() and (out.c <= K).all() and (out.A <= out.k).all()
    assert ((out.c == out.k) | (out.c == out.k + 1)).all()
    zero = K == 0
    assert (out.c[zero] == 0).all() and (out.N[zero] == 1).all()
    stopped = out.k < K
    assert (out.c[stopped] == out.k[stopped] + 1).all()  # the unsent position was computed
    rows = np.flatnonzero(stopped)
    assert (out.entropy[rows, out.c[rows] - 1] > eta).all()
    assert (out.c[~stopped] == K[~stopped]).all()
    assert stopped.any() and (~stopped & (K > 1)).any()
    sent_H = np.where(np.arange(ex.K_max)[None, :] < out.k[:, None], out.entropy, 0.0)
    assert (sent_H <= eta).all()
    assert (np.isfinite(out.entropy).sum(axis=1) == out.c).all()
    E = ex.e_0 + ex.e_c * out.c + ex.e_tx[m] * out.k
    np.testing.assert_allclose(out.E, E)
    # with no early exit every trajectory drafts and sends its full budget
    _, _, _, full = _ngram_round(ex, K, no_early_exit())
    np.testing.assert_array_equal(full.c, K)
    np.testing.assert_array_equal(full.k, K)


def test_sequential_greedy_rounds_are_argmax_decoding(ngram_ex: Executor, pair: NgramPair) -> None:
    ex = Executor(ngram_ex.scenario, pair=pair, mode="greedy")
    B = 40
    K = np.full(B, ex.K_max)
    history, U, m, out = _ngram_round(ex, K, no_early_exit(), seed=5)
    for b in range(B):
        ctx = history[b : b + 1]
        for i in range(out.A[b]):
            x = out.tokens[b, i]
            assert x == np.argmax(pair.draft_probs(ctx)[0]) == np.argmax(pair.target_probs(ctx)[0])
            ctx = pair.advance(ctx, np.array([x]))
        if out.A[b] < out.k[b]:
            assert np.argmax(pair.draft_probs(ctx)[0]) != np.argmax(pair.target_probs(ctx)[0])
        assert out.tokens[b, out.A[b]] == np.argmax(pair.target_probs(ctx)[0])
    assert (out.A < out.k).any() and (out.A > 0).any()
    # greedy rounds ignore the draft, acceptance and final uniforms
    V = U.copy()
    V[:, ex.layout.draft_col(0) :] = np.random.default_rng(0).random(
        (B, V.shape[1] - ex.layout.draft_col(0))
    )
    again = ex.run_round(m, K, no_early_exit(), V, history)
    np.testing.assert_array_equal(again.tokens, out.tokens)


def test_sequential_speculative_round_follows_the_uniform_layout(
    ngram_ex: Executor, pair: NgramPair
) -> None:
    """Rebuild each round by hand from the documented layout: draft i from column draft_col(i),
    acceptance test with accept_col(i), the extra token with final_col; history = last L tokens."""
    ex, lay = ngram_ex, ngram_ex.layout
    B = 60
    K = np.full(B, ex.K_max)
    history, U, m, out = _ngram_round(ex, K, no_early_exit(), seed=9)
    for b in range(B):
        ctx = history[b : b + 1]
        for i in range(out.k[b]):
            q, p = pair.draft_probs(ctx)[0], pair.target_probs(ctx)[0]
            x = int(inverse_cdf(q[None], U[b, lay.draft_col(i)][None])[0])
            ok = bool(accept_test(p[x], q[x], U[b, lay.accept_col(i)]))
            assert out.accepted[b, i] == ok
            if not ok:
                break
            assert out.tokens[b, i] == x
            ctx = pair.advance(ctx, np.array([x]))
        q, p = pair.draft_probs(ctx), pair.target_probs(ctx)
        rows = residual(p, q) if out.A[b] < out.k[b] else p
        assert out.tokens[b, out.A[b]] == inverse_cdf(rows, U[b, lay.final_col][None])[0]
        emitted = out.tokens[b, : out.N[b]]
        assert out.history[b].tolist() == np.concatenate([history[b], emitted])[-pair.L :].tolist()
    assert (out.A < out.k).any() and (out.A >= 2).any()


def test_stream_buffer_respects_the_memory_cap() -> None:
    tight = TrajectoryStreams(3, range(4), width=5, max_bytes=1)  # less than one round
    assert tight.chunk == 1
    capped = TrajectoryStreams(3, range(4), width=5, max_bytes=4 * 5 * 8 * 3)
    assert capped.chunk == 3
    assert TrajectoryStreams(3, range(4), width=5).chunk == 256
    ref = TrajectoryStreams(3, range(4), width=5)
    for _ in range(5):
        np.testing.assert_array_equal(tight.next(), ref.next())


def test_uniform_layout_columns_partition_the_row() -> None:
    lay = UniformLayout(3)
    assert lay.width == 12 and lay.channel == 0 and lay.final_col == 11
    assert [lay.type_col(i) for i in range(4)] == [1, 2, 3, 4]
    assert [lay.draft_col(i) for i in range(3)] == [5, 6, 7]
    assert [lay.accept_col(i) for i in range(3)] == [8, 9, 10]
    assert UniformLayout(0).width == 3 and UniformLayout(0).final_col == 2


def test_channel_states_are_the_inverse_cdf_of_pi() -> None:
    ex = Executor(preset("default"))  # 8 equiprobable states: cdf k/8
    u = np.array([0.0, 0.124, 0.125, 0.2499, 0.25, 0.875, 0.999999])
    assert ex.channel_states(u).tolist() == [0, 0, 1, 1, 2, 7, 7]


def test_round_outcome_fields_and_shapes() -> None:
    ex = Executor(preset("default"))
    B = 5
    K = np.array([0, 1, 2, 3, ex.K_max])
    U = ex.streams(1, range(B)).next()
    m = ex.channel_states(U[:, 0])
    out = ex.run_round(m, K, no_early_exit(), U)
    np.testing.assert_array_equal(out.K, K)
    np.testing.assert_array_equal(out.m, m)
    assert out.tokens.shape == (B, ex.K_max + 1) and out.entropy.shape == (B, ex.K_max)
    assert out.history.shape == (B, 0)  # the synthetic pair keeps no history
    assert ex.pair.initial_history(B).shape == (B, 0)
    lean = ex.run_round(m, K, no_early_exit(), U, detail=False)
    assert lean.tokens is None and lean.entropy is None and lean.accepted is None
    np.testing.assert_array_equal(lean.A, out.A)
    empty = ex.run_round(np.zeros(0, int), np.zeros(0, int), no_early_exit(), U[:0])
    assert empty.c.shape == (0,) and empty.tokens.shape == (0, ex.K_max + 1)


def test_executor_budget_cap_and_mode_are_validated() -> None:
    scen = preset("default")
    ex = Executor(scen, K_max=3)
    assert ex.K_max == 3 and ex.width == 12 and ex.layout == UniformLayout(3)
    offload = Executor(scen, K_max=0)  # pure offload is a valid executor
    out = offload.run_round(
        np.zeros(2, int), np.zeros(2, int), no_early_exit(), offload.streams(0, range(2)).next()
    )
    assert out.N.tolist() == [1, 1] and out.tokens.shape == (2, 1)
    with pytest.raises(ExecutorInputError) as err:
        Executor(scen, K_max=-1)
    assert (err.value.field, err.value.value) == ("K_max", -1)
    assert ">= 0" in err.value.rule
    with pytest.raises(ExecutorInputError) as err:
        Executor(scen, mode="sloppy")  # type: ignore[arg-type]
    assert (err.value.field, err.value.value) == ("mode", "sloppy")
    assert "'greedy'" in err.value.rule


def test_round_inputs_of_the_wrong_shape_name_the_field() -> None:
    ex = Executor(preset("default"))
    U = ex.streams(0, range(2)).next()
    with pytest.raises(ExecutorInputError) as err:
        ex.run_round(np.zeros(2, int), np.ones(2, int), no_early_exit(), U[:, :-1])
    assert (err.value.field, err.value.value) == ("uniforms", (2, ex.width - 1))
    assert f"(2, {ex.width})" in err.value.rule
    with pytest.raises(ExecutorInputError) as err:
        ex.run_round(np.zeros(2, int), np.array([0, ex.K_max + 1]), no_early_exit(), U)
    assert (err.value.field, err.value.value) == ("K", (0, ex.K_max + 1))
    assert f"K_max={ex.K_max}" in err.value.rule
    with pytest.raises(ExecutorInputError) as err:
        ex.run_round(np.array([-1, 2]), np.ones(2, int), no_early_exit(), U)
    assert (err.value.field, err.value.value) == ("m", (-1, 2))
    assert f"[0, {ex.M})" in err.value.rule
    with pytest.raises(ExecutorInputError) as err:
        ex.run_round(np.zeros(2, int), np.ones((2, 1), int), no_early_exit(), U)
    assert (err.value.field, err.value.value) == ("K", (2, 1))
    assert "(B,)" in err.value.rule
    with pytest.raises(ExecutorInputError) as err:
        ex.run_round(np.zeros(3, int), np.ones(2, int), no_early_exit(), U)
    assert (err.value.field, err.value.value) == ("m", (3,))
    assert "(2,)" in err.value.rule


# ------------------------------------------------------------------ synthetic pair, reference loop


def test_synthetic_pair_needs_distributions_of_one_vocabulary() -> None:
    p = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])
    q = np.array([[0.4, 0.4, 0.2], [0.3, 0.3, 0.4]])
    w, H, beta = np.array([0.3, 0.7]), entropy_nats(q), np.minimum(p, q).sum(axis=1)
    pair = SyntheticPair(TokenTypes(w=w, H=H, beta=beta, p=p, q=q))
    assert pair.J == 2 and pair.vocab_size == 3
    np.testing.assert_array_equal(pair.draft.next_token_probs(np.array([1, 0])), q[[1, 0]])
    np.testing.assert_array_equal(pair.target.next_token_probs(np.array([1, 0])), p[[1, 0]])
    for bad in (TokenTypes(w=w, H=H, beta=beta), TokenTypes(w=w, H=H, beta=beta, p=p)):
        with pytest.raises(ScenarioError) as err:
            SyntheticPair(bad)
        assert (err.value.field, err.value.value) == ("tokens.model", "table")
        assert "model pair" in err.value.rule
    with pytest.raises(ExecutorInputError) as err:
        SyntheticPair(TokenTypes(w=w, H=H, beta=beta, p=p, q=q[:, :2]))
    assert (err.value.field, err.value.value) == ("q", (2, 2))
    assert "(2, 3)" in err.value.rule


def test_type_model_rows() -> None:
    probs = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])
    tm = TypeModel(probs)
    assert tm.vocab_size == 3
    np.testing.assert_array_equal(tm.next_token_probs(np.array([1, 0, 1])), probs[[1, 0, 1]])
    hist = np.array([[0, 0, 1], [1, 1, 0]])  # (B, L): the last column is the type
    np.testing.assert_array_equal(tm.next_token_probs(hist), probs[[1, 0]])


def test_reference_loop_at_a_threshold_tie_and_with_verification_time() -> None:
    ex = Executor(preset("default").replace(**{"edge.tau_v1": 0.002}))
    ref = ReferenceLoop(ex)
    eta = float(ex.pair.H[int(np.argmax(ex.pair.w))])  # exactly the entropy of the commonest type
    B = 200
    U = ex.streams(17, range(B)).next()
    m = ex.channel_states(U[:, 0])
    K = np.full(B, ex.K_max)
    out = ex.run_round(m, K, FixedThreshold(eta), U)
    for b in range(B):
        c, k, A, E, T, toks = ref.round(int(m[b]), ex.K_max, eta, U[b])
        assert (c, k, A) == (out.c[b], out.k[b], out.A[b])
        assert T == pytest.approx(out.T[b], rel=1e-12) and E == pytest.approx(out.E[b], rel=1e-12)
    assert np.isclose(out.entropy, eta).any()  # the tie occurred and the token was sent
    assert (out.T > ex.tau_0 + ex.tau_c * out.c + ex.t_tx[m] * out.k).any()


def test_reference_loop_needs_the_synthetic_pair(ngram_ex: Executor) -> None:
    with pytest.raises(TypeError, match="synthetic pair"):
        ReferenceLoop(ngram_ex)


# ------------------------------------------------------------------ calibration


def test_calibration_statistics_on_a_hand_made_sample() -> None:
    cal = Calibration(
        H=np.array([0.1, 0.5, 1.0, 2.0]), accepted=np.array([True, True, False, False])
    )
    assert cal.acceptance_rate == 0.5
    s, a, se_s, se_a = cal.pass_and_accept([0.5, 1.5, np.inf])
    np.testing.assert_allclose(s, [0.5, 0.75, 1.0])
    np.testing.assert_allclose(a, [0.5, 0.5, 0.5])
    np.testing.assert_allclose(se_s, np.sqrt(s * (1 - s) / 4))
    np.testing.assert_allclose(se_a, [0.25, 0.25, 0.25])
    H_mean, acc, count = cal.curve(bins=2)  # median edge 0.75: {0.1, 0.5} and {1.0, 2.0}
    np.testing.assert_allclose(H_mean, [0.3, 1.5])
    np.testing.assert_allclose(acc, [1.0, 0.0])
    assert count.tolist() == [2, 2]
    assert cal.correlation() == pytest.approx(np.corrcoef([0.1, 0.5, 1.0, 2.0], [1, 1, 0, 0])[0, 1])
    assert cal.correlation() < 0


def test_calibration_curve_with_repeated_values() -> None:
    cal = Calibration(H=np.array([1.0, 1.0, 1.0, 3.0]), accepted=np.array([1, 0, 1, 0], bool))
    H_mean, acc, count = cal.curve(bins=4)  # quartile edges collapse to {1, 1.5, 3}
    np.testing.assert_allclose(H_mean, [1.0, 3.0])
    np.testing.assert_allclose(acc, [2 / 3, 0.0])
    assert count.tolist() == [3, 1]


def test_calibration_curve_bins_are_left_closed_and_empty_bins_dropped() -> None:
    cal = Calibration(
        H=np.array([0.1, 0.5, 1.0, 2.0, 3.0]), accepted=np.array([1, 1, 0, 1, 0], bool)
    )
    H_mean, acc, count = cal.curve(bins=2)  # edges 0.1, 1.0, 3.0: [0.1, 1) and [1, 3]
    np.testing.assert_allclose(H_mean, [0.3, 2.0])
    np.testing.assert_allclose(acc, [1.0, 1 / 3])
    assert count.tolist() == [2, 3]
    two = Calibration(H=np.array([0.0, 10.0]), accepted=np.array([True, False]))
    H_mean, acc, count = two.curve(bins=4)  # the two middle quartile bins hold nothing
    np.testing.assert_allclose(H_mean, [0.0, 10.0])
    np.testing.assert_allclose(acc, [1.0, 0.0])
    assert count.tolist() == [1, 1]


def test_fit_gamma_is_the_least_squares_gamma() -> None:
    rng = np.random.default_rng(0)
    H = rng.uniform(0.0, 3.0, 400)
    accepted = rng.random(400) < np.maximum(0.0, 1.0 - np.sqrt(0.2 * H))
    cal = Calibration(H=H, accepted=accepted)

    def loss(g: np.ndarray) -> np.ndarray:
        b = np.maximum(0.0, 1.0 - np.sqrt(np.multiply.outer(g, H)))
        return ((accepted - b) ** 2).mean(axis=-1)

    grid = np.linspace(1e-6, 10.0, 20_001)
    best = grid[np.argmin(loss(grid))]
    g = cal.fit_gamma()
    assert g == pytest.approx(best, abs=1e-3)
    assert loss(np.array([g]))[0] <= loss(grid).min() + 1e-9
    assert 0.1 < g < 0.3


def test_token_types_table_bins_split_at_the_thresholds() -> None:
    cal = Calibration(H=np.array([0.1, 0.25, 0.25, 0.4]), accepted=np.array([1, 0, 1, 1], bool))
    t = cal.token_types(thresholds=[0.25, np.inf], bins=2)
    # bins (., 0.25] and (0.25, .]: values equal to a threshold go to the lower bin
    np.testing.assert_allclose(t.w, [0.75, 0.25])
    np.testing.assert_allclose(t.H, [0.2, 0.4])
    np.testing.assert_allclose(t.beta, [2 / 3, 1.0])
    s_emp, a_emp, _, _ = cal.pass_and_accept([0.25])
    s_tab, a_tab = t.pass_and_accept(np.array([0.25]))
    np.testing.assert_allclose(s_tab, s_emp)
    np.testing.assert_allclose(a_tab, a_emp)
    cfg = cal.token_config(thresholds=[0.25, np.inf], bins=2)
    assert cfg.model == "table"
    assert cfg.weights == pytest.approx((0.75, 0.25))
    assert cfg.entropies == pytest.approx((0.2, 0.4))
    assert cfg.acceptances == pytest.approx((2 / 3, 1.0))
    assert all(type(v) is float for v in cfg.weights + cfg.entropies + cfg.acceptances)


def test_token_types_table_on_quartile_bins() -> None:
    H = np.round(np.arange(1, 13) / 10, 10)  # 0.1 .. 1.2
    accepted = np.array([1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0], bool)
    cal = Calibration(H=H, accepted=accepted)
    t = cal.token_types(thresholds=[0.5, 1.05, 5.0, np.inf], bins=4)
    # quartile edges 0.375, 0.65, 0.925 and the thresholds 0.5, 1.05, 5: bins (e_{j-1}, e_j];
    # (5, inf) holds nothing and is dropped
    groups = [[0, 1, 2], [3, 4], [5], [6, 7, 8], [9], [10, 11]]
    np.testing.assert_allclose(t.w, [len(g) / 12 for g in groups])
    np.testing.assert_allclose(t.H, [H[g].mean() for g in groups])
    np.testing.assert_allclose(t.beta, [accepted[g].mean() for g in groups])
    assert t.w.sum() == pytest.approx(1.0)
    s_emp, a_emp, _, _ = cal.pass_and_accept([0.5, 1.05, 5.0])
    s_tab, a_tab = t.pass_and_accept(np.array([0.5, 1.05, 5.0]))
    np.testing.assert_allclose(s_tab, s_emp)
    np.testing.assert_allclose(a_tab, a_emp)


def test_calibrate_on_the_synthetic_pair() -> None:
    ex = Executor(preset("default"))
    types = ex.pair.types
    rounds, batch = 20, 64
    one = calibrate(ex, rounds=rounds, batch=batch, seed=2, K=1)
    assert one.H.size == one.accepted.size == rounds * batch  # exactly one reached position
    assert np.isin(one.H, types.H).all()
    alpha = float(types.w @ types.beta)
    se = np.sqrt(alpha * (1 - alpha) / one.H.size)
    assert abs(one.acceptance_rate - alpha) < 5 * se
    two = calibrate(ex, rounds=rounds, batch=batch, seed=2, K=2)
    # position 2 is reached only after an acceptance at position 1
    assert rounds * batch < two.H.size < 2 * rounds * batch
    full = calibrate(ex, rounds=2, batch=8, seed=2)  # K defaults to K_max
    assert (
        full.H.size > 16 and calibrate(ex, rounds=2, batch=8, seed=2).H.tolist() == full.H.tolist()
    )
    with pytest.raises(ExecutorInputError) as err:
        calibrate(ex, rounds=1, batch=4, K=0)
    assert (err.value.field, err.value.value) == ("K", 0)
    assert "K >= 1" in err.value.rule


def test_calibrate_on_the_ngram_pair_starts_from_random_windows(ngram_ex: Executor) -> None:
    cal = calibrate(ngram_ex, rounds=2, batch=16, seed=4, K=1)
    assert cal.H.size == 32
    first, second = cal.H[:16], cal.H[16:]
    assert np.unique(first).size > 4  # trajectories start at different held-out windows
    assert np.unique(second).size > 4  # and carry their own history into the next round
