"""The packaged regression suite (SPEC §6): every case meets its guarantees, and the suite can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from planted import break_acceptance

from gelato_theory import ScenarioError
from gelato_theory.cli.main import main
from gelato_theory.verification.suite import load_suite

SUITE = Path(__file__).resolve().parents[1] / "gelato_theory" / "scenario" / "suite" / "suite.toml"


def test_every_case_meets_its_guarantees(tmp_path):
    assert main(["suite", str(SUITE), "--junit", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.xml"))) == len(load_suite(SUITE))


def test_suite_fails_on_a_broken_executor(tmp_path, monkeypatch, capsys):
    manifest = tmp_path / "suite.toml"
    manifest.write_text(
        f'[[case]]\nscenario = "{(SUITE.parent / "tight-budget.toml").as_posix()}"\n'
        'seeds = 6\nhorizon = 500\nrequire = "all"\n'
    )
    assert main(["suite", str(manifest)]) == 0
    break_acceptance(monkeypatch)
    assert main(["suite", str(manifest)]) == 1
    assert "closed_form_consistency" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[[case]]\npreset = 'default'\nrequire = ['no_such_claim']\n", "case[0].require"),
        ("[[case]]\nrequire = 'all'\n", "case[0]"),
        ("[[case]]\npreset = 'default'\ncolour = 1\n", "case[0].colour"),
        ("title = 'x'\n", "case"),
    ],
)
def test_bad_manifest_names_the_field(tmp_path, text, field):
    manifest = tmp_path / "suite.toml"
    manifest.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_suite(manifest)
    assert info.value.field == field
    assert main(["suite", str(manifest)]) == 2
