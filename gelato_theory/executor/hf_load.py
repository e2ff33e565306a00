"""Building an :class:`~gelato_theory.executor.hf.HFPair` from a scenario's ``[tokens]`` section
(``model = "hf"``), offline only (SPEC §3, §8).

Two ways to name the models:

* ``draft`` and ``target``: local folders in ``save_pretrained`` layout (``config.json`` plus
  ``model.safetensors`` / ``pytorch_model.bin``, sharded or not), loaded with
  ``AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)`` and ``HF_HUB_OFFLINE=1``.
  Prompts are tokenized with the target folder's tokenizer (the draft's, if it has one, must have
  the same vocabulary); a folder without tokenizer files is read as a byte-level model (256 ids).
* ``factory = "package.module:function"``: a callable returning ``(draft, target, prompt_ids)``
  or ``(draft, target)`` (prompts are then the byte-level held-out pydoc text), or a ready
  :class:`HFPair`.

``prompts`` names a UTF-8 text file to start trajectories in (default: the held-out pydoc text,
the n-gram pair's evaluation text). Every failure is a :class:`~gelato_theory.errors.ModelLoadError`
naming the field, the value and what was expected.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np

from gelato_theory.errors import ModelLoadError, VocabularyMismatchError
from gelato_theory.scenario.model import TokenConfig

__all__ = ["hf_pair", "load_causal_lm"]

WEIGHTS = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
OFFLINE = "models are never downloaded: save the model with save_pretrained where it is available and copy the folder here"


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _check_folder(field: str, path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise ModelLoadError(field, path, f"must be an existing local model folder ({OFFLINE})")
    if not (folder / "config.json").is_file():
        raise ModelLoadError(
            field, path, f"has no config.json: not a save_pretrained folder ({OFFLINE})"
        )
    if not any((folder / w).is_file() for w in WEIGHTS):
        raise ModelLoadError(field, path, f"has no weights ({' / '.join(WEIGHTS)}) ({OFFLINE})")
    return folder


def load_causal_lm(field: str, path: str):
    """A causal LM from a local ``save_pretrained`` folder (never the hub)."""
    folder = _check_folder(field, path)
    _offline()
    from transformers import AutoModelForCausalLM

    try:
        return AutoModelForCausalLM.from_pretrained(folder, local_files_only=True).eval()
    except (OSError, ValueError) as exc:
        raise ModelLoadError(field, path, f"must load as a causal LM ({exc})") from None


def _tokenizer(field: str, folder: Path):
    if not any(
        (folder / f).is_file()
        for f in ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")
    ):
        return None
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            field, str(folder), f"must hold a loadable tokenizer ({exc})"
        ) from None


def _prompt_text(tokens: TokenConfig) -> str:
    if tokens.prompts:
        try:
            return Path(tokens.prompts).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelLoadError(
                "tokens.prompts", tokens.prompts, f"must be a readable UTF-8 text file ({exc})"
            ) from None
    from gelato_theory.executor.ngram import topics_text

    return topics_text()[1]


def _bytes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)


def hf_pair(tokens: TokenConfig):
    """The :class:`HFPair` a ``tokens.model = "hf"`` config names."""
    _offline()
    from gelato_theory.executor.hf import HFPair, output_vocab_size

    if tokens.factory:
        module, _, attr = tokens.factory.partition(":")
        try:
            made = getattr(importlib.import_module(module), attr)()
        except (ImportError, AttributeError, ValueError) as exc:
            raise ModelLoadError(
                "tokens.factory",
                tokens.factory,
                f"must name an importable callable 'package.module:function' ({exc})",
            ) from None
        if isinstance(made, HFPair):
            return made
        if not isinstance(made, tuple) or len(made) not in (2, 3):
            raise ModelLoadError(
                "tokens.factory",
                tokens.factory,
                "must return (draft, target), (draft, target, prompt_ids) or an HFPair",
            )
        draft, target = made[0], made[1]
        prompts = made[2] if len(made) == 3 else _bytes(_prompt_text(tokens))
        if tokens.prompts and len(made) == 3:
            prompts = _bytes(_prompt_text(tokens))
        return HFPair(
            draft,
            target,
            prompts,
            names=("draft", "target"),
            temperature=tokens.temperature,
            top_p=tokens.top_p,
        )

    draft = load_causal_lm("tokens.draft", tokens.draft)
    target = load_causal_lm("tokens.target", tokens.target)
    tok_t = _tokenizer("tokens.target", Path(tokens.target))
    tok_d = _tokenizer("tokens.draft", Path(tokens.draft))
    names = (f"draft {tokens.draft}", f"target {tokens.target}")
    if tok_t is not None and tok_d is not None and tok_t.get_vocab() != tok_d.get_vocab():
        raise VocabularyMismatchError(names[0] + " tokenizer", len(tok_d), names[1], len(tok_t))
    text = _prompt_text(tokens)
    if tok_t is None:
        if output_vocab_size(target) != 256:
            raise ModelLoadError(
                "tokens.target",
                tokens.target,
                "has no tokenizer files, which is only allowed for a byte-level model "
                f"(vocabulary 256, not {output_vocab_size(target)})",
            )
        prompts = _bytes(text)
    else:
        prompts = np.asarray(tok_t(text)["input_ids"], dtype=np.int64)
    return HFPair(
        draft, target, prompts, names=names, temperature=tokens.temperature, top_p=tokens.top_p
    )
