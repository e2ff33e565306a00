"""A regression suite of scenarios and the guarantees each must meet (SPEC §1 item 3, §6).

The manifest is TOML with one ``[[case]]`` table per scenario: ``preset = NAME`` or
``scenario = FILE`` (relative to the manifest), optional ``seeds`` and ``horizon``, and ``require``:
``"all"`` (no claim fails) or a list of claims that must *pass* at every V for every policy.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from gelato_theory.errors import ScenarioError
from gelato_theory.scenario import Scenario, load_scenario, preset
from gelato_theory.scenario.load import decode_toml
from gelato_theory.verification.claims import CLAIMS
from gelato_theory.verification.engine import VerificationReport, verify

if TYPE_CHECKING:
    from gelato_theory.progress import RunProgress


@dataclass(frozen=True)
class Case:
    """One scenario of the suite and what it must meet."""

    label: str
    scenario: Scenario
    require: str | tuple[str, ...]


@dataclass(frozen=True, eq=False)
class CaseResult:
    case: Case
    report: VerificationReport
    met: bool
    reason: str


def load_suite(path: str | Path) -> list[Case]:
    """Parse and validate a suite manifest; every scenario is loaded (and validated) up front."""
    p = Path(path)
    try:
        data = tomllib.loads(decode_toml(p.read_bytes(), str(p)))
    except OSError as exc:
        raise ScenarioError("suite", str(p), f"must be a readable file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(p), "<toml>", f"must be valid TOML ({exc})") from None
    cases = data.get("case")
    if not isinstance(cases, list) or not cases:
        raise ScenarioError("case", cases, "must be a non-empty array of [[case]] tables")
    out = []
    for i, c in enumerate(cases):
        where = f"case[{i}]"
        extra = set(c) - {"preset", "scenario", "seeds", "horizon", "require"}
        if extra:
            raise ScenarioError(
                f"{where}.{sorted(extra)[0]}", c[sorted(extra)[0]], "is not a known key"
            )
        if ("preset" in c) == ("scenario" in c):
            raise ScenarioError(where, c, "must give exactly one of preset or scenario")
        s = preset(c["preset"]) if "preset" in c else load_scenario(p.parent / c["scenario"])
        changes = {f"verification.{k}": c[k] for k in ("seeds", "horizon") if k in c}
        s = s.replace(**changes) if changes else s
        req = c.get("require", "all")
        if req != "all":
            if not isinstance(req, list) or not req:
                raise ScenarioError(
                    f"{where}.require", req, "must be 'all' or a list of claim names"
                )
            for name in req:
                if name not in CLAIMS:
                    raise ScenarioError(
                        f"{where}.require", name, f"must name a claim ({', '.join(CLAIMS)})"
                    )
            req = tuple(req)
        out.append(Case(label=c.get("preset") or c["scenario"], scenario=s, require=req))
    return out


def judge_case(case: Case, report: VerificationReport) -> tuple[bool, str]:
    """Whether a report meets the case's requirement, with a one-line reason."""
    if case.require == "all":
        return report.passed, report.reason()
    short = [v for v in report.verdicts if v.claim in case.require and v.status != "pass"]
    if short:
        v = short[0]
        at = f" at V={v.V:g}" if v.V is not None else ""
        return False, f"required {v.claim} is {v.status} for {v.policy}{at}: {v.detail}"
    n = sum(v.claim in case.require for v in report.verdicts)
    return (
        True,
        f"all {n} required verdicts pass ({report.count('fail')} other claim(s) fail, not gating)",
    )


def run_suite(
    cases: list[Case],
    progress: Callable[[str], None] | None = None,
    case_progress: Callable[[int, Case], RunProgress | Literal[False]] | None = None,
) -> list[CaseResult]:
    """Verify every case in order; ``case_progress(i, case)`` gives each run's progress display."""
    results = []
    for i, case in enumerate(cases):
        bar = case_progress(i, case) if case_progress else False
        try:
            report = verify(case.scenario, progress=bar)
        finally:
            if bar:
                bar.close()
        met, reason = judge_case(case, report)
        results.append(CaseResult(case, report, met, reason))
        if progress:
            progress(f"{'ok  ' if met else 'FAIL'} {case.label}: {reason}")
    return results
