"""How close a run comes to each bound (issue 10 acceptance): measured / bound per claim per V.

One ratio per verdict, oriented so that 1 means the bound is attained and a claim holds while the
ratio is at most 1 (the point estimate; the verdict itself uses the confidence interval):

* upper bounds (Theorems 2-3, coupled Theorem 3, mean-rate stability, the scaling claims):
  measured / bound;
* Theorem 1 and the per-second rate claim bound a gap from above: measured gap / allowed gap, with
  gap = u* - u (Theorem 1) or -(1/T) sum (N - theta* T) (rate); negative when the run does better
  than u* at the finite horizon (the queue's start-up overspend);
* the Lagrangian converse bounds E[u - lambda* y] by u*: (u* - E[G]) / u*;
* the backlog band: the lower end over the measurement and the measurement over the upper end
  (both at most 1; a band within 2x has both at least 1/2);
* the violation identity and closed-form consistency are exact or equality claims: no ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gelato_theory.exact.bounds import Constants
from gelato_theory.verification.claims import Verdict


@dataclass(frozen=True)
class Tightness:
    """measured / bound of one verdict (``ratio_low`` only for the two-sided band)."""

    policy: str
    claim: str
    V: float | None
    ratio: float
    ratio_low: float | None = None


def _ratio(a: float, b: float) -> float:
    return a / b if b != 0 and math.isfinite(b) else math.nan


def of(v: Verdict, c: Constants) -> Tightness | None:
    """The tightness of one verdict (None for claims without a bound to approach)."""
    if v.claim in ("violation_identity", "closed_form_consistency"):
        return None
    if v.claim == "theorem1_utility":
        r = _ratio(c.u_star - v.measured, c.u_star - v.bound)
    elif v.claim == "rate_throughput":
        r = _ratio(v.measured, v.bound)
    elif v.claim == "lagrangian_converse":
        r = _ratio(c.u_star - v.measured, c.u_star)
    elif v.claim == "backlog_band":
        assert v.bound_high is not None  # band() sets both ends of the band
        return Tightness(
            v.policy,
            v.claim,
            v.V,
            _ratio(v.measured, v.bound_high),
            _ratio(v.bound, v.measured),
        )
    else:
        r = _ratio(v.measured, v.bound)
    return Tightness(v.policy, v.claim, v.V, r)


def table(verdicts: list[Verdict], c: Constants) -> list[Tightness]:
    """Tightness of every verdict that has one, in verdict order."""
    return [t for t in (of(v, c) for v in verdicts) if t is not None]
