"""Validation rules of a scenario (SPEC §8); every failure is a ScenarioError naming the field."""

from __future__ import annotations

import math

from gelato_theory.errors import ScenarioError
from gelato_theory.scenario.model import Scenario

PROBABILITY_TOLERANCE = 1e-9

# Size limits (SPEC §8): what one run can hold in memory and finish in reasonable time.
MAX_K = 256  # actions.K_max: power-sum tables are (states x menu x K_max)
MAX_THRESHOLDS = 64
MAX_MENU = 4096  # (K_max + 1) x thresholds
MAX_STATES = 1024  # channel states M
MAX_LP = 200_000  # M x menu: LP variables (cvxpy/Clarabel solves this size in seconds)
MAX_TYPES = 4096
MAX_VOCAB = 65_536
MAX_TABLE = 4_000_000  # types x vocab: p and q as float64 take 64 MB at this size
MAX_NGRAM_ORDER = 9  # n-gram ids are base-103 numbers in int64: 103^9 < 2^63 <= 103^10
MAX_V_GRID = 200
MAX_SEEDS = 100_000
MAX_HORIZON = 100_000_000
# seeds x |V| x horizon per policy; the batched simulator advances about 1e6-1e7 trajectory-rounds
# per second on one core, so this is minutes to a few hours
MAX_WORK = 10_000_000_000
MAX_MAGNITUDE = 1e12  # J, s, W, Hz, bit: the largest physical input
MAX_COST_RATIO = 1e9  # largest per-round cost over the budget (energy), see _conditioning


def finite(field: str, value: float, *, positive: bool = False, nonneg: bool = False) -> None:
    """Reject non-numbers, NaN, infinities, and (optionally) non-positive or negative values."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(field, value, "must be a number")
    if not math.isfinite(value):
        raise ScenarioError(field, value, "must be finite")
    if positive and value <= 0:
        raise ScenarioError(field, value, "must be > 0")
    if nonneg and value < 0:
        raise ScenarioError(field, value, "must be >= 0")


def probability_vector(field: str, values: tuple[float, ...], n: int | None = None) -> None:
    """Non-empty, finite, non-negative entries summing to 1 (within 1e-9), optionally of length n."""
    if len(values) == 0:
        raise ScenarioError(field, list(values), "must be a non-empty list of probabilities")
    if n is not None and len(values) != n:
        raise ScenarioError(field, list(values), f"must have {n} entries, one per item")
    for i, v in enumerate(values):
        finite(f"{field}[{i}]", v, nonneg=True)
    total = math.fsum(values)
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ScenarioError(field, list(values), f"must sum to 1 (sums to {total!r})")


def at_most(field: str, value: float, limit: float, why: str) -> None:
    """Reject a size above its stated limit; ``why`` says what the limit protects."""
    if value > limit:
        raise ScenarioError(field, value, f"must be <= {limit:g} ({why})")


def magnitude(field: str, value: float) -> None:
    """A physical quantity must be at most MAX_MAGNITUDE in SI units (J, s, W, Hz, bit)."""
    if abs(value) > MAX_MAGNITUDE:
        raise ScenarioError(
            field,
            value,
            f"must be <= {MAX_MAGNITUDE:g} in SI units (costs, budgets and Q0^2 enter the LP and "
            "the bounds together; beyond that double precision cannot resolve them)",
        )


def validate(s: Scenario) -> None:
    """Check every rule of SPEC §8 that a scenario object can break; raise on the first breach."""
    _validate_fields(s)
    _validate_sizes(s)
    _conditioning(s)


def _validate_fields(s: Scenario) -> None:
    ch = s.channel
    if ch.model not in ("rayleigh", "table"):
        raise ScenarioError("channel.model", ch.model, "must be 'rayleigh' or 'table'")
    finite("channel.bandwidth_hz", ch.bandwidth_hz, positive=True)
    finite("channel.tx_power_w", ch.tx_power_w, positive=True)
    finite("channel.noise_psd_w_per_hz", ch.noise_psd_w_per_hz, positive=True)
    if ch.model == "rayleigh":
        _integer("channel.states", ch.states, 1)
        if ch.mean_gain is None:
            raise ScenarioError("channel.mean_gain", None, "required for model = 'rayleigh'")
        finite("channel.mean_gain", ch.mean_gain, positive=True)
    else:
        if len(ch.gains) == 0:
            raise ScenarioError("channel.gains", list(ch.gains), "must list at least one gain")
        for i, g in enumerate(ch.gains):
            finite(f"channel.gains[{i}]", g, positive=True)
        probability_vector("channel.probabilities", ch.probabilities, len(ch.gains))

    d = s.device
    finite("device.e_c", d.e_c, nonneg=True)
    finite("device.tau_c", d.tau_c, nonneg=True)
    finite("device.e_0", d.e_0, nonneg=True)
    finite("device.payload_bits", d.payload_bits, positive=True)
    finite("edge.tau_0", s.edge.tau_0, positive=True)
    finite("edge.tau_v1", s.edge.tau_v1, nonneg=True)

    t = s.tokens
    if t.model == "synthetic":
        _integer("tokens.types", t.types, 1)
        _integer("tokens.vocab", t.vocab, 2)
        _integer("tokens.seed", t.seed, 0)
        lo, hi = t.sharpness
        finite("tokens.sharpness[0]", lo, nonneg=True)
        finite("tokens.sharpness[1]", hi, nonneg=True)
        if lo > hi:
            raise ScenarioError(
                "tokens.sharpness", list(t.sharpness), "must be [low, high], low <= high"
            )
        finite("tokens.mismatch", t.mismatch, nonneg=True)
        finite("tokens.draft_scale", t.draft_scale, nonneg=True)
    elif t.model == "table":
        probability_vector("tokens.weights", t.weights)
        n = len(t.weights)
        for name, values in (("entropies", t.entropies), ("acceptances", t.acceptances)):
            if len(values) != n:
                raise ScenarioError(
                    f"tokens.{name}", list(values), f"must have {n} entries, one per token type"
                )
        for i, h in enumerate(t.entropies):
            finite(f"tokens.entropies[{i}]", h, nonneg=True)
        for i, b in enumerate(t.acceptances):
            finite(f"tokens.acceptances[{i}]", b, nonneg=True)
            if b > 1:
                raise ScenarioError(f"tokens.acceptances[{i}]", b, "must be in [0, 1]")
    elif t.model == "ngram":
        _integer("tokens.draft_order", t.draft_order, 1)
        _integer("tokens.target_order", t.target_order, 2)
        if t.target_order <= t.draft_order:
            raise ScenarioError(
                "tokens.target_order",
                t.target_order,
                f"must exceed tokens.draft_order = {t.draft_order}",
            )
        _integer("tokens.calibration_rounds", t.calibration_rounds, 10)
    elif t.model == "hf":
        _hf_tokens(t)
    else:
        raise ScenarioError(
            "tokens.model", t.model, "must be 'synthetic', 'table', 'ngram' or 'hf'"
        )

    a = s.actions
    _integer("actions.K_max", a.K_max, 0)
    if len(a.thresholds) == 0:
        raise ScenarioError("actions.thresholds", [], "must list at least one threshold (and +inf)")
    for i, eta in enumerate(a.thresholds):
        if isinstance(eta, bool) or not isinstance(eta, (int, float)) or math.isnan(eta) or eta < 0:
            raise ScenarioError(f"actions.thresholds[{i}]", eta, "must be a number >= 0 or inf")
    if math.inf not in a.thresholds:
        raise ScenarioError(
            "actions.thresholds", list(a.thresholds), "must contain inf (no early exit)"
        )
    if len(set(a.thresholds)) != len(a.thresholds):
        raise ScenarioError("actions.thresholds", list(a.thresholds), "must not repeat a value")

    o = s.objective
    if o.kind == "per_round":
        if o.energy_budget_j is None:
            raise ScenarioError(
                "objective.energy_budget_j", None, "required for kind = 'per_round'"
            )
        finite("objective.energy_budget_j", o.energy_budget_j, positive=True)
    elif o.kind == "per_second":
        if o.power_budget_w is None:
            raise ScenarioError(
                "objective.power_budget_w", None, "required for kind = 'per_second'"
            )
        finite("objective.power_budget_w", o.power_budget_w, positive=True)
    else:
        raise ScenarioError("objective.kind", o.kind, "must be 'per_round' or 'per_second'")

    c = s.control
    if len(c.V) == 0:
        raise ScenarioError("control.V", [], "must be a non-empty list of V > 0")
    for i, x in enumerate(c.V):
        finite(f"control.V[{i}]", x, positive=True)
    finite("control.Q0", c.Q0, nonneg=True)
    finite("control.gamma", c.gamma, positive=True)

    v = s.verification
    _integer("verification.horizon", v.horizon, 1)
    _integer("verification.seeds", v.seeds, 2)
    _integer("verification.seed", v.seed, 0)
    finite("verification.confidence", v.confidence)
    if not 0.5 <= v.confidence < 1:
        raise ScenarioError("verification.confidence", v.confidence, "must be in [0.5, 1)")


def _validate_sizes(s: Scenario) -> None:
    """Sizes that cannot fit in memory or time, against the limits above (SPEC §8)."""
    ch, t, a = s.channel, s.tokens, s.actions
    M = ch.states if ch.model == "rayleigh" else len(ch.gains)
    field = "channel.states" if ch.model == "rayleigh" else "len(channel.gains)"
    at_most(field, M, MAX_STATES, "channel states; the LP grows with states x actions")
    at_most("actions.K_max", a.K_max, MAX_K, "drafting budget; round tables grow with it")
    at_most("len(actions.thresholds)", len(a.thresholds), MAX_THRESHOLDS, "thresholds")
    A = (a.K_max + 1) * len(a.thresholds)
    at_most("actions (K_max + 1) x thresholds", A, MAX_MENU, "menu size")
    at_most(
        f"{field} x menu",
        M * A,
        MAX_LP,
        f"LP variables: {M} states x {A} actions; fewer states or a smaller menu",
    )
    if t.model == "synthetic":
        at_most("tokens.types", t.types, MAX_TYPES, "token types")
        at_most("tokens.vocab", t.vocab, MAX_VOCAB, "vocabulary size")
        at_most(
            "tokens.types x tokens.vocab",
            t.types * t.vocab,
            MAX_TABLE,
            f"the p and q tables would take {16 * t.types * t.vocab / 1e6:.3g} MB",
        )
    elif t.model == "ngram":
        at_most("tokens.target_order", t.target_order, MAX_NGRAM_ORDER, "n-gram ids fit int64")
    elif t.model == "table":
        at_most("len(tokens.weights)", len(t.weights), MAX_TYPES, "token types")
    c, v = s.control, s.verification
    at_most("len(control.V)", len(c.V), MAX_V_GRID, "values in the V grid")
    at_most("verification.seeds", v.seeds, MAX_SEEDS, "seeds per V")
    at_most("verification.horizon", v.horizon, MAX_HORIZON, "rounds per trajectory")
    work = v.seeds * len(c.V) * v.horizon
    if work > MAX_WORK:
        raise ScenarioError(
            "verification.seeds x |control.V| x verification.horizon",
            work,
            f"must be <= {MAX_WORK:g} trajectory-rounds per policy (at ~1e6-1e7 per second that "
            f"is minutes to hours; this run would need about {work / 1e6 / 3600:.3g} h at 1e6/s): "
            "reduce seeds, horizon or the V grid",
        )


def _conditioning(s: Scenario) -> None:
    """Magnitudes of every physical input, and the transmit energy of the weakest channel state
    against the budget: the LP sees costs and budget together (SPEC §8)."""
    ch, d, e, o = s.channel, s.device, s.edge, s.objective
    for field, value in (
        ("channel.bandwidth_hz", ch.bandwidth_hz),
        ("channel.tx_power_w", ch.tx_power_w),
        ("device.e_c", d.e_c),
        ("device.tau_c", d.tau_c),
        ("device.e_0", d.e_0),
        ("device.payload_bits", d.payload_bits),
        ("edge.tau_0", e.tau_0),
        ("edge.tau_v1", e.tau_v1),
        ("objective.energy_budget_j", o.energy_budget_j or 0.0),
        ("objective.power_budget_w", o.power_budget_w or 0.0),
        ("control.Q0", s.control.Q0),
    ):
        magnitude(field, value)
    for i, x in enumerate(s.control.V):
        magnitude(f"control.V[{i}]", x)
    # weakest state's rate from the smallest gain (rayleigh: the lowest of M quantiles is about
    # mean_gain / (2M)); transmit energy per token must stay within MAX_COST_RATIO of the budget
    if ch.model == "table":
        h_min = min(ch.gains)
    else:
        assert ch.mean_gain is not None  # required for rayleigh, checked above
        h_min = ch.mean_gain / (2.0 * ch.states)
    snr = ch.tx_power_w * h_min / (ch.noise_psd_w_per_hz * ch.bandwidth_hz)
    rate = ch.bandwidth_hz * math.log1p(snr) / math.log(2.0)
    budget = o.budget if o.kind == "per_round" else o.budget * e.tau_0
    e_tx = ch.tx_power_w * d.payload_bits / rate if rate > 0 else math.inf
    if not e_tx <= MAX_COST_RATIO * budget:
        raise ScenarioError(
            "channel",
            f"rate {rate:.3g} bit/s in the weakest state",
            f"one token would cost e_tx = {e_tx:.3g} J, more than {MAX_COST_RATIO:g} x the "
            f"per-round budget {budget:.3g} J: check bandwidth_hz = {ch.bandwidth_hz:g}, "
            f"tx_power_w, noise_psd_w_per_hz and the gains",
        )


def _integer(field: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(field, value, "must be an integer")
    if value < minimum:
        raise ScenarioError(field, value, f"must be >= {minimum}")


def _hf_tokens(t) -> None:
    """tokens.model = "hf": two local model folders or a factory, sampling settings (SPEC §3)."""
    if not isinstance(t.factory, str):
        raise ScenarioError(
            "tokens.factory", t.factory, "must be a string 'package.module:function'"
        )
    if t.factory:
        module, sep, attr = t.factory.partition(":")
        if not (module and sep and attr):
            raise ScenarioError("tokens.factory", t.factory, "must read 'package.module:function'")
    elif not (t.draft and t.target):
        missing = "tokens.draft" if not t.draft else "tokens.target"
        raise ScenarioError(
            missing,
            None,
            "required for model = 'hf' (a local model folder), unless tokens.factory is given",
        )
    finite("tokens.temperature", t.temperature, positive=True)
    finite("tokens.top_p", t.top_p, positive=True)
    if t.top_p > 1:
        raise ScenarioError("tokens.top_p", t.top_p, "must be in (0, 1]")
    _integer("tokens.calibration_rounds", t.calibration_rounds, 10)
