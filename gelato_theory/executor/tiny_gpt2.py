"""A tiny, real Hugging Face pair built in-process (SPEC §3): byte-level GPT-2 models trained on
CPython's documentation (``pydoc_data.topics``, the n-gram pair's corpus), no download.

Target: 4 layers, width 128, 4 heads; draft: 1 layer, width 64, 2 heads; vocabulary = the 256
byte values; 128 positions. Both are trained together (same batches, one Adam step each) on
next-byte cross-entropy for :data:`RECIPE` ``steps`` steps of ``batch`` windows of ``window``
bytes. Training is deterministic under the seed (``torch.manual_seed``, deterministic algorithms,
a fixed thread count) and the weights are cached by a content hash of the recipe, the seed, the
corpus and the torch/transformers versions in ``$GELATO_CACHE`` (default
``~/.cache/gelato-theory``), so a test suite trains them once. No weights are committed.

``tiny_pair()`` is also a factory for scenarios: ``tokens.factory =
"gelato_theory.executor.tiny_gpt2:tiny_models"``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from gelato_theory.executor.hf import HFPair
from gelato_theory.executor.ngram import topics_text

if TYPE_CHECKING:
    from transformers import GPT2LMHeadModel

__all__ = ["RECIPE", "cache_dir", "tiny_models", "tiny_pair", "train_tiny"]

RECIPE = {
    "target": {"n_layer": 4, "n_embd": 128, "n_head": 4},
    "draft": {"n_layer": 1, "n_embd": 64, "n_head": 2},
    "n_positions": 128,
    "steps": 180,
    "batch": 8,
    "window": 64,
    "lr_target": 1.5e-3,
    "lr_draft": 4e-4,
    "warmup": 20,
    "threads": 1,
    "holdout_every": 10,
}


def cache_dir() -> Path:
    """Folder of cached tiny pairs: ``$GELATO_CACHE`` or ``~/.cache/gelato-theory``."""
    return Path(os.environ.get("GELATO_CACHE", Path.home() / ".cache" / "gelato-theory"))


def _corpus_bytes(holdout_every: int) -> tuple[np.ndarray, np.ndarray]:
    train, held = topics_text(holdout_every)
    as_ids = lambda s: np.frombuffer(s.encode("utf-8"), dtype=np.uint8).astype(np.int64)  # noqa: E731
    return as_ids(train), as_ids(held)


def _config(spec: dict, n_positions: int):
    from transformers import GPT2Config

    return GPT2Config(
        vocab_size=256,
        n_positions=n_positions,
        bos_token_id=0,
        eos_token_id=0,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        **spec,
    )


def _key(recipe: dict, seed: int, train: np.ndarray) -> str:
    import transformers

    blob = json.dumps(
        {
            "recipe": recipe,
            "seed": seed,
            "corpus": hashlib.sha256(train.tobytes()).hexdigest(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def train_tiny(
    recipe: dict, seed: int, train: np.ndarray
) -> tuple[GPT2LMHeadModel, GPT2LMHeadModel]:
    """Train (draft, target) from scratch; returns the two models and the CPU seconds spent."""
    from transformers import GPT2LMHeadModel

    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(recipe["threads"])
    torch.use_deterministic_algorithms(True)
    try:
        torch.manual_seed(seed)
        target = GPT2LMHeadModel(_config(recipe["target"], recipe["n_positions"]))
        draft = GPT2LMHeadModel(_config(recipe["draft"], recipe["n_positions"]))
        opt = torch.optim.Adam(
            [
                {"params": target.parameters(), "lr": recipe["lr_target"]},
                {"params": draft.parameters(), "lr": recipe["lr_draft"]},
            ],
            betas=(0.9, 0.95),
        )
        warm = recipe["warmup"]
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm))
        gen = torch.Generator().manual_seed(seed)
        text = torch.from_numpy(train)
        W, B = recipe["window"], recipe["batch"]
        ce = torch.nn.functional.cross_entropy
        for _ in range(recipe["steps"]):
            start = torch.randint(0, text.numel() - W - 1, (B,), generator=gen)
            x = text[start[:, None] + torch.arange(W + 1)]
            inp, nxt = x[:, :-1], x[:, 1:].reshape(-1)
            loss = ce(target(inp).logits.reshape(-1, 256), nxt) + ce(
                draft(inp).logits.reshape(-1, 256), nxt
            )
            loss.backward()
            opt.step()
            opt.zero_grad()
            sched.step()
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    return draft.eval(), target.eval()


def tiny_models(
    seed: int = 0, recipe: dict | None = None, cache: Path | None = None
) -> tuple[torch.nn.Module, torch.nn.Module, np.ndarray]:
    """(draft, target, held-out prompt bytes): loaded from the cache, or trained and cached."""
    from transformers import GPT2LMHeadModel

    recipe = dict(RECIPE if recipe is None else recipe)
    train, held = _corpus_bytes(recipe["holdout_every"])
    folder = (cache or cache_dir()) / f"tiny-gpt2-{_key(recipe, seed, train)}"
    if (folder / "target" / "config.json").exists() and (folder / "draft" / "config.json").exists():
        draft = GPT2LMHeadModel.from_pretrained(folder / "draft", local_files_only=True)
        target = GPT2LMHeadModel.from_pretrained(folder / "target", local_files_only=True)
        return draft.eval(), target.eval(), held
    t0 = time.process_time()
    draft, target = train_tiny(recipe, seed, train)
    seconds = time.process_time() - t0
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    draft.save_pretrained(tmp / "draft")
    target.save_pretrained(tmp / "target")
    (tmp / "recipe.json").write_text(json.dumps({"recipe": recipe, "seed": seed, "cpu_s": seconds}))
    try:
        tmp.rename(folder)  # atomic: a concurrent trainer's identical result may already be there
    except OSError:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return draft, target, held


def tiny_pair(
    seed: int = 0, temperature: float = 1.0, top_p: float = 1.0, prompt_tokens: int = 32
) -> HFPair:
    """The tiny byte-level pair as an :class:`HFPair` (trained once, then cached)."""
    draft, target, held = tiny_models(seed)
    return HFPair(
        draft,
        target,
        held,
        temperature=temperature,
        top_p=top_p,
        prompt_tokens=prompt_tokens,
        names=("tiny draft", "tiny target"),
    )
