"""Figures (SPEC §7): every figure has labelled axes and its bound line; `gelato plot` writes the
files with stable names, and a failure part-way writes none."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from gelato_theory import preset
from gelato_theory.cli.main import main
from gelato_theory.plots import figures
from gelato_theory.plots.per_second import per_second_variant
from gelato_theory.plots.save import parse_formats, render
from gelato_theory.plots.traces import detail_traces
from gelato_theory.verification.engine import verify

SMALL = ["--V", "0.003,0.03", "--seeds", "3", "--horizon", "120", "--no-progress"]


@pytest.fixture(scope="module")
def reports():
    s = preset("default").replace(**{"control.V": (0.001, 0.01, 0.1)})
    report = verify(s, seeds=4, horizon=300)
    ps = verify(
        per_second_variant(s), policy_names=("gelato-exact", "gelato-running"), seeds=4, horizon=300
    )
    return report, ps


def _labels(fig: Figure) -> list[str]:
    out = []
    for ax in fig.axes:
        out += [line.get_label() for line in ax.get_lines()]
    return out


def _check_axes(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    for ax in fig.axes:
        shared = ax.get_shared_y_axes().get_siblings(ax)
        assert any(a.get_ylabel() for a in shared), "every panel has a y label (or shares one)"
        assert ax.has_data()
    assert any(ax.get_xlabel() for ax in fig.axes)
    assert any(ax.get_title() for ax in fig.axes) or fig.get_suptitle()


def test_gap_vs_V_has_B_over_V_line(reports):
    report, _ = reports
    fig = figures.gap_vs_V(report)
    _check_axes(fig)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "(J/token)" in ax.get_xlabel() and "tokens/round" in ax.get_ylabel()
    (bound,) = [ln for ln in ax.get_lines() if ln.get_label() == "Theorem 1 bound B/V"]
    x, y = bound.get_data()
    assert y[0] == pytest.approx(report.constants.B / x[0])
    (sharp,) = [ln for ln in ax.get_lines() if "B_avg/V" in ln.get_label()]
    x, y = sharp.get_data()
    assert y[0] == pytest.approx(report.constants.B_avg / x[0])
    # the regret R of the exact controller beside the gap (error-bar containers carry the label)
    assert any("regret R" in c.get_label() for c in ax.containers)


def test_backlog_vs_V_has_both_theorems_and_V_lambda(reports):
    report, _ = reports
    fig = figures.backlog_vs_V(report)
    _check_axes(fig)
    labels = " | ".join(_labels(fig))
    assert "Theorem 2" in labels and "Theorem 3" in labels and "V·λ*" in labels
    assert "coupled Theorem 3" in labels
    (band,) = [c for c in fig.axes[0].collections if "band" in c.get_label()]
    assert band.get_paths()  # the two-sided band on the mean backlog is drawn
    assert fig.axes[0].get_ylabel() == "backlog Q (J)"


def test_tradeoff_has_frontier_budget_and_optimum(reports):
    report, _ = reports
    fig = figures.tradeoff(report)
    _check_axes(fig)
    labels = " | ".join(_labels(fig))
    assert "frontier" in labels and "budget" in labels and "u*" in labels
    ax = fig.axes[0]
    assert "J/round" in ax.get_xlabel() and "tokens/round" in ax.get_ylabel()
    (budget,) = [ln for ln in ax.get_lines() if ln.get_label().startswith("budget")]
    assert budget.get_xdata()[0] == pytest.approx(report.scenario.objective.energy_budget_j)


def test_queue_trajectories_with_and_without_detail(reports):
    report, _ = reports
    fig = figures.queue_trajectories(report)
    _check_axes(fig)
    assert len(fig.axes) == 3
    assert "V·λ*" in _labels(fig)
    r = figures.trace_policy(report)
    V = [float(r.simulation.V[i]) for i in figures.trace_indices(r.simulation.V)]
    fig2 = figures.queue_trajectories(report, detail_traces(report, r.policy, V, rounds=40))
    _check_axes(fig2)
    assert len(fig2.axes) == 6


def test_per_second_throughput_has_theta_star_and_guarantee(reports):
    report, ps = reports
    fig = figures.per_second_throughput(ps)
    _check_axes(fig)
    labels = " | ".join(_labels(fig))
    assert "θ*" in labels and "guarantee" in labels
    assert fig.axes[0].get_ylabel() == "throughput (tokens/s)"
    with pytest.raises(ValueError, match="per-second"):
        figures.per_second_throughput(report)


def test_render_formats(reports):
    report, _ = reports
    fig = figures.gap_vs_V(report)
    assert render(fig, "png").startswith(b"\x89PNG")
    assert b"<svg" in render(fig, "svg")
    assert render(fig, "pdf").startswith(b"%PDF")
    assert parse_formats("png, SVG") == ("png", "svg")


def test_gelato_plot_writes_every_figure(tmp_path):
    out = tmp_path / "figs"
    assert main(["plot", *SMALL, "--out", str(out), "--format", "png,pdf"]) == 0
    want = {f"{n}.{ext}" for n in figures.NAMES for ext in ("png", "pdf")}
    assert {p.name for p in out.iterdir()} == want


def test_gelato_plot_failure_writes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "figs"
    out.mkdir()
    (out / "keep.txt").write_text("old")

    def broken(report):
        raise RuntimeError("figure failed")

    monkeypatch.setattr(figures, "tradeoff", broken)
    with pytest.raises(RuntimeError, match="figure failed"):
        main(["plot", *SMALL, "--out", str(out)])
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_gelato_plot_bad_format_exits_2(tmp_path, capsys):
    assert main(["plot", *SMALL, "--out", str(tmp_path / "x"), "--format", "gif"]) == 2
    assert "--format" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
