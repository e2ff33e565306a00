"""Assertion helpers for users' test suites (SPEC §7): guarantees as plain ``assert`` calls.

``assert_guarantees(scenario)`` verifies a scenario and raises :class:`GuaranteeViolation` with a
readable report of every failed (and, on request, inconclusive) claim. ``policies`` takes built-in
names, import paths ``module:Name`` and policy objects, classes or factories (SPEC §4.1); a user
policy passes the policy checker before it is simulated.
"""

from __future__ import annotations

from collections.abc import Iterable

from gelato_theory.errors import FieldError
from gelato_theory.scenario.model import Scenario
from gelato_theory.verification.claims import CLAIMS, Verdict
from gelato_theory.verification.engine import DEFAULT_POLICIES, VerificationReport, verify


class GuaranteeViolation(AssertionError):
    """A guarantee did not hold; ``report`` holds every verdict."""

    def __init__(self, message: str, report: VerificationReport, verdicts: list[Verdict]) -> None:
        super().__init__(message)
        self.report = report
        self.verdicts = verdicts


def describe(verdicts: Iterable[Verdict]) -> str:
    """One line per verdict: claim, policy, V, status and the numbers behind it."""
    lines = []
    for v in verdicts:
        at = "grid" if v.V is None else f"V={v.V:g}"
        lines.append(f"  {v.status.upper():<12} {v.claim} [{v.policy}, {at}]: {v.detail}")
    return "\n".join(lines)


def assert_guarantees(
    scenario: Scenario,
    claims: Iterable[str] | None = None,
    *,
    policies: Iterable[object] = DEFAULT_POLICIES,
    seeds: int | None = None,
    horizon: int | None = None,
    allow_inconclusive: bool = True,
) -> VerificationReport:
    """Verify ``scenario`` and raise :class:`GuaranteeViolation` if a selected claim fails.

    ``claims`` restricts the check to these claim names (default: all). With
    ``allow_inconclusive=False`` an inconclusive verdict fails the assertion too. Returns the report.
    """
    wanted = set(CLAIMS if claims is None else claims)
    unknown = wanted - set(CLAIMS)
    if unknown:
        raise FieldError("claims", sorted(unknown), f"must be among {', '.join(CLAIMS)}")
    report = verify(scenario, policy_names=tuple(policies), seeds=seeds, horizon=horizon)
    bad_status = {"fail"} if allow_inconclusive else {"fail", "inconclusive"}
    bad = [v for v in report.verdicts if v.claim in wanted and v.status in bad_status]
    if bad:
        head = f"{len(bad)} guarantee(s) of scenario {scenario.name!r} do not hold:"
        raise GuaranteeViolation(f"{head}\n{describe(bad)}", report, bad)
    return report
