"""Confidence intervals and verdict rules for expectation claims (SPEC §6).

A claim "E[X] >= b" (or "<= b") is judged from S independent per-trajectory values of X with a
one-sided Student-t interval at level ``level``:

* pass — the point estimate and the whole interval are on the right side of b;
* fail — the interval lies entirely on the wrong side of b;
* inconclusive — otherwise, with the number of seeds that would make the interval decide if the
  mean and spread stayed as measured.

An equality claim "E[X] = b" uses the two-sided interval: it fails when b lies outside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"


@dataclass(frozen=True)
class Estimate:
    """Mean of S values with the one-sided half-width at the requested level."""

    mean: float
    sd: float
    n: int
    half_width: float  # t_{level, n-1} * sd / sqrt(n)
    t: float

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width


def estimate(values: np.ndarray, level: float, two_sided: bool = False) -> Estimate:
    """Mean and Student-t half-width of ``values`` (1-D, n >= 2) at ``level``."""
    x = np.asarray(values, dtype=float)
    n = x.size
    sd = float(x.std(ddof=1)) if n > 1 else math.inf
    q = (1 + level) / 2 if two_sided else level
    t = float(sps.t.ppf(q, n - 1)) if n > 1 else math.inf
    hw = t * sd / math.sqrt(n) if sd > 0 else 0.0
    return Estimate(mean=float(x.mean()), sd=sd, n=n, half_width=hw, t=t)


def seeds_to_decide(e: Estimate, bound: float) -> int | None:
    """Seeds needed so that the interval clears ``bound`` (None if the mean sits on it)."""
    gap = abs(e.mean - bound)
    if gap == 0 or not math.isfinite(e.sd):
        return None
    return max(e.n + 1, math.ceil((e.t * e.sd / gap) ** 2))


def judge_lower(e: Estimate, bound: float) -> str:
    """Verdict on E[X] >= bound."""
    if e.low >= bound:
        return PASS
    if e.high < bound:
        return FAIL
    return INCONCLUSIVE


def judge_upper(e: Estimate, bound: float) -> str:
    """Verdict on E[X] <= bound."""
    if e.high <= bound:
        return PASS
    if e.low > bound:
        return FAIL
    return INCONCLUSIVE


def judge_equal(e: Estimate, target: float, atol: float = 0.0) -> str:
    """Verdict on E[X] = target with a two-sided estimate: fail when target is outside the interval."""
    return PASS if abs(e.mean - target) <= e.half_width + atol else FAIL


def loglog_slope(V: np.ndarray, y: np.ndarray) -> float | None:
    """Least-squares slope of log y against log V over the points with y > 0 (None if < 2)."""
    ok = y > 0
    if ok.sum() < 2:
        return None
    return float(np.polyfit(np.log(V[ok]), np.log(y[ok]), 1)[0])
