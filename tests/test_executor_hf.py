"""Hugging Face pairs (SPEC §3): block verification on a tiny real byte-level GPT-2 pair.

Exactness on the real pair (every emitted token follows the target given the text before it: a
randomized probability-integral-transform goodness-of-fit test, shown failing on a broken
acceptance rule), per-position acceptance = sum min(p, q) within its confidence interval, exactly
one target pass per round, KV caches equal to recomputation across resets and compaction, batch
invariance, offline loading and its errors, and `gelato verify` end to end.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from planted import break_acceptance  # noqa: E402

from gelato_theory.errors import ModelLoadError, VocabularyMismatchError  # noqa: E402
from gelato_theory.executor import Executor, FixedThreshold, no_early_exit  # noqa: E402
from gelato_theory.executor import hf as hf_module  # noqa: E402
from gelato_theory.executor.hf import HFPair  # noqa: E402
from gelato_theory.executor.tiny_gpt2 import tiny_models, train_tiny  # noqa: E402
from gelato_theory.scenario import preset  # noqa: E402

pytestmark = pytest.mark.hf

SCENARIO = preset("default")


@pytest.fixture(scope="module")
def models():
    return tiny_models(0)


def fresh_pair(models, **kw) -> HFPair:
    draft, target, held = models
    return HFPair(draft, target, held, **kw)


# ------------------------------------------------------------------ reference computations


def model_view(pair: HFPair, tokens: np.ndarray, length: np.ndarray, K_max: int) -> list:
    """Each row's context as the models see it in the next round (after a restart if due)."""
    out = []
    for b in range(length.size):
        ctx = tokens[b, : length[b]]
        if length[b] + K_max + 1 > pair.max_context:
            ctx = ctx[-(pair.max_context // 2) :]
        out.append(ctx)
    return out


def full_logits(model, seqs: list) -> list:
    """Logits of each sequence from scratch (no cache), one padded batch."""
    L = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), L, dtype=torch.long)
    mask = torch.zeros(len(seqs), L, dtype=torch.long)
    for b, s in enumerate(seqs):
        ids[b, : len(s)] = torch.as_tensor(s)
        mask[b, : len(s)] = 1
    with torch.inference_mode():
        logits = model(input_ids=ids, attention_mask=mask).logits
    return [logits[b, : len(s)] for b, s in enumerate(seqs)]


def run_with_reference(pair: HFPair, rounds: int, batch: int, K, rule, seed: int = 0):
    """Run rounds and return, for every emitted token, its randomized PIT under the target law
    given the text before it, and for every sent drafted token its acceptance and sum min(p, q)."""
    ex = Executor(SCENARIO, pair=pair)
    streams = ex.streams(seed, range(batch))
    history = ex.initial_history(batch, streams.next()[:, 0])
    K = np.broadcast_to(np.asarray(K), (batch,))
    pits, acc, beta, index = [], [], [], []
    rng = np.random.default_rng(seed + 99)
    for _ in range(rounds):
        ctx = model_view(pair, history.tokens, history.length, ex.K_max)
        U = streams.next()
        out = ex.run_round(ex.channel_states(U[:, 0]), K, rule, U, history)
        emitted = [out.tokens[b, : out.N[b]] for b in range(batch)]
        p_all = full_logits(
            pair.target, [np.concatenate([c, e]) for c, e in zip(ctx, emitted, strict=True)]
        )
        for b in range(batch):
            n0 = len(ctx[b]) - 1
            p = pair.probs(p_all[b][n0 : n0 + out.N[b]])
            y, at = emitted[b], np.arange(out.N[b])
            cdf_before = np.cumsum(p, axis=1)[at, y] - p[at, y]
            pits.append(cdf_before + rng.random(y.size) * p[at, y])
        history = out.history
        # acceptance vs sum min(p, q) at every sent position (p, q recomputed from scratch)
        x = np.stack(pair.last_round.x, axis=1) if out.k.max() else None
        rows = np.flatnonzero(out.k > 0)
        if rows.size:
            seqs = [np.concatenate([ctx[b], x[b, : out.k[b]]]) for b in rows]
            p_rows = full_logits(pair.target, seqs)
            q_rows = full_logits(pair.draft, seqs)
            for j, b in enumerate(rows):
                n0, kb = len(ctx[b]) - 1, out.k[b]
                p = pair.probs(p_rows[j][n0 : n0 + kb])
                q = pair.probs(q_rows[j][n0 : n0 + kb])
                beta.append(np.minimum(p, q).sum(axis=1))
                acc.append(out.accepted[b, :kb])
                index.append(np.arange(kb))
    return (
        np.concatenate(pits),
        np.concatenate(acc),
        np.concatenate(beta),
        np.concatenate(index),
    )


def uniform_fit(u: np.ndarray, bins: int = 20, delta: float = 1e-6) -> bool:
    """Goodness of fit to U(0, 1): TV of the binned sample within its sample-size tolerance (the
    synthetic pair's test in tests/test_executor_sampling.py)."""
    p = np.full(bins, 1 / bins)
    emp = np.bincount(np.minimum((u * bins).astype(int), bins - 1), minlength=bins) / u.size
    tol = np.sqrt(p * (1 - p) / u.size).sum() / 2 + np.sqrt(np.log(1 / delta) / (2 * u.size))
    return 0.5 * np.abs(emp - p).sum() <= tol


# ------------------------------------------------------------------ exactness on the real pair


@pytest.fixture(scope="module")
def real_run(models):
    pair = fresh_pair(models)
    return pair, run_with_reference(pair, rounds=20, batch=48, K=4, rule=no_early_exit())


def test_emitted_tokens_follow_the_target(real_run) -> None:
    _, (pit, _, _, _) = real_run
    assert pit.size > 1800
    assert uniform_fit(pit)


def test_acceptance_matches_sum_min_per_position(real_run) -> None:
    _, (_, acc, beta, index) = real_run
    # the tiny pair's mean sum min(p, q) on its own text is about 0.65
    assert 0.5 < beta.mean() < 0.8
    for i in range(4):
        a, b = acc[index == i], beta[index == i]
        se = np.sqrt((b * (1 - b)).sum()) / a.size
        assert abs(a.mean() - b.mean()) <= 4 * se, (i, a.mean(), b.mean(), se)


def test_broken_acceptance_fails_both_checks(models, monkeypatch) -> None:
    break_acceptance(monkeypatch)
    pair = fresh_pair(models)
    pit, acc, beta, _ = run_with_reference(pair, rounds=8, batch=48, K=4, rule=no_early_exit())
    assert not uniform_fit(pit)
    se = np.sqrt((beta * (1 - beta)).sum()) / acc.size
    assert abs(acc.mean() - beta.mean()) > 4 * se


def test_temperature_and_top_p_law(models) -> None:
    """The output law is the target's tempered, nucleus-cut distribution."""
    pair = fresh_pair(models, temperature=0.8, top_p=0.9)
    pit, _, _, _ = run_with_reference(pair, rounds=8, batch=40, K=3, rule=FixedThreshold(2.5))
    assert uniform_fit(pit)


# ------------------------------------------------------------------ passes and caches


def test_exactly_one_target_pass_per_round(models) -> None:
    pair = fresh_pair(models)
    ex = Executor(SCENARIO, pair=pair)
    B = 9
    streams = ex.streams(3, range(B))
    history = ex.initial_history(B, streams.next()[:, 0])
    K = np.arange(B) % (ex.K_max + 1)  # includes K = 0 (pure offload) rows
    for _ in range(6):
        U = streams.next()
        before_t, before_d = pair.target_passes, pair.draft_passes
        out = ex.run_round(ex.channel_states(U[:, 0]), K, FixedThreshold(4.0), U, history)
        history = out.history
        assert pair.target_passes - before_t == 1
        assert pair.draft_passes - before_d == out.c.max()  # one draft pass per drafted position
    assert out.k.max() > 1  # blocks of several tokens were verified in that one pass


def test_cached_rows_equal_recomputation_across_restarts(models, monkeypatch) -> None:
    """Every round's p rows (from the cached, cropped, compacted, restarted caches) equal a
    from-scratch pass over the row's context and sent drafts."""
    pair = fresh_pair(models, max_context=40, prompt_tokens=16)
    checked = []
    score = hf_module._Round.score

    def checked_score(self, x, k):
        out = score(self, x, k)
        ctx = [self.tokens[b, : self.length[b]] for b in range(self.B)]
        seqs = [np.concatenate([c, x[b, : k[b]]]) for b, c in enumerate(ctx)]
        for b, logits in enumerate(full_logits(self.pair.target, seqs)):
            n0 = len(ctx[b]) - 1
            ref = logits[n0 : n0 + k[b] + 1]
            np.testing.assert_allclose(self.p_logits[b, : k[b] + 1], ref, atol=2e-4)
        checked.append(int(k.sum()))
        return out

    monkeypatch.setattr(hf_module._Round, "score", checked_score)
    ex = Executor(SCENARIO, pair=pair)
    B = 5
    streams = ex.streams(1, range(B))
    history = ex.initial_history(B, streams.next()[:, 0])
    for _ in range(30):  # contexts pass 40 tokens several times: restarts and compaction
        U = streams.next()
        out = ex.run_round(ex.channel_states(U[:, 0]), np.full(B, 4), no_early_exit(), U, history)
        history = out.history
    assert len(checked) == 30 and sum(checked) > 80


def test_same_trajectory_whatever_the_batch(models) -> None:
    pair = fresh_pair(models)
    ex = Executor(SCENARIO, pair=pair)

    def run(keys):
        streams = ex.streams(7, keys)
        history = ex.initial_history(len(keys), streams.next()[:, 0])
        K = np.asarray(keys) % (ex.K_max + 1)
        rows = []
        for _ in range(8):
            U = streams.next()
            o = ex.run_round(ex.channel_states(U[:, 0]), K, FixedThreshold(2.5), U, history)
            history = o.history
            rows.append(o.tokens.copy())
        return np.stack(rows, axis=1)  # (B, rounds, K_max + 1)

    big = run(list(range(6)))
    np.testing.assert_array_equal(run([4]), big[[4]])
    np.testing.assert_array_equal(run([5, 2]), big[[5, 2]])


def test_reusing_an_old_history_rebuilds_the_caches(models) -> None:
    pair = fresh_pair(models)
    ex = Executor(SCENARIO, pair=pair)
    streams = ex.streams(2, range(3))
    h0 = ex.initial_history(3, streams.next()[:, 0])
    U = streams.next()
    m, K = ex.channel_states(U[:, 0]), np.full(3, 3)
    first = ex.run_round(m, K, no_early_exit(), U, h0)
    again = ex.run_round(m, K, no_early_exit(), U, h0)  # h0's caches were handed on
    np.testing.assert_array_equal(first.tokens, again.tokens)


def test_greedy_mode_emits_target_argmax(models) -> None:
    pair = fresh_pair(models)
    ex = Executor(SCENARIO, pair=pair, mode="greedy")
    streams = ex.streams(0, range(4))
    history = ex.initial_history(4, streams.next()[:, 0])
    ctx = model_view(pair, history.tokens, history.length, ex.K_max)
    U = streams.next()
    out = ex.run_round(ex.channel_states(U[:, 0]), np.full(4, 4), no_early_exit(), U, history)
    for b in range(4):
        seq = np.concatenate([ctx[b], out.tokens[b, : out.N[b]]])
        logits = full_logits(pair.target, [seq])[0][len(ctx[b]) - 1 : len(seq) - 1]
        np.testing.assert_array_equal(logits.argmax(-1).numpy(), out.tokens[b, : out.N[b]])


# ------------------------------------------------------------------ bad input and loading


def test_vocabulary_mismatch_names_both_sizes(models) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    other = GPT2LMHeadModel(
        GPT2Config(vocab_size=300, n_positions=64, n_embd=16, n_layer=1, n_head=2)
    )
    draft, target, held = models
    with pytest.raises(VocabularyMismatchError, match="300.*256"):
        HFPair(other, target, held)


def test_training_is_deterministic() -> None:
    from gelato_theory.executor.tiny_gpt2 import RECIPE, _corpus_bytes

    recipe = dict(RECIPE, steps=3)
    train, _ = _corpus_bytes(10)
    a = train_tiny(recipe, 5, train)[1].state_dict()
    b = train_tiny(recipe, 5, train)[1].state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def scenario_text(tokens: str, horizon: int = 30) -> str:
    return textwrap.dedent(
        f"""
        name = "hf-tiny"
        [channel]
        model = "rayleigh"
        states = 4
        bandwidth_hz = 10e6
        tx_power_w = 0.2
        noise_psd_w_per_hz = 3.98e-20
        distance_m = 600
        path_loss_db_at_1km = 128.1
        path_loss_exponent = 3.76
        [device]
        e_c = 0.03
        tau_c = 0.010
        e_0 = 0.02
        payload_bits = 16384
        [edge]
        tau_0 = 0.030
        [tokens]
        {tokens}
        calibration_rounds = 10
        [actions]
        K_max = 3
        thresholds = [2.5, inf]
        [objective]
        kind = "per_round"
        energy_budget_j = 0.12
        [control]
        V = [0.03, 0.3]
        [verification]
        horizon = {horizon}
        seeds = 2
        """
    )


def test_missing_folder_or_weights_is_a_clear_offline_error(tmp_path, models) -> None:
    from gelato_theory.scenario.load import loads_scenario
    from gelato_theory.simulation.prepare import prepare

    scen = loads_scenario(
        scenario_text(f'model = "hf"\ndraft = "{tmp_path}/nope"\ntarget = "{tmp_path}/nope"')
    )
    with pytest.raises(ModelLoadError, match="tokens.draft.*never downloaded"):
        prepare(scen)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text("{}")
    scen = loads_scenario(
        scenario_text(f'model = "hf"\ndraft = "{tmp_path}/empty"\ntarget = "{tmp_path}/empty"')
    )
    with pytest.raises(ModelLoadError, match="no weights"):
        prepare(scen)
    scen = loads_scenario(scenario_text('model = "hf"\nfactory = "no_such_module:f"'))
    with pytest.raises(ModelLoadError, match="tokens.factory"):
        prepare(scen)


def test_verify_cli_end_to_end_on_local_folders(tmp_path, models) -> None:
    """save_pretrained folders (no tokenizer: byte-level) -> `gelato verify` exits 0 or 1 with a
    report whose calibration quantifies the i.i.d. mismatch; no network is touched."""
    import json

    draft, target, _ = models
    draft.save_pretrained(tmp_path / "draft")
    target.save_pretrained(tmp_path / "target")
    path = tmp_path / "hf.toml"
    path.write_text(scenario_text('model = "hf"\ndraft = "draft"\ntarget = "target"'))
    report = tmp_path / "report.json"
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    import os

    env = dict(os.environ, **env)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "gelato_theory.cli.main",
            "verify",
            "--scenario",
            str(path),
            "--json",
            str(report),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode in (0, 1), r.stderr[-2000:]
    data = json.loads(report.read_text())
    cal = data["settings"]["calibration"]
    assert cal["positions"] > 1000 and len(cal["acceptance_by_position"]) == 3
    # reached positions deeper in a round have easier contexts: not i.i.d.
    assert cal["tokens_per_round_se"] > 0
    assert np.isfinite(cal["iid_z"])
    claims = {v["claim"] for v in data["verdicts"]}
    assert "closed_form_consistency" in claims


def test_core_package_does_not_import_torch() -> None:
    code = (
        "import sys, gelato_theory, gelato_theory.executor, gelato_theory.simulation.prepare\n"
        "from gelato_theory.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
