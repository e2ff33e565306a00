"""pytest plugin (registered through the ``pytest11`` entry point ``gelato``; SPEC §7).

Scenario files named ``gelato_*.toml`` in a test tree are collected as test files: every claim of
SPEC §6 at every V (and the grid-level scaling claims) becomes one test item whose outcome is the
verdict — pass, fail (with the numbers), or skipped when inconclusive. A scenario is verified once,
when its first item runs. An optional ``[pytest]`` table in the file is read here and removed
before the scenario is validated:

    [pytest]
    claims = ["theorem3_backlog", "violation_identity"]   # default: every claim
    policies = ["gelato-exact", "my_policy:MyPolicy"]      # default: gelato-exact and gelato
    seeds = 8                                               # override verification.seeds
    horizon = 1000                                          # override verification.horizon

``policies`` takes built-in names and import paths ``module:Name`` of user policies (SPEC §4.1),
imported with the scenario file's directory on ``sys.path``; a user policy passes the policy
checker first (a failure, or a policy that does not load, fails its items with the cause). A claim
that does not apply to a policy's declared class is reported as skipped.

The fixture ``gelato_guarantees`` is :func:`gelato_theory.testing.assert_guarantees`.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from gelato_theory.errors import GelatoError
from gelato_theory.scenario.load import scenario_from_dict

# Nothing heavy at import time (this module loads in every pytest session of an environment where
# gelato-theory is installed): the verifier (cvxpy, sympy) is imported when a gelato_*.toml file
# is collected, and Hypothesis is never needed here.

GRID_CLAIMS = ("utility_scaling", "backlog_scaling")
PER_V_ONLY = {"closed_form_consistency": "exact", "rate_throughput": "per_second"}


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    if file_path.suffix == ".toml" and file_path.name.startswith("gelato_"):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


@pytest.fixture
def gelato_guarantees():
    """The assertion helper :func:`gelato_theory.testing.assert_guarantees`."""
    from gelato_theory.testing.assertions import assert_guarantees

    return assert_guarantees


class ScenarioFile(pytest.File):
    """A scenario file: one item per (policy, claim, V)."""

    def collect(self):
        from gelato_theory.verification.claims import CLAIMS
        from gelato_theory.verification.engine import DEFAULT_POLICIES

        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
            opts = data.pop("pytest", {})
            scenario = scenario_from_dict(data)
        except tomllib.TOMLDecodeError as exc:
            raise self.CollectError(f"{self.path.name}: must be valid TOML ({exc})") from None
        except GelatoError as exc:
            raise self.CollectError(f"{self.path.name}: {exc}") from None
        changes = {f"verification.{k}": opts[k] for k in ("seeds", "horizon") if k in opts}
        self.scenario = scenario.replace(**changes) if changes else scenario
        self.policies = tuple(opts.get("policies", DEFAULT_POLICIES))
        claims = [c for c in opts.get("claims", CLAIMS) if c in CLAIMS]
        if self.scenario.objective.kind != "per_second":
            claims = [c for c in claims if c != "rate_throughput"]
        self._report = None
        self._error = None
        for index, policy in enumerate(self.policies):
            for claim in claims:
                if claim == "closed_form_consistency" and policy == "gelato":
                    continue  # GELATO's inner rule is off the closed-form menu
                Vs = [None] if claim in GRID_CLAIMS else list(self.scenario.control.V)
                for V in Vs:
                    at = "grid" if V is None else f"V={V:g}"
                    yield ClaimItem.from_parent(
                        self,
                        name=f"{policy}::{claim}[{at}]",
                        policy=policy,
                        index=index,
                        claim=claim,
                        V=V,
                    )

    def report(self):
        """The scenario's verification, run once (a policy that fails to load fails every item)."""
        if self._error is not None:
            raise ClaimFailed(self._error)
        if self._report is None:
            here = str(self.path.parent.resolve())
            if here not in sys.path:
                sys.path.insert(0, here)  # user policies next to the scenario file import
            from gelato_theory.verification.engine import verify

            try:
                self._report = verify(self.scenario, policy_names=self.policies)
            except GelatoError as exc:
                self._error = str(exc)
                raise ClaimFailed(self._error) from None
        return self._report


class ClaimFailed(Exception):
    """A claim's verdict is fail."""


class ClaimItem(pytest.Item):
    parent: ScenarioFile  # items are created only by ScenarioFile.collect

    def __init__(self, *, policy: str, index: int, claim: str, V: float | None, **kw) -> None:
        super().__init__(**kw)
        self.policy, self.index, self.claim, self.V = policy, index, claim, V

    def runtest(self) -> None:
        result = self.parent.report().results[self.index]  # the policy's own report name
        if not any(v.claim == self.claim for v in result.verdicts):
            kind = getattr(result, "policy_class", "its")
            pytest.skip(f"{self.claim} does not apply to {result.policy} ({kind} policy)")
        for v in result.verdicts:
            if v.claim == self.claim and (
                v.V == self.V
                or (v.V is not None and self.V is not None and abs(v.V - self.V) < 1e-15)
            ):
                if v.status == "fail":
                    raise ClaimFailed(v.detail)
                if v.status == "inconclusive":
                    pytest.skip(f"inconclusive: {v.detail}")
                return
        raise ClaimFailed(f"no verdict for {self.claim} at V={self.V} (claim not applicable)")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimFailed):
            return f"{self.claim} failed for {self.policy}: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.parent.scenario.name}: {self.name}"
