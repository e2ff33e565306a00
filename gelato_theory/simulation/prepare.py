"""From a scenario to the model the exact layer solves and the executor that runs it (SPEC §2, §3).

For synthetic and table token types the two coincide. For real pairs — the n-gram pair on real
text, Hugging Face models (``tokens.model = "hf"``, loaded offline by
:func:`gelato_theory.executor.hf_load.hf_pair`, imported only then) — positions are not i.i.d.:
the executor runs the real pair, and the exact layer gets a plug-in type table
calibrated from executor runs (empirical s(eta), a(eta) at the menu's thresholds), so every bound
and the optimum are those of the calibrated model, and the verdicts test that model against reality.
"""

from __future__ import annotations

from dataclasses import dataclass

from gelato_theory.executor.calibration import Calibration, calibrate
from gelato_theory.executor.ngram import ngram_pair
from gelato_theory.executor.rounds import Executor
from gelato_theory.scenario.model import Scenario

CALIBRATION_BATCH = 256


@dataclass(frozen=True, eq=False)
class Prepared:
    """``model``: the scenario the exact layer solves; ``executor``: what really runs."""

    scenario: Scenario
    model: Scenario
    executor: Executor
    calibration: Calibration | None = None


def prepare(scenario: Scenario) -> Prepared:
    """The model scenario and executor of ``scenario`` (calibrating a real pair if needed)."""
    tok = scenario.tokens
    if tok.model not in ("ngram", "hf"):
        return Prepared(scenario, scenario, Executor(scenario))
    if tok.model == "hf":
        from gelato_theory.executor.hf_load import hf_pair

        pair = hf_pair(tok)
    else:
        pair = ngram_pair(tok.draft_order, tok.target_order)
    # calibrate with a synthetic placeholder table: only the costs of the scenario are used
    probe = scenario.replace(tokens=_placeholder())
    cal = calibrate(
        Executor(probe, pair=pair),
        rounds=tok.calibration_rounds,
        batch=CALIBRATION_BATCH,
        seed=scenario.verification.seed,
    )
    model = scenario.replace(tokens=cal.token_config(scenario.actions.thresholds))
    return Prepared(scenario, model, Executor(model, pair=pair), cal)


def _placeholder():
    from gelato_theory.scenario.model import TokenConfig

    return TokenConfig(model="table", weights=(1.0,), entropies=(0.0,), acceptances=(1.0,))
