"""The command line around the work (SPEC §7): fast help, logging flags, progress, safe defaults."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from gelato_theory.cli.main import SUBCOMMANDS, main

HEAVY = ("numpy", "scipy", "sympy", "cvxpy", "matplotlib", "numba", "dask", "torch", "tqdm")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", ["", *SUBCOMMANDS])
def test_help_imports_nothing_heavy(command):
    code = (
        "import sys\n"
        "from gelato_theory.cli.main import main\n"
        f"try:\n    main({[command, '--help'] if command else ['--help']!r})\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    assert out.strip().splitlines()[-1] == "[]", out
    assert "usage: gelato" in out


def test_help_defaults_match_the_modules_they_stand_for():
    from gelato_theory.cli import common, plot
    from gelato_theory.plots.save import DEFAULT_FORMATS
    from gelato_theory.verification.engine import DEFAULT_POLICIES

    assert common.DEFAULT_POLICIES == tuple(DEFAULT_POLICIES)
    assert plot.DEFAULT_FORMATS == tuple(DEFAULT_FORMATS)
    from gelato_theory.cli import check_policy
    from gelato_theory.control import checker

    assert (check_policy.BATCH, check_policy.ROUNDS) == (checker.BATCH, checker.ROUNDS)


def test_preset_help_lists_the_names(capsys):
    with pytest.raises(SystemExit):
        main(["bounds", "--help"])
    out = capsys.readouterr().out
    assert "default, exit-heavy, paper-like" in out and "--quiet" in out and "--verbose" in out


def test_quiet_and_verbose_set_the_log_level(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["bounds", "--quiet", "--json", str(out)]) == 0
    assert "wrote" not in capsys.readouterr().out
    assert logging.getLogger("gelato_theory").level == logging.WARNING
    assert main(["bounds", "--verbose", "--json", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert logging.getLogger("gelato_theory").level == logging.DEBUG


def test_default_output_folders_never_hold_old_files(tmp_path):
    from gelato_theory.cli.plot import fresh_folder

    base = tmp_path / "gelato-figures"
    assert fresh_folder(str(base)) == base  # missing: used
    base.mkdir()
    assert fresh_folder(str(base)) == base  # empty: used
    (base / "mine.png").write_text("user's file")
    assert fresh_folder(str(base)) == tmp_path / "gelato-figures-2"
    (tmp_path / "gelato-figures-2").write_text("a file, not a folder")
    assert fresh_folder(str(base)) == tmp_path / "gelato-figures-3"


def test_suite_default_is_the_packaged_manifest(tmp_path, monkeypatch):
    from gelato_theory.cli.suite import default_manifest
    from gelato_theory.verification.suite import load_suite

    monkeypatch.chdir(tmp_path)  # any folder
    assert Path(default_manifest()).is_file()
    assert len(load_suite(default_manifest())) >= 6


def test_progress_logs_a_line_every_few_seconds_without_a_terminal(caplog):
    from gelato_theory.progress import RunProgress

    bar = RunProgress(2, rounds=5, every=0.0, tty=False)
    with caplog.at_level(logging.INFO, logger="gelato_theory"):
        assert list(bar.track(range(5), "gelato-exact")) == list(range(5))
        assert list(bar.track(range(5), "gelato")) == list(range(5))
    lines = [r.getMessage() for r in caplog.records]
    assert "policy 1 of 2 (gelato-exact): 1/10 rounds" in lines[0]
    assert "policy 2 of 2 (gelato): 10/10 rounds" in lines[-1] and "left" in lines[-1]
    quiet = RunProgress(2, rounds=5, every=3600.0, tty=False)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="gelato_theory"):
        list(quiet.track(range(5), "gelato"))
    assert caplog.records == []  # nothing before the interval has passed


def test_compare_calibrates_an_ngram_scenario(tmp_path, capsys):
    manifest = Path(__import__("gelato_theory.scenario.suite").scenario.suite.__file__).parent
    args = ["compare", "--scenario", str(manifest / "ngram-real-text.toml"), "--seeds", "3"]
    assert main([*args, "--horizon", "60", "--no-progress"]) == 0
    assert "gelato" in capsys.readouterr().out


TABLE_SCENARIO = """
name = "table-types"
[channel]
model = "table"
bandwidth_hz = 1e7
tx_power_w = 0.2
noise_psd_w_per_hz = 3.98e-20
gains = [1e-11, 1e-10]
probabilities = [0.5, 0.5]
[device]
e_c = 0.01
tau_c = 0.01
e_0 = 0.01
payload_bits = 1024
[edge]
tau_0 = 0.05
[tokens]
model = "table"
weights = [0.5, 0.5]
entropies = [0.5, 2.0]
acceptances = [0.9, 0.3]
[actions]
K_max = 6
thresholds = [1.0, inf]
[objective]
kind = "per_round"
energy_budget_j = 0.05
[control]
V = [0.01, 0.1]
"""


def test_table_token_model_runs_end_to_end(tmp_path, capsys):
    from gelato_theory.scenario import load_scenario
    from gelato_theory.scenario.token_types import acceptance, token_types

    f = tmp_path / "gelato_table.toml"
    f.write_text(TABLE_SCENARIO)
    t = token_types(load_scenario(f).tokens)  # realized (p, q): acceptance is exactly beta
    assert acceptance(t.p, t.q) == pytest.approx([0.9, 0.3], abs=1e-12)
    assert main(["bounds", "--scenario", str(f)]) == 0
    args = ["verify", "--scenario", str(f), "--seeds", "4", "--horizon", "300", "--no-progress"]
    assert main(args) == 0  # closed_form_consistency: the executor matches the table's model
    assert "closed_form_consistency" in capsys.readouterr().out


def test_prove_check_reports_missing_documents_and_a_summary(tmp_path, capsys):
    assert main(["prove", "--out", str(tmp_path / "none"), "--check"]) == 1
    out = capsys.readouterr().out
    assert "missing:" in out and "stale:" not in out
    assert "document(s) missing" in out and "obligations hold" in out
