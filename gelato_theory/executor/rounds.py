"""One speculative-decoding round for a batch of trajectories (SPEC §2, §3).

Per trajectory: draft positions i = 1..K (pay e_c, tau_c each), ask the stopping rule whether to
send token i (pay e_tx(h), b/R(h) + tau_v1 if sent), verify the sent tokens with speculative (or
greedy) sampling in one target pass, emit the accepted prefix plus one extra token. Everything is
a NumPy operation over the batch; the only Python loop runs over the (at most K_max) positions.

Randomness is a fixed-width row of uniforms per trajectory per round (:class:`UniformLayout`), so a
trajectory's outcome depends only on its own row, never on the rest of the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from gelato_theory.errors import ExecutorInputError
from gelato_theory.exact.round_stats import round_stats
from gelato_theory.executor.protocol import BlockPair, ModelPair
from gelato_theory.executor.sampling import accept_test
from gelato_theory.executor.stopping import StopRule
from gelato_theory.executor.streams import TrajectoryStreams
from gelato_theory.executor.synthetic import SyntheticPair
from gelato_theory.scenario.model import Scenario
from gelato_theory.scenario.token_types import token_types

__all__ = ["Executor", "RoundBatch", "RoundOutcome", "UniformLayout"]

Mode = Literal["speculative", "greedy"]


@dataclass(frozen=True)
class UniformLayout:
    """Columns of a round's uniform row for budget cap K_max; width = 3·K_max + 3.

    0: channel state; 1..K_max+1: position type of positions 1..K_max+1 (position K+1 is where a
    bonus token lands); then K_max draft-token uniforms, K_max acceptance-test uniforms, and one for
    the residual/bonus token.
    """

    K_max: int

    @property
    def width(self) -> int:
        return 3 * self.K_max + 3

    @property
    def channel(self) -> int:
        return 0

    def type_col(self, i: int) -> int:
        """Column of the type uniform of 0-based position i (0..K_max)."""
        return 1 + i

    def draft_col(self, i: int) -> int:
        return self.K_max + 2 + i

    def accept_col(self, i: int) -> int:
        return 2 * self.K_max + 2 + i

    @property
    def final_col(self) -> int:
        return 3 * self.K_max + 2


@dataclass(frozen=True, eq=False)
class RoundOutcome:
    """Result of one round, arrays over the batch B (SPEC §2 notation).

    c computed positions, k sent tokens, A accepted, N = A + 1 produced (tokens); E device energy
    (J); T round time (s); m channel-state index. ``tokens`` (B, K_max+1) are the emitted token ids
    (-1 padded), ``entropy`` (B, K_max) the draft entropies of computed positions (nan elsewhere,
    nats), ``accepted`` (B, K_max) the acceptance-test results of sent positions, ``history`` the
    pair state to pass to the next round.
    """

    m: np.ndarray
    K: np.ndarray
    c: np.ndarray
    k: np.ndarray
    A: np.ndarray
    N: np.ndarray
    E: np.ndarray
    T: np.ndarray
    tokens: np.ndarray | None
    entropy: np.ndarray | None
    accepted: np.ndarray | None
    history: np.ndarray


@dataclass(frozen=True, eq=False)
class RoundBatch:
    """Many rounds stacked: each field (R, B), R rounds for B trajectories; ``last`` is round R."""

    m: np.ndarray
    c: np.ndarray
    k: np.ndarray
    A: np.ndarray
    N: np.ndarray
    E: np.ndarray
    T: np.ndarray
    entropy: np.ndarray  # (R, B, K_max)
    accepted: np.ndarray  # (R, B, K_max)
    last: RoundOutcome


class Executor:
    """Reference SD executor for a scenario (SPEC §3).

    ``pair`` defaults to the scenario's synthetic type table; ``mode`` is "speculative" (rejection
    sampling) or "greedy" (draft argmax q, accept iff it equals argmax p, emit argmax p).
    Costs come from :func:`gelato_theory.exact.round_stats.round_stats`: ``h``, ``pi`` (M,),
    ``e_tx`` (M,) J per sent token, ``t_tx`` (M,) s per sent token.
    """

    def __init__(
        self,
        scenario: Scenario,
        pair: ModelPair | BlockPair | None = None,
        mode: Mode = "speculative",
        K_max: int | None = None,
    ) -> None:
        if mode not in ("speculative", "greedy"):
            raise ExecutorInputError("mode", mode, "must be 'speculative' or 'greedy'")
        self.scenario = scenario
        self.pair: ModelPair | BlockPair = (
            pair if pair is not None else SyntheticPair(token_types(scenario.tokens))
        )
        self.mode: Mode = mode
        self.K_max = scenario.actions.K_max if K_max is None else int(K_max)
        if self.K_max < 0:
            raise ExecutorInputError("K_max", self.K_max, "must be >= 0")
        self.layout = UniformLayout(self.K_max)
        stats = round_stats(scenario)
        self.h, self.pi = stats.h, stats.pi
        self.e_tx, self.t_tx = stats.e_tx, stats.t_tx
        self._pi_cdf = np.cumsum(self.pi) / self.pi.sum()
        dev, edge = scenario.device, scenario.edge
        self.e_0, self.e_c, self.tau_0, self.tau_c = dev.e_0, dev.e_c, edge.tau_0, dev.tau_c
        self.tau_v1 = edge.tau_v1

    @property
    def width(self) -> int:
        """Uniforms per trajectory per round."""
        return self.layout.width

    @property
    def M(self) -> int:
        return int(self.h.shape[0])

    def streams(
        self, root_seed: int, keys: Sequence[Sequence[int]] | Sequence[int], chunk: int = 256
    ) -> TrajectoryStreams:
        """Per-trajectory uniform streams of this executor's width."""
        return TrajectoryStreams(root_seed, keys, self.width, chunk)

    def channel_states(self, u: np.ndarray) -> np.ndarray:
        """Channel-state indices m (B,) into ``scenario.channel.support()`` from uniforms (B,)."""
        m = np.searchsorted(self._pi_cdf, np.asarray(u), side="right")
        return np.minimum(m, self.M - 1)

    def initial_history(self, batch: int, u: np.ndarray | None = None) -> np.ndarray:
        """The pair's state at the start of a trajectory (see the pair's ``initial_history``)."""
        return self.pair.initial_history(batch, u)

    def run_round(
        self,
        m: np.ndarray,
        K: np.ndarray,
        rule: StopRule,
        uniforms: np.ndarray,
        history: np.ndarray | None = None,
        detail: bool = True,
    ) -> RoundOutcome:
        """Run one round for each trajectory: channel state m (B,), budget K (B,), stop rule,
        uniform rows (B, width), pair history (default: fresh). ``detail=False`` skips the
        per-position arrays (tokens, entropy, accepted are then None) for speed, and for the
        synthetic type table (no history) the extra token's sampling too."""
        m, K = self._check(m, K, uniforms)
        B = K.shape[0]
        if history is None:
            history = self.pair.initial_history(B)
        pair, U = self.pair, uniforms
        greedy = self.mode == "greedy"
        n = int(K.max(initial=0))
        rows = np.arange(B)
        if type(pair) is SyntheticPair and not (detail or greedy):
            c, k, A = self._type_table_counts(U, K, rule, n)
            new_history = history
        elif isinstance(pair, BlockPair):
            x, H, c, k, ok, A, final, new_history = self._block_round(
                U, K, rule, n, greedy, history
            )
        else:
            # the type table keeps no history: without per-position detail the extra token is unused
            need_final = detail or type(pair) is not SyntheticPair
            draft = self._draft_context_free if pair.context_free else self._draft_sequential
            ctx, x, qx, H, c, k, sent, hists = draft(U, K, rule, n, greedy, history, need_final)
            ok = self._verify(U, ctx, x, qx, sent, greedy)
            A = _leading_true(ok)
            if need_final:
                final = pair.final_token(ctx[rows, A], U[:, self.layout.final_col], A < k, greedy)
                new_history = pair.advance(history if hists is None else hists[rows, A], final)
            else:
                new_history = history

        tokens = entropy = accepted = None
        if detail:
            position = np.arange(n)[None, :]
            tokens = np.full((B, self.K_max + 1), -1, dtype=np.int64)
            tokens[:, :n] = np.where(position < A[:, None], x, -1)
            tokens[rows, A] = final
            entropy = np.full((B, self.K_max), np.nan)
            entropy[:, :n] = np.where(position < c[:, None], H, np.nan)
            accepted = np.zeros((B, self.K_max), dtype=bool)
            accepted[:, :n] = ok

        e_tx, t_tx = self.e_tx[m], self.t_tx[m]
        E = self.e_0 + self.e_c * c + e_tx * k
        T = self.tau_0 + self.tau_c * c + (t_tx + self.tau_v1) * k
        return RoundOutcome(
            m=m,
            K=K,
            c=c,
            k=k,
            A=A,
            N=A + 1,
            E=E,
            T=T,
            tokens=tokens,
            entropy=entropy,
            accepted=accepted,
            history=new_history,
        )

    def _type_table_counts(
        self, U: np.ndarray, K: np.ndarray, rule: StopRule, n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions computed c, sent k and accepted A (B,) of a speculative round of the type
        table without per-position detail (the simulator's path): the numbers of the general path,
        from :meth:`SyntheticPair.draft_and_target`. A leading run is counted as the first False
        of a row padded with a False column; A = min(accepted run, k)."""
        L = self.layout
        assert isinstance(self.pair, SyntheticPair)
        H, qx, px = self.pair.draft_and_target(
            U[:, L.type_col(0) : L.type_col(n)], U[:, L.draft_col(0) : L.draft_col(n)]
        )
        run = np.arange(n + 1) < K[:, None]  # column n is False: K <= n
        run[:, :n] &= np.asarray(rule.send_mask(H), dtype=bool)  # a user rule may answer 0/1
        k = run.argmin(axis=1)
        c = k + (k < K)
        run[:, :n] = accept_test(px, qx, U[:, L.accept_col(0) : L.accept_col(n)])
        return c, k, np.minimum(run.argmin(axis=1), k)

    def _draft_context_free(
        self,
        U: np.ndarray,
        K: np.ndarray,
        rule: StopRule,
        n: int,
        greedy: bool,
        history: np.ndarray,
        need_final: bool = True,
    ) -> tuple:
        """Drafting when positions do not depend on earlier tokens (synthetic pair): draw every
        position of the round at once, then apply the stopping rule to all positions together.
        Position n + 1 (where the extra token lands) only when ``need_final``."""
        L = self.layout
        assert isinstance(self.pair, ModelPair)  # run_round routes a BlockPair elsewhere
        ctx = self.pair.position(history, U[:, L.type_col(0) : L.type_col(n) + need_final])
        H, x, qx = self.pair.draft_step(ctx[:, :n], U[:, L.draft_col(0) : L.draft_col(n)], greedy)
        within = np.arange(n)[None, :] < K[:, None]
        sent_run = rule.send_mask(H) & within
        k = _leading_true(sent_run)
        c = k + (k < K)
        sent = np.arange(n)[None, :] < k[:, None]
        return ctx, x, qx, H, c, k, sent, None

    def _draft_sequential(
        self,
        U: np.ndarray,
        K: np.ndarray,
        rule: StopRule,
        n: int,
        greedy: bool,
        history: np.ndarray,
        need_final: bool = True,
    ) -> tuple:
        """Drafting when position i's context holds the tokens drafted before it (n-gram pair):
        one position at a time, computing only for trajectories still drafting."""
        pair, L = self.pair, self.layout
        assert isinstance(pair, ModelPair)  # run_round routes a BlockPair elsewhere
        d = _Drafting(K, n)
        ctxs, hists = [], [history]
        for i in range(n + 1):
            ctxs.append(pair.position(hists[-1], U[:, L.type_col(i)]))
            if i == n or not d.active.any():
                break
            idx = np.flatnonzero(d.active)
            d.H[idx, i], d.x[idx, i], d.qx[idx, i] = pair.draft_step(
                ctxs[i][idx], U[idx, L.draft_col(i)], greedy
            )
            d.decide(i, rule)
            hists.append(pair.advance(hists[-1], d.x[:, i]))
        return np.stack(ctxs, axis=1), d.x, d.qx, d.H, d.c, d.k, d.sent, np.stack(hists, axis=1)

    def _block_round(
        self,
        U: np.ndarray,
        K: np.ndarray,
        rule: StopRule,
        n: int,
        greedy: bool,
        history: object,
    ) -> tuple:
        """A round of a :class:`BlockPair`: draft position by position through the pair's round
        object (all rows in one draft pass per position), then one target pass for the block."""
        L = self.layout
        assert isinstance(self.pair, BlockPair)  # called by run_round only for a BlockPair
        block = self.pair.open_round(history, self.K_max)
        d = _Drafting(K, n)
        for i in range(n):
            if not d.active.any():
                break
            idx = np.flatnonzero(d.active)
            d.H[idx, i], d.x[idx, i], d.qx[idx, i] = block.draft_step(
                U[:, L.draft_col(i)], d.active, greedy
            )
            d.decide(i, rule)
        x, qx, H, c, k, sent = d.x, d.qx, d.H, d.c, d.k, d.sent
        scores = block.score(x, k)
        if greedy:
            ok = (x == scores.argmax[:, :n]) & sent
        else:
            ok = accept_test(scores.p_x, qx, U[:, L.accept_col(0) : L.accept_col(n)]) & sent
        A = _leading_true(ok)
        final = block.final_token(A, U[:, L.final_col], A < k, greedy)
        return x, H, c, k, ok, A, final, block.finish(A, final)

    def _verify(
        self,
        U: np.ndarray,
        ctx: np.ndarray,
        x: np.ndarray,
        qx: np.ndarray,
        sent: np.ndarray,
        greedy: bool,
    ) -> np.ndarray:
        """Acceptance-test result (B, n) of every sent position, in one target pass."""
        L, n = self.layout, x.shape[1]
        ok = np.zeros_like(sent)
        assert isinstance(self.pair, ModelPair)  # run_round routes a BlockPair elsewhere
        if self.pair.context_free:
            c = ctx[:, :n]
            if greedy:
                return (x == self.pair.target_argmax(c)) & sent
            p_x = self.pair.target_prob(c, x)
            return accept_test(p_x, qx, U[:, L.accept_col(0) : L.accept_col(n)]) & sent
        rb, ib = np.nonzero(sent)
        if rb.size:
            c, xs = ctx[rb, ib], x[rb, ib]
            if greedy:
                ok[rb, ib] = xs == self.pair.target_argmax(c)
            else:
                p_x = self.pair.target_prob(c, xs)
                ok[rb, ib] = accept_test(p_x, qx[rb, ib], U[rb, L.accept_col(0) + ib])
        return ok

    def run_fixed(
        self,
        rounds: int,
        K: np.ndarray | int,
        rule: StopRule | Callable[[np.ndarray], StopRule],
        root_seed: int,
        keys: Sequence[Sequence[int]] | Sequence[int],
        history: np.ndarray | None = None,
    ) -> RoundBatch:
        """Run ``rounds`` rounds with a fixed budget and rule (or a rule built from m each round).

        Each round draws the channel state from column 0 of the trajectory's uniform row.
        """
        streams = self.streams(root_seed, keys)
        B = streams.batch
        K = np.broadcast_to(np.asarray(K, dtype=np.int64), (B,))
        out: dict[str, list[np.ndarray]] = {f: [] for f in RoundBatch.__dataclass_fields__}
        outcome = None
        for _ in range(rounds):
            U = streams.next()
            m = self.channel_states(U[:, self.layout.channel])
            r = rule(m) if callable(rule) and not isinstance(rule, StopRule) else rule
            outcome = self.run_round(m, K, r, U, history)
            history = outcome.history
            for f in ("m", "c", "k", "A", "N", "E", "T", "entropy", "accepted"):
                out[f].append(getattr(outcome, f))
        if outcome is None:
            raise ExecutorInputError("rounds", rounds, "must be >= 1")
        return RoundBatch(**{f: np.stack(v) for f, v in out.items() if f != "last"}, last=outcome)

    def _check(
        self, m: np.ndarray, K: np.ndarray, uniforms: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        m = np.asarray(m)
        K = np.asarray(K)
        if K.ndim != 1:
            raise ExecutorInputError("K", K.shape, "must be a (B,) integer array")
        B = K.shape[0]
        if m.shape != (B,):
            raise ExecutorInputError("m", m.shape, f"must have shape ({B},) like K")
        if uniforms.shape != (B, self.width):
            raise ExecutorInputError(
                "uniforms", uniforms.shape, f"must have shape ({B}, {self.width})"
            )
        if B and (K.min() < 0 or K.max() > self.K_max):
            raise ExecutorInputError(
                "K", (int(K.min()), int(K.max())), f"must lie in [0, K_max={self.K_max}]"
            )
        if B and (m.min() < 0 or m.max() >= self.M):
            raise ExecutorInputError(
                "m", (int(m.min()), int(m.max())), f"must lie in [0, {self.M})"
            )
        return m.astype(np.int64, copy=False), K.astype(np.int64, copy=False)


class _Drafting:
    """Buffers of position-by-position drafting for B trajectories and n positions: positions
    computed c and sent k, drafted tokens x, their draft probabilities qx, entropies H, the sent
    mask, and which trajectories are still drafting."""

    def __init__(self, K: np.ndarray, n: int) -> None:
        B = K.shape[0]
        self.K = K
        self.c = np.zeros(B, dtype=np.int64)
        self.k = np.zeros(B, dtype=np.int64)
        self.x = np.zeros((B, n), dtype=np.int64)
        self.qx = np.ones((B, n))
        self.H = np.full((B, n), np.nan)
        self.sent = np.zeros((B, n), dtype=bool)
        self.active = K > 0

    def decide(self, i: int, rule: StopRule) -> None:
        """After position i is drafted (H[:, i] filled): the stop rule sends it or ends drafting."""
        send = self.active & rule.send_mask(self.H[:, : i + 1])[:, i]
        self.c += self.active
        self.k += send
        self.sent[:, i] = send
        self.active = send & (i + 1 < self.K)


def _leading_true(ok: np.ndarray) -> np.ndarray:
    """Length of the leading run of True in each row of a (B, n) bool array."""
    B, n = ok.shape
    if n == 0:
        return np.zeros(B, dtype=np.int64)
    first_false = np.argmin(ok, axis=1)
    return np.where(ok[np.arange(B), first_false], n, first_false).astype(np.int64)
