"""Scenario loading from TOML and packaged presets (SPEC §7, §8).

``load_scenario(path)`` and ``preset(name)`` return a validated :class:`Scenario`; any problem —
malformed TOML, an unknown key, a missing or invalid field, an unknown preset — raises
:class:`~gelato_theory.errors.ScenarioError` naming the field, the value and the rule.
"""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from gelato_theory.errors import ScenarioError
from gelato_theory.scenario.channel import path_loss_gain
from gelato_theory.scenario.model import (
    ActionConfig,
    ChannelConfig,
    ControlConfig,
    DeviceConfig,
    EdgeConfig,
    ObjectiveConfig,
    Scenario,
    TokenConfig,
    VerificationConfig,
)
from gelato_theory.scenario.validate import validate

SECTIONS = {
    "channel": {
        "model",
        "bandwidth_hz",
        "tx_power_w",
        "noise_psd_w_per_hz",
        "states",
        "mean_gain",
        "distance_m",
        "path_loss_db_at_1km",
        "path_loss_exponent",
        "gains",
        "probabilities",
    },
    "device": {"e_c", "tau_c", "e_0", "payload_bits"},
    "edge": {"tau_0", "tau_v1"},
    "tokens": {
        "model",
        "types",
        "vocab",
        "seed",
        "sharpness",
        "mismatch",
        "draft_scale",
        "weights",
        "entropies",
        "acceptances",
        "draft_order",
        "target_order",
        "calibration_rounds",
        "draft",
        "target",
        "factory",
        "prompts",
        "temperature",
        "top_p",
    },
    "actions": {"K_max", "thresholds"},
    "objective": {"kind", "energy_budget_j", "power_budget_w"},
    "control": {"V", "Q0", "gamma"},
    "verification": {"horizon", "seeds", "confidence", "seed"},
}
REQUIRED = ("channel", "device", "edge", "tokens", "actions", "objective", "control")


def preset_names() -> list[str]:
    """Names of the packaged presets."""
    files = resources.files("gelato_theory.scenario.presets").iterdir()
    return sorted(f.name[: -len(".toml")] for f in files if f.name.endswith(".toml"))


def preset(name: str) -> Scenario:
    """A packaged preset by name (``default``, ``paper-like``, ...)."""
    names = preset_names()
    if name not in names:
        raise ScenarioError("preset", name, f"must be one of {', '.join(names)}")
    text = resources.files("gelato_theory.scenario.presets").joinpath(f"{name}.toml").read_text()
    return loads_scenario(text, source=f"preset {name}")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            "scenario", str(p), f"must be a readable file ({exc.strerror})"
        ) from None
    return loads_scenario(decode_toml(data, str(p)), source=str(p), base=p.parent)


def decode_toml(data: bytes, source: str) -> str:
    """TOML text from bytes: UTF-8 without a byte-order mark (the TOML specification), or a
    ScenarioError naming the file, the offending byte and its offset."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise ScenarioError(
            source, "UTF-8 byte-order mark at byte 0", "must be UTF-8 without a byte-order mark"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise ScenarioError(
            source, f"byte 0x{bad} at offset {exc.start}", "must be UTF-8 text (TOML)"
        ) from None


def loads_scenario(text: str, source: str = "<string>", base: Path | None = None) -> Scenario:
    """Parse and validate a scenario from TOML text (relative file paths resolve against ``base``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "<toml>", f"must be valid TOML ({exc})") from None
    return scenario_from_dict(data, base)


def scenario_from_dict(data: dict[str, Any], base: Path | None = None) -> Scenario:
    """Build and validate a Scenario from a parsed TOML document."""
    unknown = set(data) - set(SECTIONS) - {"name", "description"}
    if unknown:
        key = sorted(unknown)[0]
        raise ScenarioError(key, data[key], f"is not a known section ({', '.join(SECTIONS)})")
    for sec in REQUIRED:
        if sec not in data:
            raise ScenarioError(sec, None, "section is required")
    for sec, table in data.items():
        if sec in SECTIONS:
            if not isinstance(table, dict):
                raise ScenarioError(sec, table, "must be a table")
            extra = set(table) - SECTIONS[sec]
            if extra:
                key = sorted(extra)[0]
                raise ScenarioError(
                    f"{sec}.{key}",
                    table[key],
                    f"is not a known key ({', '.join(sorted(SECTIONS[sec]))})",
                )

    ch = dict(data["channel"])
    if "distance_m" in ch or "path_loss_db_at_1km" in ch or "path_loss_exponent" in ch:
        if "mean_gain" in ch:
            raise ScenarioError(
                "channel.mean_gain", ch["mean_gain"], "give mean_gain or a path loss, not both"
            )
        for k in ("distance_m", "path_loss_db_at_1km", "path_loss_exponent"):
            if k not in ch:
                raise ScenarioError(f"channel.{k}", None, "required with a path-loss model")
            _number(f"channel.{k}", ch[k])
        if ch["distance_m"] <= 0:
            raise ScenarioError("channel.distance_m", ch["distance_m"], "must be > 0")
        ch["mean_gain"] = path_loss_gain(
            ch.pop("distance_m"), ch.pop("path_loss_db_at_1km"), ch.pop("path_loss_exponent")
        )
    channel = ChannelConfig(
        model=_req(ch, "channel", "model"),
        bandwidth_hz=_req(ch, "channel", "bandwidth_hz"),
        tx_power_w=_req(ch, "channel", "tx_power_w"),
        noise_psd_w_per_hz=_req(ch, "channel", "noise_psd_w_per_hz"),
        states=ch.get("states", 8),
        mean_gain=ch.get("mean_gain"),
        gains=_tuple(ch, "channel", "gains"),
        probabilities=_tuple(ch, "channel", "probabilities"),
    )
    dv = data["device"]
    device = DeviceConfig(
        e_c=_req(dv, "device", "e_c"),
        tau_c=_req(dv, "device", "tau_c"),
        e_0=_req(dv, "device", "e_0"),
        payload_bits=_req(dv, "device", "payload_bits"),
    )
    ed = data["edge"]
    edge = EdgeConfig(tau_0=_req(ed, "edge", "tau_0"), tau_v1=ed.get("tau_v1", 0.0))
    tk = data["tokens"]
    sharp = _tuple(tk, "tokens", "sharpness") or (0.5, 6.0)
    if len(sharp) != 2:
        raise ScenarioError("tokens.sharpness", list(sharp), "must be [low, high]")
    tokens = TokenConfig(
        model=_req(tk, "tokens", "model"),
        types=tk.get("types", 16),
        vocab=tk.get("vocab", 64),
        seed=tk.get("seed", 0),
        sharpness=(sharp[0], sharp[1]),
        mismatch=tk.get("mismatch", 1.0),
        draft_scale=tk.get("draft_scale", 1.0),
        weights=_tuple(tk, "tokens", "weights"),
        entropies=_tuple(tk, "tokens", "entropies"),
        acceptances=_tuple(tk, "tokens", "acceptances"),
        draft_order=tk.get("draft_order", 3),
        target_order=tk.get("target_order", 5),
        calibration_rounds=tk.get("calibration_rounds", 200),
        draft=_path(tk, "draft", base),
        target=_path(tk, "target", base),
        factory=tk.get("factory", ""),
        prompts=_path(tk, "prompts", base),
        temperature=tk.get("temperature", 1.0),
        top_p=tk.get("top_p", 1.0),
    )
    ac = data["actions"]
    actions = ActionConfig(
        K_max=_req(ac, "actions", "K_max"),
        thresholds=_tuple(ac, "actions", "thresholds") or (math.inf,),
    )
    ob = data["objective"]
    objective = ObjectiveConfig(
        kind=_req(ob, "objective", "kind"),
        energy_budget_j=ob.get("energy_budget_j"),
        power_budget_w=ob.get("power_budget_w"),
    )
    co = data["control"]
    control = ControlConfig(
        V=_tuple(co, "control", "V"), Q0=co.get("Q0", 0.0), gamma=co.get("gamma", 0.2)
    )
    ve = data.get("verification", {})
    verification = VerificationConfig(
        horizon=ve.get("horizon", 2000),
        seeds=ve.get("seeds", 32),
        confidence=ve.get("confidence", 0.95),
        seed=ve.get("seed", 0),
    )
    name = data.get("name", "scenario")
    if not isinstance(name, str):
        raise ScenarioError("name", name, "must be a string")
    s = Scenario(
        name=name,
        description=str(data.get("description", "")),
        channel=channel,
        device=device,
        edge=edge,
        tokens=tokens,
        actions=actions,
        objective=objective,
        control=control,
        verification=verification,
    )
    validate(s)
    return s


def _path(table: dict[str, Any], key: str, base: Path | None) -> str:
    """A file path of the tokens section, resolved against the scenario file's folder."""
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ScenarioError(f"tokens.{key}", value, "must be a string (a path)")
    if value and base is not None and not Path(value).is_absolute():
        return str(base / value)
    return value


def _req(table: dict[str, Any], section: str, key: str) -> Any:
    if key not in table:
        raise ScenarioError(f"{section}.{key}", None, "is required")
    return table[key]


def _tuple(table: dict[str, Any], section: str, key: str) -> tuple:
    value = table.get(key, ())
    if not isinstance(value, (list, tuple)):
        raise ScenarioError(f"{section}.{key}", value, "must be a list")
    for i, v in enumerate(value):
        _number(f"{section}.{key}[{i}]", v)
    return tuple(float(v) for v in value)


def _number(field: str, v: Any) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ScenarioError(field, v, "must be a number")
