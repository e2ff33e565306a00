"""The batched round engine (SPEC §2, §3): closed-form agreement, output law, determinism, stop
rules, greedy mode, the reference loop, and input validation."""

from __future__ import annotations

import numpy as np
import pytest

from gelato_theory.exact.round_stats import expected_counts, round_stats
from gelato_theory.executor import (
    CumulativeAcceptance,
    Executor,
    ExecutorInputError,
    FixedThreshold,
    QueueAware,
    no_early_exit,
)
from gelato_theory.executor.reference import ReferenceLoop
from gelato_theory.scenario import preset

Z = 4.5  # two-sided normal quantile per comparison (about 40 comparisons per scenario)
STATS = ("c", "k", "A", "N", "E", "T")


@pytest.fixture(scope="module", params=["default", "paper-like"])
def executor(request: pytest.FixtureRequest) -> Executor:
    return Executor(preset(request.param))


def assert_mean(sample: np.ndarray, expected: float, label: str) -> None:
    """The sample mean is within Z standard errors of the expectation (exact if no variance)."""
    mean, se = sample.mean(), sample.std(ddof=1) / np.sqrt(sample.size)
    tol = Z * se + 1e-12 * max(1.0, abs(expected))
    assert abs(mean - expected) <= tol, (
        f"{label}: mean {mean:.6g} vs {expected:.6g} (tol {tol:.3g})"
    )


def test_means_match_closed_forms(executor: Executor) -> None:
    """E[c], E[k], E[A], E[N], E[E], E[T] of §2, averaged over the channel, for several actions."""
    stats = round_stats(executor.scenario)
    menu = stats.menu
    K_max = executor.K_max
    picks = [(0, np.inf), (1, np.inf), (4, 1.5), (K_max, 2.5), (K_max, np.inf), (3, 0.5)]
    for K, eta in picks:
        a = int(np.flatnonzero((menu.K == K) & ((menu.eta == eta) | (K == 0)))[0])
        batch = executor.run_fixed(10, K, FixedThreshold(eta), root_seed=K, keys=range(2000))
        expected = {
            "c": stats.c[a],
            "k": stats.k[a],
            "A": stats.accepted[a],
            "N": stats.N[0, a],
            "E": stats.pi @ stats.E[:, a],
            "T": stats.pi @ stats.T[:, a],
        }
        for name in STATS:
            assert_mean(getattr(batch, name).ravel(), expected[name], f"K={K} eta={eta} {name}")


def test_means_match_closed_forms_per_channel_state(executor: Executor) -> None:
    """Conditioned on the channel state, E[E | h] and E[T | h] of §2."""
    stats = round_stats(executor.scenario)
    K, eta = 4, 2.0
    a = int(np.flatnonzero((stats.menu.K == K) & (stats.menu.eta == eta))[0])
    B = 4000
    streams = executor.streams(99, range(B))
    for m_state in (0, executor.M - 1):
        U = streams.next()
        m = np.full(B, m_state)
        out = executor.run_round(m, np.full(B, K), FixedThreshold(eta), U)
        assert_mean(out.E, stats.E[m_state, a], f"E | m={m_state}")
        assert_mean(out.T, stats.T[m_state, a], f"T | m={m_state}")
        np.testing.assert_allclose(
            out.E, executor.e_0 + executor.e_c * out.c + stats.e_tx[m_state] * out.k
        )


def test_channel_states_follow_pi(executor: Executor) -> None:
    u = np.random.default_rng(0).random(80_000)
    m = executor.channel_states(u)
    freq = np.bincount(m, minlength=executor.M) / u.size
    assert np.all(np.abs(freq - executor.pi) <= Z * np.sqrt(executor.pi / u.size))


def test_emitted_tokens_follow_the_target_mixture() -> None:
    """The first token emitted in a round is distributed as sum_j w_j p_j (the law of a position),
    whatever the budget and exit — end-to-end check of the output law."""
    ex = Executor(preset("default"))
    types = ex.pair.types
    mixture = types.w @ types.p
    rng_K = np.arange(1024) % (ex.K_max + 1)
    batch_first = []
    streams = ex.streams(5, range(1024))
    for _ in range(100):
        U = streams.next()
        out = ex.run_round(ex.channel_states(U[:, 0]), rng_K, FixedThreshold(1.5), U)
        batch_first.append(out.tokens[:, 0])
    first = np.concatenate(batch_first)
    emp = np.bincount(first, minlength=mixture.size) / first.size
    tol = np.sqrt(mixture * (1 - mixture) / first.size).sum() / 2 + np.sqrt(
        np.log(1e6) / (2 * first.size)
    )
    assert 0.5 * np.abs(emp - mixture).sum() <= tol


def test_round_accounting_identities(executor: Executor) -> None:
    B = 3000
    K = np.arange(B) % (executor.K_max + 1)
    streams = executor.streams(3, range(B))
    U = streams.next()
    out = executor.run_round(executor.channel_states(U[:, 0]), K, FixedThreshold(2.0), U)
    assert np.all(out.k <= out.c) and np.all(out.c <= K) and np.all(out.A <= out.k)
    assert np.all((out.c == out.k) | (out.c == out.k + 1))
    assert np.all(out.N == out.A + 1)
    assert np.all((out.tokens >= 0).sum(axis=1) == out.N)
    assert np.all(np.isfinite(out.entropy).sum(axis=1) == out.c)
    assert np.all(out.accepted.sum(axis=1) >= out.A)
    stopped = out.k < K
    rows = np.flatnonzero(stopped & (out.c > 0))
    assert np.all(out.entropy[rows, out.c[rows] - 1] > 2.0)


def test_batched_engine_equals_reference_loop() -> None:
    ex = Executor(preset("default"))
    ref = ReferenceLoop(ex)
    B = 300
    K = np.arange(B) % (ex.K_max + 1)
    eta = np.array([0.5, 1.5, 2.5, np.inf])[np.arange(B) % 4]
    streams = ex.streams(11, range(B))
    for _ in range(3):
        U = streams.next()
        m = ex.channel_states(U[:, 0])
        out = ex.run_round(m, K, FixedThreshold(eta), U)
        for b in range(B):
            c, k, A, E, T, toks = ref.round(int(m[b]), int(K[b]), float(eta[b]), U[b])
            assert (c, k, A) == (out.c[b], out.k[b], out.A[b])
            assert toks == [t for t in out.tokens[b] if t >= 0]
            assert E == pytest.approx(out.E[b]) and T == pytest.approx(out.T[b])


# ---------------------------------------------------------------- determinism


def _policy(ex: Executor, keys: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, object]:
    K = keys % (ex.K_max + 1)
    rule = QueueAware(V=0.01 + keys % 5, Q=0.1 * (keys % 7), e_tx=ex.e_tx[m], gamma=0.2)
    return K, rule


def _trajectories(ex: Executor, keys: list[int], rounds: int = 4) -> dict[int, list[tuple]]:
    streams = ex.streams(2024, [(k,) for k in keys])
    karr = np.asarray(keys)
    history = ex.initial_history(len(keys))
    out: dict[int, list[tuple]] = {k: [] for k in keys}
    for _ in range(rounds):
        U = streams.next()
        m = ex.channel_states(U[:, 0])
        K, rule = _policy(ex, karr, m)
        o = ex.run_round(m, K, rule, U, history)
        history = o.history
        for i, key in enumerate(keys):
            out[key].append((o.m[i], o.c[i], o.k[i], o.A[i], o.E[i], o.T[i], tuple(o.tokens[i])))
    return out


def test_same_seed_same_outcome_at_batch_1_7_1024() -> None:
    ex = Executor(preset("default"))
    big = _trajectories(ex, list(range(1024)))
    seven_keys = [1000, 5, 77, 3, 512, 1023, 9]
    seven = _trajectories(ex, seven_keys)
    one = _trajectories(ex, [77])
    for key in seven_keys:
        assert seven[key] == big[key]
    assert one[77] == big[77]
    assert big[1] != big[2]


def test_greedy_mode_matches_closed_forms() -> None:
    """Greedy: draft argmax q, accept iff argmax p; acceptance per type is 1{argmax q = argmax p}."""
    scen = preset("default")
    ex = Executor(scen, mode="greedy")
    types = ex.pair.types
    beta = ex.pair.greedy_beta()
    for K, eta in [(3, np.inf), (8, 2.0)]:
        passes = types.H <= eta
        s, a = types.w @ passes, types.w @ (beta * passes)
        c, k, A = expected_counts(np.array(K), np.array(s), np.array(a))
        batch = ex.run_fixed(10, K, FixedThreshold(eta), root_seed=1, keys=range(2000))
        assert_mean(batch.c.ravel(), float(c), "greedy c")
        assert_mean(batch.k.ravel(), float(k), "greedy k")
        assert_mean(batch.A.ravel(), float(A), "greedy A")
    out = batch.last
    p_argmax = np.argmax(types.p, axis=1)
    assert set(out.tokens[out.tokens >= 0].tolist()) <= set(p_argmax.tolist())


# ---------------------------------------------------------------- stopping rules


def test_fixed_threshold_rule() -> None:
    H = np.array([[0.1, 0.2, 3.0, 0.1], [5.0, 0.0, 0.0, 0.0]])
    mask = FixedThreshold(np.array([1.0, 10.0])).send_mask(H)
    assert mask.tolist() == [[True, True, False, True], [True, True, True, True]]
    assert no_early_exit().send_mask(H).all()


def test_queue_aware_rule_by_hand() -> None:
    gamma = 0.2
    H = np.array([[0.05, 0.8, 0.45]])
    b = 1 - np.sqrt(gamma * H[0])
    V, Q, e = 1.0, 2.0, 0.1
    expected = [V * b[0] > Q * e, V * b[0] * b[1] > Q * e, V * b[0] * b[1] * b[2] > Q * e]
    assert QueueAware(V, Q, e, gamma).send_mask(H)[0].tolist() == expected
    # Q = 0: send while beta_hat > 0, i.e. H < 1/gamma
    H2 = np.array([[4.9, 5.1, 1.0]])
    assert QueueAware(1.0, 0.0, 0.1, gamma).send_mask(H2)[0].tolist() == [True, False, False]


def test_cumulative_acceptance_rule_by_hand() -> None:
    gamma = 0.2
    H = np.array([[0.05, 0.2, 0.01]])
    pi = np.cumprod(1 - np.sqrt(gamma * H[0]))
    h = 0.5
    assert CumulativeAcceptance(h, gamma).send_mask(H)[0].tolist() == (1 - pi <= h).tolist()
    assert CumulativeAcceptance(1.0, gamma).send_mask(np.full((1, 4), 50.0)).all()


def test_rules_agree_on_the_engine() -> None:
    """QueueAware with Q = 0 is the fixed threshold 1/gamma; CumulativeAcceptance(h = 1) and
    FixedThreshold(inf) never exit early — identical outcomes on identical uniforms."""
    ex = Executor(preset("default"))
    B, gamma = 2000, 0.35
    K = np.full(B, ex.K_max)
    U = ex.streams(8, range(B)).next()
    m = ex.channel_states(U[:, 0])

    def run(rule: object) -> tuple:
        o = ex.run_round(m, K, rule, U)
        return o.c.tolist(), o.k.tolist(), o.A.tolist(), o.tokens.tolist()

    assert run(QueueAware(1.0, 0.0, ex.e_tx[m], gamma)) == run(
        FixedThreshold(np.nextafter(1 / gamma, 0))
    )
    assert run(CumulativeAcceptance(1.0, gamma)) == run(no_early_exit())
    qa = ex.run_round(m, K, QueueAware(0.01, 5.0, ex.e_tx[m], gamma), U)
    assert qa.k.mean() < run_mean_k(ex, m, K, U)


def run_mean_k(ex: Executor, m: np.ndarray, K: np.ndarray, U: np.ndarray) -> float:
    return float(ex.run_round(m, K, no_early_exit(), U).k.mean())


@pytest.mark.parametrize("name", ["default", "paper-like", "exit-heavy"])
def test_lean_round_equals_the_detailed_round(name: str) -> None:
    """Without per-position detail the type table takes a fused path (one lookup per alias draw,
    leading runs by argmin); c, k, A, N, E, T equal the detailed path's for every rule, budgets
    from 0 to K_max and uniforms at the edges of the alias columns (u = 0, u next below 1)."""
    ex = Executor(preset(name))
    rng = np.random.default_rng(5)
    B = 3000
    U = ex.streams(3, range(B)).next().copy()
    U[:200, 1:] = 0.0
    U[200:400, 1:] = np.nextafter(1.0, 0.0)
    m = ex.channel_states(U[:, 0])
    rules = [
        FixedThreshold(rng.random(B) * 3),
        no_early_exit(),
        CumulativeAcceptance(rng.random(B) * 0.6),
        QueueAware(rng.random(B), rng.random(B) * 5, ex.e_tx[m]),
    ]
    for rule in rules:
        for cap in (0, 1, ex.K_max):
            K = rng.integers(0, cap + 1, B)
            lean = ex.run_round(m, K, rule, U, detail=False)
            full = ex.run_round(m, K, rule, U)
            for f in STATS:
                a, b = getattr(lean, f), getattr(full, f)
                assert a.dtype == b.dtype and np.array_equal(a, b), (name, rule, cap, f)


# ---------------------------------------------------------------- validation


def test_bad_inputs_are_named() -> None:
    ex = Executor(preset("default"))
    U = ex.streams(0, range(3)).next()
    m = np.zeros(3, dtype=int)
    with pytest.raises(ExecutorInputError, match="K"):
        ex.run_round(m, np.array([0, 1, ex.K_max + 1]), no_early_exit(), U)
    with pytest.raises(ExecutorInputError, match="uniforms"):
        ex.run_round(m, np.ones(3, dtype=int), no_early_exit(), U[:, :-1])
    with pytest.raises(ExecutorInputError, match="m"):
        ex.run_round(np.array([0, 0, ex.M]), np.ones(3, dtype=int), no_early_exit(), U)
    with pytest.raises(ExecutorInputError, match="mode"):
        Executor(preset("default"), mode="sloppy")  # type: ignore[arg-type]
