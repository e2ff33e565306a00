"""Hugging Face causal LMs as a draft/target pair with block verification (SPEC §3).

:class:`HFPair` implements :class:`~gelato_theory.executor.protocol.BlockPair` for two causal LMs
over one vocabulary (torch ``nn.Module`` s whose ``forward`` takes ``input_ids``,
``attention_mask``, ``position_ids`` and a ``DynamicCache`` and returns ``.logits``, as every
``transformers`` causal LM does). Per round and batch of trajectories:

* the draft runs one forward pass per drafted position (all rows together, KV-cached);
* the target runs **exactly one** forward pass that scores every sent position and the position
  after them (the bonus position) — :attr:`HFPair.target_passes` counts them;
* both caches persist across rounds. A row's context is the tokens since its last reset; each
  model's cache holds a prefix of it (``count`` tokens) and is fed the missing tail first.
  Rejected drafted tokens are cut from the cache (their slots masked, the common tail cropped), and
  the cache is compacted (valid slots gathered to the front) when its length passes twice the
  context limit. A row whose context would outgrow ``max_context`` restarts from its last
  ``max_context // 2`` tokens (positions from 0, re-encoded inside the round's passes, so still one
  target pass per round). Context, resets and positions are functions of the row's own tokens, so
  a trajectory does not depend on the batch it runs in (up to float rounding of the model).

Sampling uses the executor's uniforms: q and p are softmax(logits / temperature) in float64, cut
to the top-p nucleus when ``top_p < 1`` (the output law is then the target's cut distribution).
torch and transformers are imported here only; ``gelato_theory`` never imports this module unless
an HF pair is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from gelato_theory.errors import ExecutorInputError, VocabularyMismatchError
from gelato_theory.executor.protocol import BlockPair, BlockScores, DraftBlock
from gelato_theory.executor.sampling import inverse_cdf, residual
from gelato_theory.scenario.token_types import entropy_nats

__all__ = ["HFHistory", "HFPair", "output_vocab_size"]


def output_vocab_size(model: Any) -> int:
    """Rows of the model's output distribution (its LM head width)."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if head is not None and hasattr(head, "weight"):
        return int(head.weight.shape[0])
    return int(model.config.vocab_size)


def _positions_limit(model: torch.nn.Module) -> int | None:
    cfg = getattr(model, "config", None)
    for name in ("n_positions", "max_position_embeddings"):
        v = getattr(cfg, name, None)
        if isinstance(v, int) and v > 0:
            return v
    return None


def _distribution(logits: torch.Tensor, temperature: float, top_p: float) -> np.ndarray:
    """(..., V) float logits -> float64 probabilities softmax(logits / T), cut to the top-p set."""
    z = logits.detach().to(torch.float64).cpu().numpy() / temperature
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    if top_p < 1.0:
        order = np.argsort(-p, axis=-1, kind="stable")
        sorted_p = np.take_along_axis(p, order, axis=-1)
        before = np.cumsum(sorted_p, axis=-1) - sorted_p  # mass strictly ahead of each token
        keep_sorted = before < top_p
        keep = np.empty_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        p = np.where(keep, p, 0.0)
        p /= p.sum(axis=-1, keepdims=True)
    return p


class _Cache:
    """One model's batched KV cache: per-row valid slots (a mask with holes) and the number of the
    row's context tokens it holds (``count``, positions 0..count-1)."""

    def __init__(self, model: torch.nn.Module, batch: int, cache_kw: str) -> None:
        from transformers import DynamicCache

        self.model = model
        self.kv = DynamicCache()
        self.valid = torch.zeros(batch, 0, dtype=torch.long)
        self.count = np.zeros(batch, dtype=np.int64)
        self.cache_kw = cache_kw

    @property
    def length(self) -> int:
        return int(self.valid.shape[1])

    def feed(self, ids: np.ndarray, limit: int) -> tuple[torch.Tensor, int]:
        """Run the model on new inputs ``ids`` (B, P), real tokens left-aligned, -1 padding.

        Returns the logits (B, P, V) and the slot of column 0. Real tokens get positions
        count, count+1, ...; padding attends to itself so no query is left without a key, and is
        masked for every later pass.
        """
        real = torch.from_numpy(ids >= 0)
        start = self.length
        pos = torch.from_numpy(self.count)[:, None] + real.long().cumsum(1) - 1
        mask = torch.cat([self.valid, torch.ones(ids.shape, dtype=torch.long)], dim=1)
        with torch.inference_mode():
            out = self.model(
                input_ids=torch.from_numpy(np.where(ids >= 0, ids, 0)),
                attention_mask=mask,
                position_ids=pos.clamp(0, limit - 1),
                use_cache=True,
                **{self.cache_kw: self.kv},
            )
        self.valid = torch.cat([self.valid, real.long()], dim=1)
        return out.logits, start

    def drop(self, rows: np.ndarray, slots: np.ndarray) -> None:
        """Mask slots (``rows``, ``slots``) — drafted tokens the target rejected."""
        if rows.size:
            self.valid[torch.from_numpy(rows), torch.from_numpy(slots)] = 0

    def reset(self, rows: np.ndarray) -> None:
        """Forget rows entirely (their context restarts)."""
        if rows.size:
            self.valid[torch.from_numpy(rows)] = 0
            self.count[rows] = 0

    def crop_and_compact(self, threshold: int) -> None:
        """Crop the all-invalid tail; when longer than ``threshold``, gather valid slots forward."""
        held = self.valid.sum(dim=1)
        any_valid = self.valid.any(dim=0).nonzero()
        last = int(any_valid.max()) + 1 if any_valid.numel() else 0
        if last < self.length:
            for layer in self._layers():
                layer.keys, layer.values = layer.keys[:, :, :last], layer.values[:, :, :last]
            self.valid = self.valid[:, :last]
        if self.length <= threshold:
            return
        width = int(held.max()) if held.numel() else 0
        order = torch.sort(1 - self.valid, dim=1, stable=True).indices[:, :width]  # valid first
        for layer in self._layers():
            idx = order[:, None, :, None].expand(-1, layer.keys.shape[1], -1, layer.keys.shape[3])
            layer.keys = torch.gather(layer.keys, 2, idx)
            layer.values = torch.gather(layer.values, 2, idx)
        self.valid = (torch.arange(width)[None, :] < held[:, None]).long()

    def _layers(self) -> list:
        """The cache layers that hold tensors (full-attention ``DynamicLayer`` s only)."""
        from transformers.cache_utils import DynamicLayer

        layers = [layer for layer in self.kv.layers if getattr(layer, "keys", None) is not None]
        for layer in layers:
            if type(layer) is not DynamicLayer:
                raise ExecutorInputError(
                    "cache layer",
                    type(layer).__name__,
                    "must be a full-attention DynamicLayer (sliding-window or recurrent caches "
                    "are not supported by the block-verified pair)",
                )
        return layers


@dataclass(eq=False)
class HFHistory:
    """Per-trajectory state between rounds: the context since the last reset (``tokens`` (B, L)
    left-aligned, -1 padded, ``length`` (B,)) and the live caches of draft and target.

    The caches belong to the newest history only: handing an older history to a round rebuilds
    them from its tokens (correct, only slower)."""

    tokens: np.ndarray
    length: np.ndarray
    _caches: tuple[_Cache, _Cache] | None = field(default=None, repr=False)

    @property
    def batch(self) -> int:
        return int(self.length.shape[0])

    def take_caches(self) -> tuple[_Cache, _Cache] | None:
        caches, self._caches = self._caches, None
        return caches


class HFPair(BlockPair):
    """Two causal LMs over one vocabulary as a block-verified pair (SPEC §3).

    ``prompts`` (1-D int token ids) is the text trajectories start in: a window of
    ``prompt_tokens`` tokens at an offset chosen by the trajectory's first uniform.
    ``max_context`` caps a row's context (default: the smaller model position limit, at most 512).
    ``target_passes`` / ``draft_passes`` count forward passes; ``last_round`` is the most recent
    round object (its drafted tokens ``x``, for inspection).
    """

    def __init__(
        self,
        draft: torch.nn.Module,
        target: torch.nn.Module,
        prompts: np.ndarray,
        *,
        temperature: float = 1.0,
        top_p: float = 1.0,
        prompt_tokens: int = 32,
        max_context: int | None = None,
        names: tuple[str, str] = ("draft", "target"),
    ) -> None:
        vd, vt = output_vocab_size(draft), output_vocab_size(target)
        if vd != vt:
            raise VocabularyMismatchError(names[0], vd, names[1], vt)
        if not (np.isfinite(temperature) and temperature > 0):
            raise ExecutorInputError("temperature", temperature, "must be finite and > 0")
        if not 0 < top_p <= 1:
            raise ExecutorInputError("top_p", top_p, "must be in (0, 1]")
        limits = [x for x in (_positions_limit(draft), _positions_limit(target)) if x]
        cap = min(limits + [512]) if max_context is None else int(max_context)
        if limits and cap > min(limits):
            raise ExecutorInputError(
                "max_context", cap, f"must not exceed the models' position limit {min(limits)}"
            )
        prompts = np.asarray(prompts, dtype=np.int64).ravel()
        if not 1 <= prompt_tokens <= cap // 2:
            raise ExecutorInputError(
                "prompt_tokens", prompt_tokens, f"must be in [1, max_context // 2 = {cap // 2}]"
            )
        if prompts.size <= prompt_tokens or prompts.min() < 0 or prompts.max() >= vt:
            raise ExecutorInputError(
                "prompts",
                f"{prompts.size} tokens",
                f"must hold more than prompt_tokens = {prompt_tokens} ids in [0, {vt})",
            )
        self.draft, self.target = draft.eval(), target.eval()
        self.vocab_size = vt
        self.prompts = prompts
        self.temperature, self.top_p = float(temperature), float(top_p)
        self.prompt_tokens = int(prompt_tokens)
        self.max_context = cap
        self.target_passes = 0
        self.draft_passes = 0
        self.last_round: _Round | None = None
        self._kw = tuple(_cache_keyword(m) for m in (draft, target))

    def probs(self, logits: torch.Tensor) -> np.ndarray:
        """Sampling distribution (temperature, top-p) of logits (..., V), float64."""
        return _distribution(logits, self.temperature, self.top_p)

    def initial_history(self, batch: int, u: np.ndarray | None = None) -> HFHistory:
        """Windows of the prompt text: its first tokens, or at offsets chosen by ``u`` (B,)."""
        L = self.prompt_tokens
        if u is None:
            start = np.zeros(batch, dtype=np.int64)
        else:
            start = (np.asarray(u) * (self.prompts.size - L)).astype(np.int64)
        tokens = np.full((batch, self.max_context), -1, dtype=np.int64)
        tokens[:, :L] = self.prompts[start[:, None] + np.arange(L)[None, :]]
        return HFHistory(tokens, np.full(batch, L, dtype=np.int64))

    def open_round(self, history: Any, K_max: int) -> DraftBlock:
        if not isinstance(history, HFHistory):
            raise ExecutorInputError(
                "history", type(history).__name__, "must be an HFHistory from this pair"
            )
        self.last_round = _Round(self, history, int(K_max))
        return self.last_round


def _cache_keyword(model: torch.nn.Module) -> str:
    """Name of the forward argument that takes the KV cache (``cache`` in newer transformers)."""
    import inspect

    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


class _Round(DraftBlock):
    """One round of an :class:`HFPair` over a batch (see :class:`DraftBlock`)."""

    def __init__(self, pair: HFPair, history: HFHistory, K_max: int) -> None:
        self.pair = pair
        B = history.batch
        tokens, length = history.tokens.copy(), history.length.copy()
        caches = history.take_caches()
        if caches is None:
            caches = (
                _Cache(pair.draft, B, pair._kw[0]),
                _Cache(pair.target, B, pair._kw[1]),
            )
        self.draft, self.target = caches
        # restart rows whose context could outgrow max_context this round
        cap = pair.max_context
        if K_max + 2 > cap // 2:
            raise ExecutorInputError(
                "K_max", K_max, f"must be <= max_context // 2 - 2 = {cap // 2 - 2} for this pair"
            )
        full = np.flatnonzero(length + K_max + 1 > cap)
        if full.size:
            keep = cap // 2
            idx = length[full, None] - keep + np.arange(keep)[None, :]
            tail = np.take_along_axis(tokens[full], idx, axis=1)
            tokens[full] = -1
            tokens[full, :keep] = tail
            length[full] = keep
            self.draft.reset(full)
            self.target.reset(full)
        for c in caches:
            c.crop_and_compact(2 * cap)
        self.tokens, self.length = tokens, length
        self.B = B
        self.q_logits: list[torch.Tensor] = []  # draft logits per drafted position (B, V)
        self.fed = np.zeros(B, dtype=np.int64)  # drafted tokens fed to the draft cache
        self.fed_slot: list[int] = []  # slot of the drafted token fed at step i+1
        self.x: list[np.ndarray] = []
        self.count0_draft = self.draft.count.copy()

    # -- drafting ---------------------------------------------------------------------------------
    def _pending(self, cache: _Cache, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, P) the context tokens not yet in ``cache`` for ``rows`` (others all padding)."""
        n = np.where(rows, self.length - cache.count, 0)
        P = max(int(n.max(initial=0)), 1)
        j = np.arange(P)[None, :]
        src = np.minimum(cache.count[:, None] + j, self.tokens.shape[1] - 1)
        ids = np.take_along_axis(self.tokens, src, axis=1)
        return np.where(j < n[:, None], ids, -1), n

    def draft_step(
        self, u: np.ndarray, active: np.ndarray, greedy: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pair, cache, i = self.pair, self.draft, len(self.q_logits)
        if i == 0:
            ids, n = self._pending(cache, active)
            logits, _ = cache.feed(ids, pair.max_context)
            cache.count += n
            last = np.maximum(n - 1, 0)
        else:
            prev = self.x[-1]
            ids = np.where(active, prev, -1)[:, None]
            logits, slot = cache.feed(ids, pair.max_context)
            self.fed_slot.append(slot)
            self.fed += active
            cache.count += active  # provisional: rejected tokens are taken back in finish()
            last = np.zeros(self.B, dtype=np.int64)
        pair.draft_passes += 1
        row_logits = logits[torch.arange(self.B), torch.from_numpy(last)]
        self.q_logits.append(row_logits)
        idx = np.flatnonzero(active)
        q = pair.probs(row_logits[torch.from_numpy(idx)])
        x = np.zeros(self.B, dtype=np.int64)
        x[idx] = np.argmax(q, axis=1) if greedy else inverse_cdf(q, u[idx])
        self.x.append(x)
        qx = q[np.arange(idx.size), x[idx]]
        return entropy_nats(q), x[idx], qx

    # -- verification -----------------------------------------------------------------------------
    def score(self, x: np.ndarray, k: np.ndarray) -> BlockScores:
        """The round's one target pass over (pending context, x_1..x_k) of every row."""
        pair, cache = self.pair, self.target
        pend, n_p = self._pending(cache, np.ones(self.B, bool))
        n = x.shape[1]
        P = pend.shape[1]
        ids = np.full((self.B, P + n), -1, dtype=np.int64)
        ids[:, :P] = pend
        j = np.arange(n)[None, :]
        col = n_p[:, None] + j  # drafted token i goes right after the pending tokens
        rows = np.broadcast_to(np.arange(self.B)[:, None], col.shape)
        sent = j < k[:, None]
        ids[rows[sent], col[sent]] = x[sent]
        logits, self.t_start = cache.feed(ids, pair.max_context)
        pair.target_passes += 1
        self.n_p, self.k = n_p, k
        # p at drafted position i (0-based) is read at input column n_p - 1 + i; bonus at n_p - 1 + k
        at = torch.from_numpy(n_p[:, None] - 1 + np.arange(n + 1)[None, :])
        at = at.clamp(0, logits.shape[1] - 1)
        self.p_logits = torch.gather(
            logits, 1, at[:, :, None].expand(-1, -1, logits.shape[2])
        )  # (B, n+1, V)
        p_x = np.ones((self.B, n))
        r, c = np.nonzero(sent)
        if r.size:
            p_rows = pair.probs(self.p_logits[torch.from_numpy(r), torch.from_numpy(c)])
            p_x[r, c] = p_rows[np.arange(r.size), x[r, c]]
        return BlockScores(p_x=p_x, argmax=self.p_logits.argmax(dim=-1).numpy())

    def final_token(
        self, A: np.ndarray, u: np.ndarray, use_residual: np.ndarray, greedy: bool
    ) -> np.ndarray:
        rows = np.arange(self.B)
        p = self.pair.probs(self.p_logits[torch.from_numpy(rows), torch.from_numpy(A)])
        if greedy:
            return np.argmax(p, axis=1)
        if use_residual.any():
            r = np.flatnonzero(use_residual)
            q_logits = torch.stack(self.q_logits, dim=1)[
                torch.from_numpy(r), torch.from_numpy(A[r])
            ]
            p[r] = residual(p[r], self.pair.probs(q_logits))
        return inverse_cdf(p, u)

    def finish(self, A: np.ndarray, final: np.ndarray) -> HFHistory:
        """Keep the accepted prefix in both caches, drop the rest, append the emitted tokens."""
        B, rows = self.B, np.arange(self.B)
        # target: pending + x_1..x_A stay; x_{A+1}..x_k are cut
        t = self.target
        j = np.arange(int(self.k.max(initial=0)))[None, :]
        cut = (j >= A[:, None]) & (j < self.k[:, None])
        r, c = np.nonzero(cut)
        t.drop(r, self.t_start + self.n_p[r] + c)
        t.count += self.n_p + A
        # draft: drafted token i was fed at step i+1; keep those with i < A
        d = self.draft
        if self.fed_slot:
            jd = np.arange(len(self.fed_slot))[None, :]
            cut = (jd >= A[:, None]) & (jd < self.fed[:, None])
            r, c = np.nonzero(cut)
            d.drop(r, np.asarray(self.fed_slot)[c])
            d.count -= self.fed - np.minimum(self.fed, A)
        # append x_1..x_A and the final token to the context
        x = np.stack(self.x, axis=1) if self.x else np.zeros((B, 0), dtype=np.int64)
        tokens, length = self.tokens, self.length.copy()
        jx = np.arange(x.shape[1])[None, :]
        keep = jx < A[:, None]
        rr, cc = np.nonzero(keep)
        tokens[rr, length[rr] + cc] = x[rr, cc]
        tokens[rows, length + A] = final
        length += A + 1
        return HFHistory(tokens, length, (d, t))
