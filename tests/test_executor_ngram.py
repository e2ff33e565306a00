"""The n-gram pair on CPython's documentation (SPEC §3) and calibration of s(eta), a(eta)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gelato_theory.exact.round_stats import round_stats
from gelato_theory.executor import (
    Executor,
    FixedThreshold,
    KneserNeyModel,
    NgramPair,
    calibrate,
    corpus,
    ngram_pair,
)
from gelato_theory.executor.protocol import LanguageModel, entropy_nats
from gelato_theory.scenario import preset


@pytest.fixture(scope="module")
def pair() -> NgramPair:
    return ngram_pair()


def test_corpus_split_and_vocabulary() -> None:
    data = corpus()
    assert data.train.size > 300_000 and data.heldout.size > 30_000
    assert data.train.max() < data.vocab_size and data.heldout.max() < data.vocab_size
    assert "the" in data.decode(data.heldout[:2000])


def test_training_is_fast_and_cached() -> None:
    t0 = time.perf_counter()
    first = ngram_pair(2, 4)
    assert time.perf_counter() - t0 < 10.0
    assert ngram_pair(2, 4) is first


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_smoothed_rows_are_distributions(order: int) -> None:
    data = corpus()
    model = KneserNeyModel(data.train, data.vocab_size, order)
    assert isinstance(model, LanguageModel)
    rng = np.random.default_rng(order)
    seen = data.heldout[rng.integers(0, data.heldout.size - 8, 500)[:, None] + np.arange(6)]
    unseen = rng.integers(0, data.vocab_size, size=(500, 6))  # mostly unseen contexts
    P = model.next_token_probs(np.concatenate([seen, unseen]))
    assert np.all(P > 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)


def test_higher_order_predicts_held_out_text_better(pair: NgramPair) -> None:
    h = pair.corpus.heldout[:20_001]
    L = pair.L
    ctx = h[np.arange(L, h.size)[:, None] - L + np.arange(L)]
    nxt = h[L:]
    rows = np.arange(nxt.size)
    bits_q = -np.log2(pair.draft_probs(ctx)[rows, nxt]).mean()
    bits_p = -np.log2(pair.target_probs(ctx)[rows, nxt]).mean()
    assert bits_p < bits_q < np.log2(pair.vocab_size)


def test_executor_on_ngram_pair_is_deterministic_and_emits_text(pair: NgramPair) -> None:
    ex = Executor(preset("default"), pair=pair)

    def run(keys: list[int]) -> dict[int, tuple]:
        streams = ex.streams(4, keys)
        history = ex.initial_history(len(keys), streams.next()[:, 0])
        K = np.asarray(keys) % (ex.K_max + 1)
        text: dict[int, list] = {k: [] for k in keys}
        for _ in range(3):
            U = streams.next()
            o = ex.run_round(ex.channel_states(U[:, 0]), K, FixedThreshold(2.0), U, history)
            history = o.history
            for i, key in enumerate(keys):
                text[key].append((o.c[i], o.k[i], o.A[i], tuple(o.tokens[i])))
        return {k: tuple(v) for k, v in text.items()}

    big = run(list(range(64)))
    assert run([40, 7, 13]) == {k: big[k] for k in (40, 7, 13)}
    assert run([13]) == {13: big[13]}


def test_calibration_measures_acceptance_and_feeds_the_exact_layer(pair: NgramPair) -> None:
    scen = preset("default")
    ex = Executor(scen, pair=pair)
    cal = calibrate(ex, rounds=30, batch=128, seed=1)
    assert cal.H.size > 5000
    assert 0.4 < cal.acceptance_rate < 0.8
    assert cal.correlation() < 0  # flat drafts are rejected more often
    H_mid, acc, _ = cal.curve(6)
    assert acc[0] > acc[len(acc) // 2]
    assert 0 < cal.fit_gamma() < 1
    thresholds = scen.actions.thresholds
    s_emp, a_emp, _, _ = cal.pass_and_accept(thresholds)
    table = cal.token_types(thresholds)
    s_tab, a_tab = table.pass_and_accept(np.asarray(thresholds))
    np.testing.assert_allclose(s_tab, s_emp, atol=1e-12)
    np.testing.assert_allclose(a_tab, a_emp, atol=1e-12)
    plug_in = scen.replace(tokens=cal.token_config(thresholds))  # validated by the scenario layer
    stats = round_stats(plug_in)
    assert np.all(np.isfinite(stats.N)) and stats.N.max() <= 1 + ex.K_max


def test_entropy_of_the_draft_is_reported(pair: NgramPair) -> None:
    ctx = pair.initial_history(4, np.array([0.1, 0.3, 0.5, 0.7]))
    H, x, qx = pair.draft_step(ctx, np.full(4, 0.5), greedy=False)
    np.testing.assert_allclose(H, entropy_nats(pair.draft_probs(ctx)))
    assert np.all(qx > 0)


def test_fit_gamma_finds_the_global_minimum_on_a_flat_loss():
    """All entropies equal: the loss is flat for gamma >= 1/H; least squares gives (1 - 3/4)^2 / H."""
    from gelato_theory.executor.calibration import Calibration

    cal = Calibration(H=np.ones(400), accepted=np.arange(400) % 4 != 0)
    assert cal.fit_gamma() == pytest.approx(1 / 16, rel=1e-4)
