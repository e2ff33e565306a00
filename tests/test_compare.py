"""`gelato compare` (SPEC §4 baselines, §7): the table's numbers are consistent with the model and
with each other; CLI exit codes and outputs."""

from __future__ import annotations

import json

import pytest

from gelato_theory import preset
from gelato_theory.cli.main import main
from gelato_theory.verification.compare import compare, to_markdown


@pytest.fixture(scope="module")
def result():
    return compare(preset("paper-like"), seeds=6, horizon=600)


def test_every_policy_has_a_row(result):
    names = [r.policy for r in result.rows]
    for want in ("gelato", "gelato-exact", "fixed-k4", "offload", "lp-oracle", "static-best"):
        assert want in names
    assert result.V == max(preset("paper-like").control.V)


def test_offload_is_one_token_and_nothing_sent(result):
    off = result.row("offload")
    assert off.tokens_per_round.mean == 1.0
    assert off.sent_tokens_per_round.mean == 0.0
    e_0 = preset("paper-like").device.e_0
    assert off.energy_per_round_j.mean == pytest.approx(e_0)
    assert off.joules_per_token.mean == pytest.approx(e_0)


def test_budget_verdicts(result):
    assert result.row("lp-oracle").meets_budget
    assert result.row("static-best").meets_budget
    assert result.row("offload").meets_budget
    assert not result.row("fixed-k4").meets_budget
    assert result.row("fixed-k4").budget_excess.low > 0.5


def test_rows_are_internally_consistent(result):
    for r in result.rows:
        for iv in (r.tokens_per_second, r.tokens_per_round, r.joules_per_token, r.power_w):
            assert iv.low <= iv.mean <= iv.high
        # J/token ~ (J/round) / (tokens/round); exact per seed, means agree to a few per cent
        assert r.joules_per_token.mean == pytest.approx(
            r.energy_per_round_j.mean / r.tokens_per_round.mean, rel=0.02
        )
        assert r.budget_excess.mean == pytest.approx(
            r.energy_per_round_j.mean / result.budget - 1, abs=1e-9
        )


def test_headline(result):
    assert result.vs_fixed.baseline == "fixed-k4" and not result.vs_fixed.baseline_meets_budget
    assert result.vs_best.baseline_meets_budget
    assert result.vs_best.baseline not in ("gelato", "gelato-exact", "lp-oracle")
    best = result.row(result.vs_best.baseline)
    assert all(
        best.tokens_per_second.mean >= r.tokens_per_second.mean
        for r in result.rows
        if r.meets_budget and r.policy not in ("gelato", "gelato-exact", "lp-oracle")
    )
    g, f = result.row("gelato"), result.row("fixed-k4")
    ratio = result.vs_fixed.energy_per_round_change.mean + 1
    assert ratio == pytest.approx(g.energy_per_round_j.mean / f.energy_per_round_j.mean, rel=0.01)
    md = to_markdown(result)
    assert "| fixed-k4 |" in md and "**no**" in md


def test_cli_writes_json_and_markdown(tmp_path, capsys):
    j, m = tmp_path / "c.json", tmp_path / "c.md"
    args = ["compare", "--preset", "paper-like", "--V", "0.03", "--seeds", "3", "--horizon", "150"]
    assert main([*args, "--no-progress", "--json", str(j), "--markdown", str(m)]) == 0
    data = json.loads(j.read_text())
    assert data["schema"] == "gelato-compare/1" and data["V"] == 0.03
    assert {r["policy"] for r in data["rows"]} >= {"gelato", "offload", "fixed-k4"}
    assert m.read_text().startswith("### GELATO vs baselines")
    assert "| gelato |" in capsys.readouterr().out


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path):
    j = tmp_path / "c.json"
    assert main(["compare", "--preset", "no-such-preset", "--json", str(j)]) == 2
    assert main(["compare", "--V", "-1", "--seeds", "3", "--json", str(j)]) == 2
    assert not j.exists()
