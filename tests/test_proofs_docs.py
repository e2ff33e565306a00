"""The committed proofs/ documents and ``gelato prove`` (SPEC §5, §7): the documents are exactly what
the obligations render to, the command regenerates them, and ``--check`` catches stale ones."""

from __future__ import annotations

from pathlib import Path

import pytest

import gelato_theory.cli.prove as prove_cli
from gelato_theory.cli.main import main
from gelato_theory.symbolic import DriftLemma
from gelato_theory.symbolic.render import INDEX, MARKER, generate_documents
from gelato_theory.symbolic.symbols import Q, y

PROOFS = Path(__file__).resolve().parents[1] / "proofs"


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    return generate_documents()


def test_committed_proofs_are_up_to_date(fresh):
    committed = {p.name for p in PROOFS.glob("*.md")}
    assert committed == set(fresh), "proofs/ is stale: run `gelato prove`"
    for name, text in fresh.items():
        assert (PROOFS / name).read_text(encoding="utf-8") == text, (
            f"proofs/{name} is stale: run `gelato prove`"
        )


def test_documents_are_complete(fresh):
    assert INDEX in fresh
    for name, text in fresh.items():
        assert text.startswith(MARKER)
        assert "T0" not in text and "20" + "26-" not in text  # no timestamps
        if name != INDEX:
            assert f"({name})" in fresh[INDEX]
            assert "**Check: passed**" in text
    assert "NOT REFUTED" not in fresh[INDEX]


def test_gelato_prove_writes_and_checks(tmp_path, capsys, fresh):
    out = tmp_path / "proofs"
    assert main(["prove", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "lemma1_drift" in printed and "FAILED" not in printed and "refuted" in printed
    assert {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.md")} == fresh
    assert not list(out.glob(".*.tmp"))

    assert main(["prove", "--out", str(out), "--check"]) == 0
    (out / "lemma1_drift.md").write_text("edited\n", encoding="utf-8")
    (out / "old_result.md").write_text(MARKER + "\n", encoding="utf-8")
    (out / "notes.md").write_text("kept: not generated\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["prove", "--out", str(out), "--check"]) == 1
    printed = capsys.readouterr().out
    assert "stale" in printed and "lemma1_drift.md" in printed and "old_result.md" in printed
    assert (out / "lemma1_drift.md").read_text(
        encoding="utf-8"
    ) == "edited\n"  # --check writes nothing


def test_gelato_prove_repairs_stale_documents(tmp_path, monkeypatch):
    monkeypatch.setattr(prove_cli, "wrong_statements", lambda: ())
    monkeypatch.setattr(prove_cli, "registry", lambda: (DriftLemma(),))
    out = tmp_path / "proofs"
    out.mkdir()
    (out / "old_result.md").write_text(MARKER + "\n", encoding="utf-8")
    (out / "notes.md").write_text("kept: not generated\n", encoding="utf-8")
    assert main(["prove", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.glob("*.md")) == ["README.md", "lemma1_drift.md", "notes.md"]
    assert main(["prove", "--out", str(out), "--check"]) == 0


def test_gelato_prove_fails_when_an_obligation_fails(tmp_path, monkeypatch, capsys):
    wrong = DriftLemma().mutant(drift_bound=y**2 / 2 - Q * y)
    monkeypatch.setattr(prove_cli, "wrong_statements", lambda: ())
    monkeypatch.setattr(prove_cli, "registry", lambda: (wrong,))
    assert main(["prove", "--out", str(tmp_path)]) == 1
    assert "FAILED lemma1_drift-mutant" in capsys.readouterr().out


def test_gelato_prove_fails_when_a_wrong_statement_is_not_refuted(tmp_path, monkeypatch, capsys):
    from gelato_theory.symbolic.registry import WrongStatement

    monkeypatch.setattr(prove_cli, "registry", lambda: ())
    monkeypatch.setattr(
        prove_cli,
        "wrong_statements",
        lambda: (WrongStatement("not_wrong", "correct", DriftLemma()),),
    )
    assert main(["prove", "--out", str(tmp_path)]) == 1
    assert "NOT REFUTED not_wrong" in capsys.readouterr().out
