"""Views of a verification report (SPEC §7): JSON (schema-versioned), Markdown and JUnit XML.

Each function returns text; writing is left to :func:`gelato_theory.atomic.write_all` so that a
failed or interrupted run leaves no half-written file.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from importlib import resources

from gelato_theory import __version__
from gelato_theory.atomic import to_json
from gelato_theory.verification import tightness
from gelato_theory.verification.claims import APPLIES, CLAIMS
from gelato_theory.verification.engine import VerificationReport

SCHEMA_VERSION = 1


def schema() -> dict:
    """The JSON Schema that :func:`to_dict` output satisfies."""
    import json

    return json.loads(
        resources.files("gelato_theory.verification").joinpath("schema.json").read_text()
    )


def to_dict(report: VerificationReport) -> dict:
    """The machine-readable report (SPEC §7); see ``schema.json``."""
    s = report.scenario
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": f"gelato-theory {__version__}",
        "scenario": {"name": s.name, "objective": s.objective.kind, "V": list(s.control.V)},
        "settings": report.settings,
        "constants": dataclasses.asdict(report.constants),
        "bounds": [dataclasses.asdict(b) for b in report.bounds],
        "policies": [
            {
                "policy": r.policy,
                "policy_class": r.policy_class,
                "empirical_C": r.C_hat.tolist(),
                "diagnostics": r.diagnostics,
            }
            for r in report.results
        ],
        "tightness": [
            dataclasses.asdict(t) for t in tightness.table(report.verdicts, report.constants)
        ],
        "verdicts": [dataclasses.asdict(v) for v in report.verdicts],
        "summary": {
            "passed": report.passed,
            "pass": report.count("pass"),
            "fail": report.count("fail"),
            "inconclusive": report.count("inconclusive"),
            "reason": report.reason(),
        },
        "notes": list(report.notes),
    }


def to_json_text(report: VerificationReport) -> str:
    return to_json(to_dict(report))


def run_summary(reports: Sequence[VerificationReport]) -> dict:
    """One summary over the reports of a run: passed only if every scenario passed."""
    return {
        "passed": all(r.passed for r in reports),
        "pass": sum(r.count("pass") for r in reports),
        "fail": sum(r.count("fail") for r in reports),
        "inconclusive": sum(r.count("inconclusive") for r in reports),
        "reason": run_reason(reports),
    }


def run_reason(reports: Sequence[VerificationReport]) -> str:
    """One line: the single report's reason, or each scenario's, failing ones first."""
    if len(reports) == 1:
        return reports[0].reason()
    order = sorted(reports, key=lambda r: r.passed)
    return "; ".join(f"{r.scenario.name}: {r.reason()}" for r in order)


def run_to_json_text(reports: Sequence[VerificationReport]) -> str:
    """One scenario: its report (:func:`to_dict`). Several (the default run): every report under
    ``reports`` and one summary (``schema.json`` allows both)."""
    if len(reports) == 1:
        return to_json_text(reports[0])
    return to_json(
        {
            "schema_version": SCHEMA_VERSION,
            "tool": f"gelato-theory {__version__}",
            "reports": [to_dict(r) for r in reports],
            "summary": run_summary(reports),
        }
    )


def run_to_markdown(reports: Sequence[VerificationReport]) -> str:
    """Each scenario's Markdown summary, in run order."""
    return "\n".join(to_markdown(r) for r in reports)


def run_to_junit(reports: Sequence[VerificationReport]) -> str:
    """JUnit XML: every scenario's test suites under one root."""
    names = ", ".join(r.scenario.name for r in reports)
    root = ET.Element("testsuites", name=f"gelato verify {names}")
    for r in reports:
        _junit_suites(r, root)
    return _xml(root)


def _f(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def to_markdown(report: VerificationReport) -> str:
    """A human-readable summary: verdict counts, constants, per-V numbers, every verdict."""
    c, s, st = report.constants, report.scenario, report.settings
    unit = "tokens/round" if c.kind == "per_round" else "tokens (N − θ*T)"
    lines = [
        f"# Verification of `{s.name}`",
        "",
        f"**{'PASS' if report.passed else 'FAIL'}** — {report.reason()}",
        "",
        *(f"> **Note:** {n}\n" for n in report.notes),
        f"{st['seeds']} seeds × {st['horizon']} rounds per V; confidence {st['confidence']} overall "
        f"({st['confidence_per_claim']:.5f} per expectation claim, Bonferroni).",
        "",
        "## Constants",
        "",
        "| constant | value | unit |",
        "|---|---|---|",
        f"| u* (LP) | {c.u_star:.6g} | {unit} |",
        f"| u* (exact dual) | {c.u_star_dual:.6g} | {unit} |",
        f"| λ* | {c.lambda_star:.6g} | tokens/J |",
        f"| B | {c.B:.6g} | J² |",
        f"| ε (Slater slack) | {c.epsilon:.6g} | J |",
        f"| ρ | {c.rho:.6g} | tokens/J |",
        f"| y_max | {c.y_max:.6g} | J |",
    ]
    if c.theta_star is not None:
        lines.append(f"| θ* | {c.theta_star:.6g} | tokens/s |")
    for r in report.results:
        applied = sorted({v.claim for v in r.verdicts}, key=list(CLAIMS).index)
        lines += [
            "",
            f"## {r.policy}",
            "",
            f"Class **{r.policy_class}**; claims judged: {', '.join(applied)}.",
            "",
            "| V | utility | gap | B/V | mean Q [J] | max Q [J] | Thm 2 [J] | Thm 3 [J] | Q̄/V vs λ* | "
            "energy [J/round] | tokens/s | C |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for d in r.diagnostics:
            lines.append(
                f"| {d['V']:g} | {d['mean_utility']:.4f} | {d['gap']:.4f} | {d['B_over_V']:.4g} | "
                f"{d['mean_backlog']:.4g} | {d['max_backlog']:.4g} | {d['backlog_bound']:.4g} | "
                f"{d['deterministic_backlog_bound']:.4g} | {d['Q_over_V']:.4g} vs {d['lambda_star']:.4g} | "
                f"{d['energy_per_round_j']:.4g} | {d['tokens_per_second']:.4g} | {d['empirical_C_mean']:.3g} |"
            )
        lines += ["", "| claim | V | verdict | detail |", "|---|---|---|---|"]
        for v in r.verdicts:
            V = "grid" if v.V is None else f"{v.V:g}"
            lines.append(f"| {v.claim} | {V} | {v.status} | {v.detail} |")
    lines += tightness_markdown(report)
    lines += ["", "## Claims", ""]
    lines += [f"* `{k}` ({', '.join(APPLIES[k])}): {v}" for k, v in CLAIMS.items()]
    return "\n".join(lines) + "\n"


def _ratio_cell(t: tightness.Tightness) -> str:
    if t.ratio_low is not None:
        return f"{_f(t.ratio_low, 3)} / {_f(t.ratio, 3)}"
    return _f(t.ratio, 3)


def tightness_markdown(report: VerificationReport) -> list[str]:
    """The tightness table: measured / bound per claim (rows) and V (columns); 1 = attained.
    The band shows (lower end / measured) / (measured / upper end)."""
    V = [b.V for b in report.bounds]
    rows: dict[tuple[str, str], dict] = {}
    for t in tightness.table(report.verdicts, report.constants):
        rows.setdefault((t.policy, t.claim), {})[t.V] = _ratio_cell(t)
    lines = [
        "",
        "## Tightness (measured / bound; 1 = bound attained)",
        "",
        "| policy | claim | " + " | ".join(f"V={v:g}" for v in V) + " | grid |",
        "|---|---|" + "---|" * (len(V) + 1),
    ]
    for (policy, claim), cells in rows.items():
        vals = [cells.get(v, "") for v in V] + [cells.get(None, "")]
        lines.append(f"| {policy} | {claim} | " + " | ".join(vals) + " |")
    return lines


def to_junit(report: VerificationReport) -> str:
    """JUnit XML: one test suite per policy, one test case per claim per V."""
    root = ET.Element("testsuites", name=f"gelato verify {report.scenario.name}")
    _junit_suites(report, root)
    return _xml(root)


def _junit_suites(report: VerificationReport, root: ET.Element) -> None:
    """Append one test suite per policy of ``report`` to ``root``."""
    for r in report.results:
        fails = sum(v.status == "fail" for v in r.verdicts)
        skips = sum(v.status == "inconclusive" for v in r.verdicts)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{report.scenario.name}.{r.policy}",
            tests=str(len(r.verdicts)),
            failures=str(fails),
            errors="0",
            skipped=str(skips),
        )
        for v in r.verdicts:
            name = v.claim if v.V is None else f"{v.claim}[V={v.V:g}]"
            case = ET.SubElement(suite, "testcase", classname=f"gelato.{r.policy}", name=name)
            if v.status == "fail":
                ET.SubElement(case, "failure", message=v.detail, type=v.claim).text = v.detail
            elif v.status == "inconclusive":
                ET.SubElement(case, "skipped", message=f"inconclusive: {v.detail}")
            else:
                ET.SubElement(case, "system-out").text = v.detail


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
