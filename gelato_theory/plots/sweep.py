"""Figures of a sweep store (SPEC §1 item 2, §7 ``plot --store``): data in (the verdict frame of
:func:`gelato_theory.sweep.load_results`), matplotlib figures out.

* :func:`bound_along_axis`: a claim's measurement (point estimate and confidence interval) next to
  its bound along one sweep axis, one colour per V, the other axes held at one value;
* :func:`claim_maps`: over two axes, the tightness measured / bound of a claim (a heat map with the
  ratio written in each cell) beside where its verdict passes, fails or is inconclusive.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from gelato_theory.errors import ScenarioError
from gelato_theory.plots.style import DPI, FIGSIZE, new_figure, policy_style, styled

#: what each claim measures, with its unit, and which side of the bound it must stay on
CLAIM_AXIS = {
    "theorem1_utility": ("utility (1/T) Σ u(t), tokens/round", "lower"),
    "theorem2_backlog": ("mean backlog (1/T) Σ Q(t), J", "upper"),
    "mean_rate_stability": ("Q(T)/T, J/round", "upper"),
    "theorem3_backlog": ("largest backlog max Q(t), J", "upper"),
    "violation_identity": ("max Σ y(t) − (Q(T) − Q(0)), J", "upper"),
    "closed_form_consistency": ("executor − closed form, tokens/round", "equal"),
    "rate_throughput": ("throughput Σ N / Σ T, tokens/s", "lower"),
    "utility_scaling": ("max over V of V · gap (upper CI), J/round", "upper"),
    "backlog_scaling": ("max over V of Q̄ / V (upper CI), tokens", "upper"),
}
#: units of common sweep axes (scenario fields)
FIELD_UNITS = {
    "objective.energy_budget_j": "J/round",
    "objective.power_budget_w": "W",
    "channel.distance_m": "m",
    "channel.bandwidth_hz": "Hz",
    "channel.tx_power_w": "W",
    "channel.mean_gain": "linear",
    "device.e_c": "J/token",
    "device.tau_c": "s/token",
    "device.e_0": "J/round",
    "device.payload_bits": "bit/token",
    "edge.tau_0": "s/round",
    "edge.tau_v1": "s/token",
    "control.Q0": "J",
    "actions.K_max": "tokens",
    "tokens.mismatch": "logit std",
}
V_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:cyan"]
STATUS_COLOURS = {"pass": "#4daf4a", "inconclusive": "#ffbf00", "fail": "#e41a1c"}


def axis_label(field: str) -> str:
    unit = FIELD_UNITS.get(field)
    return f"{field} ({unit})" if unit else field


def select(
    verdicts: Any,
    claim: str,
    policy: str | None = None,
    V: float | None = None,
    fixed: dict[str, Any] | None = None,
):
    """The rows of one claim for one policy (default: the first), optionally one V and fixed axes."""
    rows = verdicts[verdicts["claim"] == claim]
    if rows.empty:
        known = sorted(set(verdicts["claim"]))
        raise ScenarioError("--claim", claim, f"has no verdicts in the store ({', '.join(known)})")
    policies = list(dict.fromkeys(rows["policy"]))
    policy = policy or policies[0]
    if policy not in policies:
        raise ScenarioError("--policy", policy, f"must be one of {', '.join(policies)}")
    rows = rows[rows["policy"] == policy]
    if V is not None and rows["V"].notna().any():
        if not np.isclose(rows["V"], V).any():
            raise ScenarioError("--V", V, f"must be one of {sorted(set(rows['V'].dropna()))}")
        rows = rows[np.isclose(rows["V"], V)]
    for field, value in (fixed or {}).items():
        rows = rows[rows[field] == value]
    return rows, policy


def _axes_of(verdicts: Any) -> list[str]:
    return list(verdicts.attrs.get("axes", []))


def _fixed_others(verdicts: Any, keep: list[str]) -> dict[str, Any]:
    """The other axes, each held at its first value."""
    return {a: verdicts[a].iloc[0] for a in _axes_of(verdicts) if a not in keep}


def _fixed_text(fixed: dict[str, Any]) -> str:
    parts = [f"{k} = {v:g} {FIELD_UNITS.get(k, '')}".strip() for k, v in fixed.items()]
    return ("other axes at " + ", ".join(parts)) if parts else ""


@styled
def bound_along_axis(
    verdicts: Any, claim: str, axis: str, policy: str | None = None, V: float | None = None
) -> Figure:
    """Measurement with its confidence interval and the bound, along ``axis``, one colour per V."""
    if axis not in _axes_of(verdicts):
        raise ScenarioError(
            "--axis", axis, f"must be a sweep axis ({', '.join(_axes_of(verdicts))})"
        )
    fixed = _fixed_others(verdicts, [axis])
    rows, policy = select(verdicts, claim, policy, V, fixed)
    label, side = CLAIM_AXIS.get(claim, (claim, "upper"))
    fig, (ax,) = new_figure(figsize=(FIGSIZE[0] * 1.45, FIGSIZE[1]))
    Vs = [None] if rows["V"].isna().all() else sorted(set(rows["V"].dropna()))
    for i, v in enumerate(Vs):
        sub = rows[rows["V"].isna()] if v is None else rows[np.isclose(rows["V"], v)]
        sub = sub.sort_values(axis)
        x = sub[axis].to_numpy(dtype=float)
        colour, marker = (
            (V_COLOURS[i % len(V_COLOURS)], "o") if len(Vs) > 1 else policy_style(policy)
        )
        tag = "" if v is None else f", V = {v:g} J/token"
        m = sub["measured"].to_numpy(dtype=float)
        err = np.vstack(
            [m - sub["low"].to_numpy(dtype=float), sub["high"].to_numpy(dtype=float) - m]
        )
        ax.errorbar(
            x, m, yerr=np.abs(err), color=colour, marker=marker, capsize=3, label=f"measured{tag}"
        )
        ax.plot(
            x,
            sub["bound"].to_numpy(dtype=float),
            color=colour,
            linestyle="--",
            linewidth=1.6,
            label=f"bound{tag}",
        )
    rel = {"lower": "measured ≥ bound", "upper": "measured ≤ bound", "equal": "measured = bound"}
    values = np.concatenate([rows["measured"], rows["bound"]]).astype(float)
    values = values[np.isfinite(values)]
    if values.size and values.min() > 0 and values.max() > 10 * values.min():
        ax.set_yscale("log")
    ax.set_xlabel(axis_label(axis))
    ax.set_ylabel(label)
    ax.set_title(
        "\n".join(
            t
            for t in (
                f"{claim} ({rel[side]}), policy {policy}",
                "bars: confidence interval across seeds; dashed: the bound",
                _fixed_text(fixed),
            )
            if t
        ),
        fontsize=11,
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@styled
def claim_maps(
    verdicts: Any,
    claim: str,
    axes: tuple[str, str],
    policy: str | None = None,
    V: float | None = None,
) -> Figure:
    """Heat map of measured / bound over two axes, beside the verdict (pass/inconclusive/fail)."""
    x_axis, y_axis = axes
    for a in axes:
        if a not in _axes_of(verdicts):
            raise ScenarioError(
                "--heatmap", a, f"must be a sweep axis ({', '.join(_axes_of(verdicts))})"
            )
    if x_axis == y_axis:
        raise ScenarioError("--heatmap", ",".join(axes), "must name two different axes")
    fixed = _fixed_others(verdicts, list(axes))
    rows, policy = select(verdicts, claim, policy, None, fixed)
    if rows["V"].notna().any():
        V = V if V is not None else float(max(rows["V"].dropna()))
        rows = rows[np.isclose(rows["V"], V)]
    xs = sorted(set(rows[x_axis]))
    ys = sorted(set(rows[y_axis]))
    ratio = np.full((len(ys), len(xs)), np.nan)
    status = np.full((len(ys), len(xs)), np.nan)
    codes = {s: i for i, s in enumerate(STATUS_COLOURS)}
    for d in rows.to_dict("records"):
        i, j = ys.index(d[y_axis]), xs.index(d[x_axis])
        b = float(d["bound"])
        ratio[i, j] = float(d["measured"]) / b if b != 0 and math.isfinite(b) else np.nan
        status[i, j] = codes[d["status"]]
    fig = Figure(figsize=(FIGSIZE[0] * 1.7, FIGSIZE[1]), dpi=DPI, layout="constrained")
    left, right = fig.subplots(1, 2)
    label, side = CLAIM_AXIS.get(claim, (claim, "upper"))
    im = left.imshow(ratio, origin="lower", aspect="auto", cmap="viridis")
    for (i, j), val in np.ndenumerate(ratio):
        if np.isfinite(val):
            left.text(j, i, f"{val:.2f}", ha="center", va="center", color="white", fontsize=10)
    bar = fig.colorbar(im, ax=left)
    holds = {"lower": "≥ 1 holds", "upper": "≤ 1 holds", "equal": "= 1 holds"}[side]
    bar.set_label(f"measured / bound ({holds})")
    cmap = ListedColormap(list(STATUS_COLOURS.values()))
    right.imshow(status, origin="lower", aspect="auto", cmap=cmap, vmin=-0.5, vmax=2.5)
    names = list(STATUS_COLOURS)
    for (i, j), val in np.ndenumerate(status):
        if np.isfinite(val):
            right.text(j, i, names[int(val)], ha="center", va="center", fontsize=10)
    for ax, title in ((left, "tightness measured / bound"), (right, "verdict")):
        ax.set_xticks(range(len(xs)), [f"{x:g}" for x in xs])
        ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
        ax.set_xlabel(axis_label(x_axis))
        ax.set_ylabel(axis_label(y_axis))
        ax.set_title(title)
        ax.grid(False)
    at = f", V = {V:g} J/token" if V is not None else ""
    other = _fixed_text(fixed)
    fig.suptitle(f"{claim}: {label}; policy {policy}{at}" + (f"\n{other}" if other else ""))
    return fig


def sweep_figures(
    verdicts: Any,
    claim: str,
    axis: str | None = None,
    heatmap: tuple[str, str] | None = None,
    policy: str | None = None,
    V: float | None = None,
) -> dict[str, Figure]:
    """The sweep's figures by file stem: the claim along ``axis`` (default: the first axis) and,
    with two or more axes, the maps over ``heatmap`` (default: the first two axes)."""
    axes = _axes_of(verdicts)
    if not axes:
        raise ScenarioError("--store", "no axes", "a sweep with at least one axis is needed")
    axis = axis or axes[0]
    figs = {
        f"sweep_{claim}_along_{_stem(axis)}": bound_along_axis(verdicts, claim, axis, policy, V)
    }
    if heatmap is None and len(axes) >= 2:
        heatmap = (axes[0], axes[1])
    if heatmap is not None:
        figs[f"sweep_{claim}_maps"] = claim_maps(verdicts, claim, heatmap, policy, V)
    return figs


def _stem(field: str) -> str:
    return field.replace(".", "_")
