"""Typed scenario objects (SPEC §2, §4, §6, §7).

A :class:`Scenario` is everything needed to derive bounds, solve for the optimum and run a
verification: channel, device and edge costs, token types, action menu, objective, control and
verification settings. Objects are frozen; :mod:`gelato_theory.scenario.load` builds and validates
them from TOML. Units are SI: J, s, W, Hz, bit; entropies in nats.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

from gelato_theory.scenario.channel import quantized_rayleigh, shannon_rate_bps


@dataclass(frozen=True)
class ChannelConfig:
    """Uplink channel with a finite gain support {h_1..h_M} (SPEC §2)."""

    model: Literal["rayleigh", "table"]
    bandwidth_hz: float  # W
    tx_power_w: float  # P_tx
    noise_psd_w_per_hz: float  # N0
    states: int = 8  # M (rayleigh)
    mean_gain: float | None = None  # average linear power gain (rayleigh)
    gains: tuple[float, ...] = ()  # explicit support (table)
    probabilities: tuple[float, ...] = ()  # explicit pi_m (table)

    def support(self) -> tuple[np.ndarray, np.ndarray]:
        """Gains h_m (linear) and probabilities pi_m, sorted by increasing gain."""
        if self.model == "rayleigh":
            assert self.mean_gain is not None
            return quantized_rayleigh(self.mean_gain, self.states)
        import numpy as np

        h = np.asarray(self.gains, dtype=float)
        pi = np.asarray(self.probabilities, dtype=float)
        order = np.argsort(h, kind="stable")
        return h[order], pi[order]

    def rate_bps(self, h: np.ndarray) -> np.ndarray:
        """Uplink rate R(h) = W log2(1 + P_tx h / (N0 W)) in bit/s."""
        return shannon_rate_bps(h, self.bandwidth_hz, self.tx_power_w, self.noise_psd_w_per_hz)


@dataclass(frozen=True)
class DeviceConfig:
    """Device costs (SPEC §2): per drafted position and per round."""

    e_c: float  # J per computed draft distribution
    tau_c: float  # s per computed draft distribution
    e_0: float  # J per round (receive / idle)
    payload_bits: float  # b, bit per sent token


@dataclass(frozen=True)
class EdgeConfig:
    """Edge costs (SPEC §2): fixed round time and optional per-uploaded-token verification time."""

    tau_0: float  # s per round (verification + downlink + RTT)
    tau_v1: float = 0.0  # s per uploaded token


@dataclass(frozen=True)
class TokenConfig:
    """Token types (SPEC §2): generator parameters (synthetic), an explicit (w, H, beta) table, or a
    real pair (SPEC §3) — n-gram models on real text, or Hugging Face causal LMs from local folders
    or a factory (hf) — whose table is calibrated from executor runs."""

    model: Literal["synthetic", "table", "ngram", "hf"]
    types: int = 16  # J (synthetic)
    vocab: int = 64  # vocabulary size (synthetic)
    seed: int = 0  # generator seed (synthetic)
    sharpness: tuple[float, float] = (0.5, 6.0)  # range of target logit scales (entropy spread)
    mismatch: float = 1.0  # std of the draft's logit perturbation (draft-target mismatch)
    draft_scale: float = (
        1.0  # the draft's logits are draft_scale x the target's (< 1: underconfident)
    )
    weights: tuple[float, ...] = ()  # w_j (table)
    entropies: tuple[float, ...] = ()  # H_j = H(q_j), nats (table)
    acceptances: tuple[float, ...] = ()  # beta_j (table)
    draft_order: int = 3  # n of the draft n-gram model (ngram)
    target_order: int = 5  # n of the target n-gram model (ngram)
    calibration_rounds: int = (
        200  # executor rounds (x 256 trajectories) to calibrate s, a (ngram, hf)
    )
    draft: str = ""  # local save_pretrained folder of the draft model (hf)
    target: str = ""  # local save_pretrained folder of the target model (hf)
    factory: str = ""  # "package.module:function" returning the models (hf; instead of folders)
    prompts: str = ""  # UTF-8 text file trajectories start in (hf; default: held-out pydoc text)
    temperature: float = 1.0  # sampling temperature of both models (hf)
    top_p: float = 1.0  # nucleus cut of both models' distributions (hf; 1 = none)


@dataclass(frozen=True)
class ActionConfig:
    """Action menu {0..K_max} x thresholds (SPEC §4); thresholds contain +inf."""

    K_max: int
    thresholds: tuple[float, ...]


@dataclass(frozen=True)
class ObjectiveConfig:
    """Per-round tokens under an energy budget, or tokens per second under a power budget (SPEC §4)."""

    kind: Literal["per_round", "per_second"]
    energy_budget_j: float | None = None  # E-bar, J/round (per_round)
    power_budget_w: float | None = None  # P-bar, W (per_second)

    @property
    def budget(self) -> float:
        """The budget of ``kind``: E-bar (J/round) for per_round, P-bar (W) for per_second."""
        b = self.energy_budget_j if self.kind == "per_round" else self.power_budget_w
        assert b is not None, f"no budget for kind {self.kind!r}: validate() requires one"
        return b


@dataclass(frozen=True)
class ControlConfig:
    """Control parameters (SPEC §4): V grid, initial backlog Q_0 and the entropy-to-acceptance gamma."""

    V: tuple[float, ...]
    Q0: float = 0.0  # J
    gamma: float = 0.2  # beta_hat(H) = max(0, 1 - sqrt(gamma H))


@dataclass(frozen=True)
class VerificationConfig:
    """Verification protocol settings (SPEC §6)."""

    horizon: int = 2000  # T, rounds
    seeds: int = 32  # S
    confidence: float = 0.95  # level of the one-sided intervals
    seed: int = 0  # root of the SeedSequence


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario (SPEC §7)."""

    name: str
    channel: ChannelConfig
    device: DeviceConfig
    edge: EdgeConfig
    tokens: TokenConfig
    actions: ActionConfig
    objective: ObjectiveConfig
    control: ControlConfig
    verification: VerificationConfig = field(default_factory=VerificationConfig)
    description: str = ""

    def replace(self, **changes: object) -> Scenario:
        """A copy with top-level sections replaced; nested changes use ``section.field`` keys."""
        top: dict[str, Any] = {}  # checked by validate() below
        nested: dict[str, dict[str, object]] = {}
        for key, value in changes.items():
            if "." in key:
                section, name = key.split(".", 1)
                nested.setdefault(section, {})[name] = value
            else:
                top[key] = value
        for section, fields in nested.items():
            top[section] = dataclasses.replace(getattr(self, section), **fields)
        new = dataclasses.replace(self, **top)
        from gelato_theory.scenario.validate import validate

        validate(new)
        return new
