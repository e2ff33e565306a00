"""Bad input to the executor and the model pairs (SPEC §8): the message names the field and rule."""

from __future__ import annotations

import numpy as np
import pytest

from gelato_theory import preset
from gelato_theory.errors import ExecutorInputError, GelatoError
from gelato_theory.executor.ngram import NgramPair, corpus, ngram_pair
from gelato_theory.executor.rounds import Executor
from gelato_theory.executor.stopping import FixedThreshold
from gelato_theory.executor.synthetic import SyntheticPair
from gelato_theory.scenario.token_types import TokenTypes


def test_draft_and_target_vocabularies_must_match():
    p = np.full((2, 4), 0.25)
    q = np.full((2, 5), 0.2)
    t = TokenTypes(w=np.array([0.5, 0.5]), H=np.zeros(2), beta=np.ones(2), p=p, q=q)
    with pytest.raises(
        ExecutorInputError, match=r"q = \(2, 5\): draft and target must share one vocabulary"
    ):
        SyntheticPair(t)
    pair = ngram_pair(2, 3)
    small = type(pair.draft)(pair.corpus.train[:1000] % 7, 7, 2)
    with pytest.raises(ExecutorInputError, match="draft.vocab_size = 7: must equal"):
        NgramPair(corpus(), small, pair.target)


def test_executor_arguments_are_checked():
    ex = Executor(preset("default"))
    U = np.zeros((2, ex.width))
    rule = FixedThreshold(np.inf)
    with pytest.raises(ExecutorInputError, match="K = "):
        ex.run_round(np.zeros(2, int), np.array([1, ex.K_max + 1]), rule, U)
    with pytest.raises(ExecutorInputError, match="uniforms"):
        ex.run_round(np.zeros(2, int), np.array([1, 1]), rule, U[:, :3])
    with pytest.raises(ExecutorInputError, match="m = "):
        ex.run_round(np.array([0, 99]), np.array([1, 1]), rule, U)
    with pytest.raises(GelatoError, match="mode"):
        Executor(preset("default"), mode="lenient")


def test_infeasible_message_states_the_true_minimum_energy():
    from gelato_theory import InfeasibleScenarioError
    from gelato_theory.exact.optimum import require_slack
    from gelato_theory.exact.problem import build_problem

    s = preset("default").replace(**{"objective.energy_budget_j": 0.01})
    problem = build_problem(s)
    for scenario in (s, None):  # with or without the scenario at hand
        with pytest.raises(InfeasibleScenarioError, match=r"minimum expected round energy 0.02 J"):
            require_slack(problem, scenario)


# ---------------------------------------------------------------- the CLI on bad input (SPEC §8)
#
# One row per class of bad input: exit 2, one line on stderr naming the field, its value and the
# rule, and nothing written (every output path is checked before the run).

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from importlib import resources  # noqa: E402
from pathlib import Path  # noqa: E402

from gelato_theory.atomic import write_all  # noqa: E402
from gelato_theory.cli.main import main  # noqa: E402

DEFAULT_TOML = (
    resources.files("gelato_theory.scenario.presets").joinpath("default.toml").read_text()
)


def _toml_with(section: str, key: str, value, **more) -> str:
    """The default preset with a field replaced, and more in ``section`` (TOML text)."""
    doc = tomllib.loads(DEFAULT_TOML)
    doc[section][key] = value
    doc[section].update(more)
    lines = []
    for k, v in doc.items():
        if not isinstance(v, dict):
            lines.append(f"{k} = {_lit(v)}")
    for sec, table in doc.items():
        if isinstance(table, dict):
            lines.append(f"[{sec}]")
            lines += [f"{k} = {_lit(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _lit(v) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v == float("inf"):
        return "inf"
    if isinstance(v, list):
        return "[" + ", ".join(_lit(x) for x in v) + "]"
    return repr(v)


SCENARIO_FILES = {  # class -> (file bytes, text the one-line message must contain)
    "binary garbage": (bytes(range(128, 256)) * 2, "must be UTF-8"),
    "latin-1": (
        DEFAULT_TOML.replace('name = "default"', 'name = "café"').encode("latin-1"),
        "0xe9",
    ),
    "utf-8 BOM": (b"\xef\xbb\xbf" + DEFAULT_TOML.encode(), "byte-order mark"),
    "K_max = 1e6": (_toml_with("actions", "K_max", 1_000_000).encode(), "actions.K_max"),
    "types = 1e8": (_toml_with("tokens", "types", 100_000_000).encode(), "tokens.types"),
    "vocab = 1e8": (_toml_with("tokens", "vocab", 100_000_000).encode(), "tokens.vocab"),
    "states = 1e7": (_toml_with("channel", "states", 10_000_000).encode(), "channel.states"),
    "states = 1e5": (_toml_with("channel", "states", 100_000).encode(), "channel.states"),
    "seeds = 1e8": (
        _toml_with("verification", "seeds", 100_000_000).encode(),
        "verification.seeds",
    ),
    "horizon = 1e12": (
        _toml_with("verification", "horizon", 10**12).encode(),
        "verification.horizon",
    ),
    "work = seeds x V x horizon": (
        _toml_with("verification", "horizon", 1_000_000, seeds=100_000).encode(),
        "trajectory-rounds",
    ),
    "V grid of 2000": (
        _toml_with("control", "V", [0.001 * (i + 1) for i in range(2000)]).encode(),
        "len(control.V)",
    ),
    "bandwidth_hz = 1e-300": (_toml_with("channel", "bandwidth_hz", 1e-300).encode(), "e_tx"),
    "Q0 = 1e300": (_toml_with("control", "Q0", 1e300).encode(), "control.Q0"),
    "n-gram order 12": (
        (
            _toml_with("tokens", "model", "ngram").replace(
                "[tokens]", "[tokens]\ntarget_order = 12"
            )
        ).encode(),
        "tokens.target_order",
    ),
}


def _only_one_line(err: str, must: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert must in lines[0] and "error:" in lines[0], lines[0]


@pytest.mark.parametrize("case", sorted(SCENARIO_FILES))
def test_bad_scenario_file_exits_2_with_one_line_and_writes_nothing(case, tmp_path, capsys):
    data, must = SCENARIO_FILES[case]
    src = tmp_path / "bad.toml"
    src.write_bytes(data)
    out = tmp_path / "out"
    assert main(["verify", "--scenario", str(src), "--out", str(out), "--no-progress"]) == 2
    _only_one_line(capsys.readouterr().err, must)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


OUTPUT_PATHS = {  # class -> (arguments after `verify`, the option the message must name)
    "--out is an existing file": (["--out", "{tmp}/file"], "--out"),
    "--out under /proc": (["--out", "/proc/gelato-report"], "/proc"),
    "--out under /sys": (["--out", "/sys/gelato-report"], "/sys"),
    "--json is a folder": (["--json", "{tmp}/folder"], "--json"),
    "--junit is a folder": (["--junit", "{tmp}/folder"], "--junit"),
    "--markdown under a file": (["--markdown", "{tmp}/file/report.md"], "--markdown"),
    "--json empty": (["--json", ""], "--json"),
    "--out fine, --json a folder": (["--out", "{tmp}/ok", "--json", "{tmp}/folder"], "--json"),
}


@pytest.mark.parametrize("case", sorted(OUTPUT_PATHS))
def test_bad_output_path_is_refused_before_the_run(case, tmp_path, capsys, monkeypatch):
    import gelato_theory.verification.engine as engine

    def no_run(*a, **k):
        raise AssertionError("the run started before the output paths were checked")

    monkeypatch.setattr(engine, "verify", no_run)
    (tmp_path / "file").write_text("keep")
    (tmp_path / "folder").mkdir()
    args, must = OUTPUT_PATHS[case]
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["verify", "--no-progress", *args]) == 2
    _only_one_line(capsys.readouterr().err, must)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder"]
    assert (tmp_path / "file").read_text() == "keep" and not any((tmp_path / "folder").iterdir())


def test_outputs_of_one_command_are_written_all_or_nothing(tmp_path, monkeypatch):
    old = tmp_path / "a.json"
    old.write_text("old")
    files = {old: "new", tmp_path / "sub" / "b.md": "new", tmp_path / "c.xml": "new"}
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # the third rename fails, after two have happened
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="No space"):
        write_all(files)
    monkeypatch.setattr(os, "replace", real)
    assert old.read_text() == "old"  # restored
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # no new file, no new folder
    write_all(files)
    assert all(Path(p).read_text() == "new" for p in files)


def test_ctrl_c_while_importing_is_one_line_and_130(monkeypatch, capsys):
    import importlib

    real = importlib.import_module

    def interrupted(name, *a, **k):
        if name.startswith("gelato_theory.cli."):
            raise KeyboardInterrupt
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", interrupted)
    assert main(["verify", "--help"]) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["gelato: interrupted; no output file was written"]


def test_ctrl_c_swallowed_by_an_extension_import_is_still_130(monkeypatch, capsys):
    """A Ctrl-C while a C extension initializes can surface as ImportError("initialization
    failed") (seen with scipy's HiGHS bindings); after the handler has fired it is the interrupt."""
    import importlib

    from gelato_theory.cli import main as cli_main

    real = importlib.import_module
    before = signal.getsignal(signal.SIGINT)

    def extension_import(name, *a, **k):
        if name.startswith("gelato_theory.cli."):
            try:
                cli_main._interrupt(signal.SIGINT, None)
            except KeyboardInterrupt:
                raise ImportError("initialization failed") from None
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", extension_import)
    try:
        assert main(["verify", "--help"]) == 130
    finally:
        signal.signal(signal.SIGINT, before)
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["gelato: interrupted; no output file was written"]

    def broken_import(name, *a, **k):
        if name.startswith("gelato_theory.cli."):
            raise ImportError("initialization failed")
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", broken_import)
    with pytest.raises(ImportError):  # without a Ctrl-C an ImportError is not an interrupt
        main(["verify", "--help"])


def _wait_for_python_sigint_handler(pid: int, timeout: float = 60.0) -> None:
    """Until the interpreter has installed its SIGINT handler (Linux: bit 2 of SigCgt in
    /proc/PID/status): a signal before that kills the process at startup, which is the OS's doing,
    not the program's (on a loaded machine interpreter start-up can take longer than the sleep)."""
    status = Path(f"/proc/{pid}/status")
    end = time.monotonic() + timeout
    while status.exists() and time.monotonic() < end:
        caught = [ln for ln in status.read_text().splitlines() if ln.startswith("SigCgt:")]
        if caught and int(caught[0].split()[1], 16) & (1 << (signal.SIGINT - 1)):
            return
        time.sleep(0.05)


def test_ctrl_c_stops_a_long_run_with_one_line_and_130(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gelato_theory.cli.main",
            "verify",
            "--horizon",
            "10000000",
            "--seeds",
            "64",
            "--out",
            str(tmp_path / "r"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(3.0)  # importing or already simulating: both must stop the same way
    _wait_for_python_sigint_handler(proc.pid)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].endswith("interrupted; no output file was written"), err
    assert "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_a_budget_that_never_binds_is_noted(tmp_path):
    from gelato_theory import preset
    from gelato_theory.verification import report as views
    from gelato_theory.verification.engine import verify

    s = preset("default").replace(**{"objective.energy_budget_j": 1e3})
    r = verify(s, policy_names=("gelato-exact",), seeds=3, horizon=50)
    assert r.constants.lambda_star == pytest.approx(0.0, abs=1e-9)
    assert any("never binds" in n for n in r.notes)
    assert "never binds" in views.to_markdown(r)
    assert views.to_dict(r)["notes"] == r.notes
    from gelato_theory.cli.verify import render

    assert "never binds" in render(r)
    binding = verify(preset("default"), policy_names=("gelato-exact",), seeds=3, horizon=50)
    assert binding.notes == []
