"""The bound-vs-empirical figures (SPEC §1 item 2, §5, §6): one function per figure.

Each function takes a :class:`~gelato_theory.verification.engine.VerificationReport` and returns a
matplotlib :class:`~matplotlib.figure.Figure`; nothing is written here (see :mod:`.save`). Error
bars are two-sided Student-t confidence intervals across seeds at the report's confidence level.

* :func:`gap_vs_V` — u* - u_bar and the regret R against Theorem 1's B/V and its sharp form
  B_avg/V (log-log);
* :func:`backlog_vs_V` — mean and max backlog against Theorems 2 and 3, the coupled Theorem 3, the
  two-sided band (SPEC §5.1) and V lambda*;
* :func:`tradeoff` — measured (energy/round, tokens/round) per V against the exact Pareto frontier;
* :func:`queue_trajectories` — Q(t) for a few V with V lambda* and Theorem 3 as references;
* :func:`per_second_throughput` — tokens/s per V against theta* and theta* - B / (V t_min).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats as sps

from gelato_theory.exact.bounds import bounds_at
from gelato_theory.exact.dual import frontier
from gelato_theory.exact.optimum import ratio_optimum
from gelato_theory.plots.style import BOUND, DPI, REFERENCE, new_figure, policy_style, styled
from gelato_theory.simulation.simulator import Simulation
from gelato_theory.verification.engine import PolicyResult, VerificationReport
from gelato_theory.verification.stats import estimate

#: stable file names of the figures, in the order they are made
#: the whole-horizon queue panel shows the range of Q over windows of this many trace samples, so
#: that sampling every few rounds cannot alias fast round-to-round oscillations into slow waves
WINDOW_SAMPLES = 10

NAMES = ("gap_vs_V", "backlog_vs_V", "tradeoff", "queue_trajectories", "per_second_throughput")


def _level(report: VerificationReport) -> float:
    return float(report.settings.get("confidence", report.scenario.verification.confidence))


def _intervals(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-V mean and two-sided half-width of (n_V, S) per-trajectory values."""
    est = [estimate(v, level, two_sided=True) for v in values]
    mean = np.array([e.mean for e in est])
    hw = np.array([e.half_width if math.isfinite(e.half_width) else 0.0 for e in est])
    return mean, hw


def _V(report: VerificationReport) -> np.ndarray:
    return np.array([b.V for b in report.bounds], dtype=float)


def _V_dense(V: np.ndarray, n: int = 60) -> np.ndarray:
    lo, hi = float(V.min()), float(V.max())
    return np.geomspace(lo / 1.6, hi * 1.6, n)


def _jitter(i: int, n: int, spread: float = 0.06) -> float:
    """Multiplicative x offset so that error bars of several policies do not overlap on log axes."""
    return float(np.exp(spread * (i - (n - 1) / 2)))


def _V_label(report: VerificationReport) -> str:
    return "V (J/token)"


def _utility_unit(report: VerificationReport) -> str:
    if report.problem.kind == "per_round":
        return "tokens/round"
    return "tokens/round, utility N − θ*T"


def _title(ax: Axes, text: str, report: VerificationReport) -> None:
    st = report.settings
    ax.set_title(
        f"{text}\nscenario {report.scenario.name}: {st.get('seeds')} seeds × "
        f"{st.get('horizon')} rounds, {100 * _level(report):g} % CI"
    )


@styled
def gap_vs_V(report: VerificationReport) -> Figure:
    """Utility gap u* - u_bar (tokens/round) vs V (J/token) on log-log axes, with Theorem 1's B/V.

    A gap whose confidence interval reaches 0 is not resolved from 0 by the seeds: it is drawn as a
    downward triangle at the upper confidence limit (the true gap is below it). A gap significantly
    below 0 (finite-horizon utility above u*, possible while the queue fills) is drawn as a cross at
    the interval half-width, the noise floor, and labelled with its value.
    """
    c = report.constants
    V = _V(report)
    T = int(report.settings.get("horizon", report.bounds[0].T))
    level = _level(report)
    fig, (ax,) = new_figure(figsize=(8.0, 6.4))
    Vd = _V_dense(V)
    ax.plot(Vd, c.B / Vd + c.L0 / (Vd * T), label="Theorem 1 bound B/V", **BOUND)
    ax.plot(
        Vd,
        c.B_avg / Vd + c.L0 / (Vd * T),
        label="sharp Theorem 1: B_avg/V",
        color="black",
        lw=1.2,
        ls=(0, (6, 2)),
    )
    floor_all: list[float] = []
    hw_all: list[float] = []
    n = len(report.results)
    below_drawn = neg_drawn = False
    for i, r in enumerate(report.results):
        col, mk = policy_style(r.policy, i)
        mean_u, hw = _intervals(r.simulation.mean_u, level)
        gap = c.u_star - mean_u
        x = V * _jitter(i, n)
        ok = gap - hw > 0
        below = ~ok & (gap + hw > 0)
        neg = gap + hw <= 0
        floor_all.extend(hw[hw > 0])
        hw_all.extend(hw[hw > 0])
        floor_all.extend((gap - hw)[ok])
        ax.errorbar(
            x[ok],
            gap[ok],
            yerr=hw[ok],
            fmt=mk,
            color=col,
            ms=6,
            capsize=3,
            lw=1.2,
            label=f"{r.policy}: gap ± CI",
        )
        ax.plot(x[below], (gap + hw)[below], "v", color=col, ms=8, mfc="none", mew=1.5)
        below_drawn |= bool(below.any())
        for xv, g, h in zip(x[neg], gap[neg], hw[neg], strict=True):
            ax.plot([xv], [h], "x", color=col, ms=9, mew=2)
            ax.annotate(
                f"{g:.2g}",
                (xv, h),
                xytext=(4, -12),
                textcoords="offset points",
                color=col,
                fontsize=9,
            )
            neg_drawn = True
        regret = np.array([d["regret"] for d in r.diagnostics])
        if np.isfinite(regret).all():  # menu decisions: the regret R, low-variance, >= 0
            sd = np.array([d["regret_sd"] for d in r.diagnostics])
            S = r.simulation.mean_u.shape[1]
            r_hw = sps.t.ppf((1 + level) / 2, S - 1) * sd / math.sqrt(S)
            shown = regret > 0
            ax.errorbar(
                x[shown],
                regret[shown],
                yerr=r_hw[shown],
                fmt="s",
                mfc="none",
                color=col,
                ms=6,
                capsize=3,
                lw=1.0,
                label=f"{r.policy}: regret R ± CI",
            )
            floor_all.extend(regret[shown])
    handles, labels = ax.get_legend_handles_labels()
    if below_drawn:
        handles.append(Line2D([], [], ls="", marker="v", mfc="none", mec="0.2", ms=8, mew=1.5))
        labels.append("gap not resolved from 0:\nupper confidence limit")
    if neg_drawn:
        handles.append(Line2D([], [], ls="", marker="x", color="0.2", ms=9, mew=2))
        labels.append("gap < 0 beyond noise:\ndrawn at the noise floor")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if hw_all:
        ax.set_ylim(bottom=max(min(floor_all) / 2, min(hw_all) / 30))
    ax.set_xlabel(_V_label(report))
    ax.set_ylabel(f"gap u* − ū ({_utility_unit(report)})")
    _title(ax, f"Utility gap vs V (u* = {c.u_star:.4g})", report)
    fig.legend(handles, labels, loc="outside lower center", ncols=2)
    return fig


@styled
def backlog_vs_V(report: VerificationReport) -> Figure:
    """Mean backlog (1/T) sum Q(t) and max backlog (J) vs V with Theorems 2 and 3 and V lambda*."""
    c = report.constants
    V = _V(report)
    T = report.bounds[0].T
    level = _level(report)
    fig, (ax,) = new_figure(figsize=(8.0, 6.4))
    Vd = _V_dense(V)
    dense = [bounds_at(c, v, T, report.problem) for v in Vd]
    thm2 = np.array([b.backlog_bound for b in dense])
    thm2_lp = np.array([b.backlog_bound_lp for b in dense])
    thm3 = np.array([b.deterministic_backlog_bound for b in dense])
    ax.plot(Vd, thm2, label="Theorem 2 bound on mean backlog", **BOUND)
    if np.any(thm2_lp < thm2 * 0.98):
        ax.plot(Vd, thm2_lp, label="Theorem 2, LP-tightened", color="black", lw=1.2, ls=(0, (6, 2)))
    if np.all(np.isfinite(thm3)):
        ax.plot(Vd, thm3, label="Theorem 3 bound on every Q(t)", color="black", lw=1.4, ls="-.")
    else:
        ax.plot([], [], " ", label="Theorem 3: not applicable here")
    coupled = np.array([b.coupled_backlog_bound for b in dense])
    if np.all(np.isfinite(coupled)):
        ax.plot(Vd, coupled, label="coupled Theorem 3 on every Q(t)", color="0.35", lw=1.2, ls=":")
    low = np.array([b.band_low for b in dense])
    high = np.array([b.band_high for b in dense])
    # the band's lower end is drawn down to the axis where it is <= 0 (no lower bound there)
    measured = np.concatenate([r.simulation.mean_Q.mean(axis=1) for r in report.results])
    positive = measured[measured > 0]
    bottom = float(positive.min()) / 3 if positive.size else 1e-3
    if np.any(np.isfinite(high)):
        ax.fill_between(
            Vd,
            np.maximum(low, bottom),
            np.where(np.isfinite(high), high, np.nan),
            color="tab:green",
            alpha=0.18,
            lw=0,
            label="two-sided band on mean backlog (exact DPP)",
        )
    ax.plot(Vd, Vd * c.lambda_star, label=f"V·λ*  (λ* = {c.lambda_star:.3g} tokens/J)", **REFERENCE)
    n = len(report.results)
    for i, r in enumerate(report.results):
        col, mk = policy_style(r.policy, i)
        sim = r.simulation
        mean_q, hw = _intervals(sim.mean_Q, level)
        x = V * _jitter(i, n)
        ax.errorbar(
            x,
            mean_q,
            yerr=hw,
            fmt=mk,
            color=col,
            ms=6,
            capsize=3,
            label=f"{r.policy}: mean backlog ± CI",
        )
        ax.plot(
            x,
            sim.max_Q.max(axis=1),
            "^",
            color=col,
            mfc="none",
            ms=8,
            mew=1.5,
            label=f"{r.policy}: max backlog",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(bottom=bottom)
    ax.set_xlabel(_V_label(report))
    ax.set_ylabel("backlog Q (J)")
    _title(ax, "Energy-queue backlog vs V", report)
    fig.legend(loc="outside lower center", ncols=2)
    return fig


def _energy_frontier(report: VerificationReport) -> tuple[np.ndarray, np.ndarray]:
    """Exact Pareto frontier (energy J/round, tokens/round) of stationary omega-only policies."""
    p = report.problem
    if p.kind == "per_round":
        f = frontier(p)
        return f.cost + report.scenario.objective.energy_budget_j, f.utility
    f = frontier(dataclasses.replace(p, u=p.stats.N, y=p.stats.E))
    return f.cost, f.utility


def _near_optimum(E: np.ndarray, N: np.ndarray, E0: float, N0: float, xr: float, yr: float):
    """Mask of measured points within 6 % of the axis ranges of the optimum point."""
    return (np.abs(E - E0) < 0.06 * xr) & (np.abs(N - N0) < 0.06 * yr)


@styled
def tradeoff(report: VerificationReport) -> Figure:
    """Measured tokens/round vs energy/round (J) per V, against the exact optimal frontier.

    The frontier joins the vertices of :func:`gelato_theory.exact.dual.frontier`; randomizing between
    neighbouring vertices realizes every point on the segments. Per-round objective: the optimum u* at
    E_bar and the budget E_bar are marked. Per-second: the theta* policy's point is marked. When
    several V land next to the optimum, a second panel zooms in on them.
    """
    obj = report.scenario.objective
    level = _level(report)
    V = _V(report)
    E_f, N_f = _energy_frontier(report)
    if obj.kind == "per_round":
        E0, N0 = obj.budget, report.constants.u_star
        star_label = f"optimum u* = {N0:.3f} tokens/round"
    else:
        p = report.problem
        w = p.pi[:, None] * ratio_optimum(p).policy
        E0, N0 = float((w * p.stats.E).sum()), float((w * p.stats.N).sum())
        star_label = f"θ* policy (power budget P̄ = {obj.power_budget_w:.3g} W)"
    points = []
    for i, r in enumerate(report.results):
        E, hE = _intervals(r.simulation.mean_E, level)
        N, hN = _intervals(r.simulation.mean_N, level)
        points.append((r.policy, i, E, hE, N, hN))
    allE = np.concatenate([E_f] + [p[2] for p in points])
    allN = np.concatenate([N_f] + [p[4] for p in points])
    xr, yr = float(np.ptp(allE)) or 1.0, float(np.ptp(allN)) or 1.0
    near = [_near_optimum(p[2], p[4], E0, N0, xr, yr) for p in points]
    zoom = sum(int(m.sum()) for m in near[:1]) >= 2
    fig = Figure(figsize=(11.0 if zoom else 7.0, 5.6), dpi=DPI, layout="constrained")
    grid = fig.subplots(1, 2 if zoom else 1, squeeze=False, width_ratios=[1.5, 1] if zoom else None)
    axes = list(grid[0])

    frontier_label = "exact optimal frontier (stationary policies)"
    if obj.kind == "per_second":
        frontier_label = "max tokens/round per energy (stationary policies)"

    def draw(ax: Axes, label_mask: list[np.ndarray], stacked: bool) -> None:
        ax.plot(
            E_f,
            N_f,
            "-",
            color="black",
            lw=1.4,
            marker=".",
            ms=5,
            label=frontier_label,
        )
        if obj.kind == "per_round":
            ax.axvline(E0, label=f"budget Ē = {E0:g} J/round", **REFERENCE)
        ax.plot([E0], [N0], "*", color="gold", mec="black", ms=16, zorder=5, label=star_label)
        for (name, i, E, hE, N, hN), mask in zip(points, label_mask, strict=True):
            col, mk = policy_style(name, i)
            ax.errorbar(
                E,
                N,
                xerr=hE,
                yerr=hN,
                fmt=mk + "-",
                color=col,
                ms=6,
                capsize=3,
                lw=1,
                alpha=0.9,
                label=f"{name}: measured, one point per V",
            )
            if i == 0:
                for k, j in enumerate(np.flatnonzero(mask)):
                    if stacked:  # text in a column, arrows to the points: no overlap when close
                        pos, coords = (0.72, 0.93 - 0.08 * k), "axes fraction"
                    else:
                        pos, coords = (8, 6 if j % 2 == 0 else -14), "offset points"
                    ax.annotate(
                        f"V={V[j]:g}",
                        (E[j], N[j]),
                        xytext=pos,
                        textcoords=coords,
                        fontsize=9,
                        color="0.15",
                        arrowprops={"arrowstyle": "->", "color": "0.4", "lw": 0.8}
                        if stacked
                        else None,
                    )
        ax.set_xlabel("mean device energy per round (J/round)")
        ax.set_ylabel("mean tokens per round (tokens/round)")

    main = axes[0]
    draw(main, [~m if zoom else np.ones_like(m) for m in near], False)
    _title(main, "Throughput–energy trade-off as V varies", report)
    if zoom:
        ax = axes[1]
        draw(ax, near, True)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        zE = np.concatenate([[E0]] + [p[2][m] for p, m in zip(points, near, strict=True)])
        zN = np.concatenate([[N0]] + [p[4][m] for p, m in zip(points, near, strict=True)])
        hx = max(float(np.ptp(zE)), 0.004 * xr) * 0.9
        hy = max(float(np.ptp(zN)), 0.004 * yr) * 0.9
        x0, x1 = zE.min() - hx, zE.max() + hx
        y0, y1 = zN.min() - hy, zN.max() + hy
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title("zoom on the optimum (grey box)")
        main.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="0.4", lw=1.2))
    main.legend(loc="lower right")
    return fig


def trace_indices(V: np.ndarray, n_V: int = 3) -> list[int]:
    """Indices of up to ``n_V`` values of V spread over the grid (first, middle, last)."""
    return sorted(set(np.linspace(0, V.size - 1, min(n_V, V.size)).round().astype(int).tolist()))


def trace_policy(report: VerificationReport, policy: str | None = None) -> PolicyResult:
    """The result whose queue traces are drawn: ``policy``, else 'gelato', else the first traced."""
    have = [r for r in report.results if r.simulation.trace_Q is not None]
    if not have:
        raise ValueError("the report has no queue traces (simulate with trace_every > 0)")
    for want in (policy, "gelato"):
        for r in have:
            if r.policy == want:
                return r
    if policy is not None:
        raise ValueError(f"policy {policy!r} has no traces in the report")
    return have[0]


@styled
def queue_trajectories(
    report: VerificationReport,
    detail: Simulation | None = None,
    policy: str | None = None,
    n_V: int = 3,
) -> Figure:
    """Q(t) (J) against round t for up to ``n_V`` values of V, one row per V.

    Left: the whole horizon. The band is the range of the report's traces (sampled every few rounds)
    over all seeds and windows of :data:`WINDOW_SAMPLES` samples (a sampled curve could alias fast
    oscillations into slow waves); the time-average backlog and the largest Q(t) come from every
    round. References: V lambda* (dashed) and the Theorem 3 bound (dash-dot).
    Right (when ``detail`` is given, see :func:`gelato_theory.plots.traces.detail_traces`): the first
    rounds of a few seeds at full resolution, where the round-to-round dynamics are visible.
    """
    r = trace_policy(report, policy)
    sim = r.simulation
    assert sim.trace_Q is not None  # verify() records traces (trace_every >= 1)
    V = sim.V
    idx = trace_indices(V, n_V)
    c = report.constants
    cols = 2 if detail is not None else 1
    fig = Figure(
        figsize=(11.0 if cols == 2 else 7.0, 2.5 + 2.1 * len(idx)), dpi=DPI, layout="constrained"
    )
    grid = fig.subplots(
        len(idx),
        cols,
        squeeze=False,
        sharey="row",
        sharex="col",
        width_ratios=[2.2, 1] if cols == 2 else None,
    )
    col, _ = policy_style(r.policy)
    t = sim.trace_t
    step = int(t[1] - t[0]) if t.size > 1 else 1
    for row, i in enumerate(idx):
        ax = grid[row, 0]
        traces = sim.trace_Q[i]
        w = min(WINDOW_SAMPLES, t.size)
        lo = sliding_window_view(traces.min(axis=0), w).min(axis=1)
        hi = sliding_window_view(traces.max(axis=0), w).max(axis=1)
        t_mid = t[(w - 1) // 2 : (w - 1) // 2 + lo.size]
        ax.fill_between(
            t_mid,
            lo,
            hi,
            color=col,
            alpha=0.25,
            lw=0,
            label=f"range: {traces.shape[0]} seeds, {w * step}-round windows",
        )
        ax.axhline(
            sim.mean_Q[i].mean(), color=col, lw=2.0, label="time-average backlog (every round)"
        )
        ax.axhline(
            sim.max_Q[i].max(),
            color=col,
            lw=1.2,
            ls=":",
            label="largest Q(t), any path (every round)",
        )
        refs = [(ax, V[i])]
        if detail is not None:
            assert detail.trace_Q is not None  # detail_traces runs with trace_every = 1
            j = int(np.flatnonzero(np.isclose(detail.V, V[i]))[0])
            dax = grid[row, 1]
            for s in range(detail.trace_Q.shape[1]):
                dax.plot(
                    detail.trace_t,
                    detail.trace_Q[j, s],
                    lw=1.0,
                    drawstyle="steps-post",
                    label=f"seed {s}",
                )
            refs.append((dax, V[i]))
        for a, v in refs:
            a.axhline(v * c.lambda_star, label="V·λ*", **REFERENCE)
            det = report.bounds[i].deterministic_backlog_bound
            if math.isfinite(det):
                a.axhline(det, color="black", lw=1.2, ls="-.", label="Theorem 3 bound")
        ax.set_ylim(bottom=0)
        ax.set_ylabel("Q(t) (J)")
        ax.text(
            0.01,
            0.95,
            f"V = {V[i]:g} J/token",
            transform=ax.transAxes,
            va="top",
            fontsize=10,
            bbox={"fc": "white", "ec": "0.7", "alpha": 0.9},
        )
    grid[0, 0].set_title(f"whole horizon, sampled every {step} rounds")
    grid[-1, 0].set_xlabel("round t")
    handles: dict[str, Artist] = {}
    for ax in grid[0]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    if detail is not None:
        grid[0, 1].set_title(f"first {detail.horizon} rounds, every round")
        grid[-1, 1].set_xlabel("round t")
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncols=4)
    fig.suptitle(
        f"Energy-queue trajectories Q(t), policy {r.policy}, scenario {report.scenario.name}"
    )
    return fig


@styled
def per_second_throughput(report: VerificationReport) -> Figure:
    """Realized tokens/s (sum N / sum T per trajectory) vs V against theta* and the guarantee
    theta* - B / (V t_min) of the per-second objective (SPEC §4). Needs a per-second report."""
    c = report.constants
    if report.problem.kind != "per_second" or c.theta_star is None:
        raise ValueError("per_second_throughput needs a report of a per-second scenario")
    V = _V(report)
    level = _level(report)
    fig, (ax,) = new_figure(figsize=(7.0, 6.0))
    Vd = np.geomspace(V.min() / 1.6, V.max() * 3, 200)
    ratio = c.theta_star - c.B / (Vd * c.t_min)
    ax.axhline(c.theta_star, label=f"optimum θ* = {c.theta_star:.3g} tokens/s", **REFERENCE)
    ax.plot(Vd, ratio, label="guarantee θ* − B/(V·t_min)", **BOUND)
    lows = []
    n = len(report.results)
    for i, r in enumerate(report.results):
        col, mk = policy_style(r.policy, i)
        tps, hw = _intervals(r.simulation.throughput, level)
        lows.append(float((tps - hw).min()))
        ax.errorbar(
            V * _jitter(i, n),
            tps,
            yerr=hw,
            fmt=mk + "-",
            color=col,
            ms=6,
            capsize=3,
            lw=1,
            label=f"{r.policy}: ΣN/ΣT ± CI",
        )
    at_grid_max = c.theta_star - c.B / (V.max() * c.t_min)
    lo = min(min(lows), at_grid_max)
    bottom = max(0.0, lo - 0.1 * (c.theta_star - lo))
    top = c.theta_star + 0.06 * (c.theta_star - bottom)
    ax.set_ylim(bottom, top)
    hidden = Vd[ratio < bottom]
    if hidden.size:
        ax.annotate(
            f"guarantee below the axis\n(< {bottom:.3g} tokens/s) for V < {hidden.max():.2g}",
            (hidden.max(), bottom),
            xytext=(-150, 30),
            textcoords="offset points",
            fontsize=9,
            arrowprops={"arrowstyle": "->", "color": "0.3"},
        )
    ax.set_xscale("log")
    ax.set_xlabel(_V_label(report))
    ax.set_ylabel("throughput (tokens/s)")
    obj = report.scenario.objective
    _title(ax, f"Tokens per second vs V, power budget P̄ = {obj.power_budget_w:.3g} W", report)
    fig.legend(loc="outside lower center", ncols=2)
    return fig


def all_figures(
    report: VerificationReport,
    per_second: VerificationReport | None = None,
    detail: Simulation | None = None,
) -> dict[str, Figure]:
    """Every figure by its stable name (see :data:`NAMES`). ``per_second`` is the report for the
    tokens/s figure (default: ``report``, which must then be per-second); ``detail`` the
    full-resolution traces of :func:`queue_trajectories`."""
    return {
        "gap_vs_V": gap_vs_V(report),
        "backlog_vs_V": backlog_vs_V(report),
        "tradeoff": tradeoff(report),
        "queue_trajectories": queue_trajectories(report, detail),
        "per_second_throughput": per_second_throughput(per_second or report),
    }
