"""Confidence intervals and verdict rules for expectation claims (SPEC §6).

A claim "E[X] >= b" (or "<= b") is judged from S independent per-trajectory values of X with a
one-sided Student-t interval at level ``level``:

* pass — the point estimate and the whole interval are on the right side of b;
* fail — the interval lies entirely on the wrong side of b;
* inconclusive — otherwise, with the number of seeds that would make the interval decide if the
  mean and spread stayed as measured.

An equality claim "E[X] = b" uses the two-sided interval: it fails when b lies outside it.

**Multiplicity.** A run judges many claims; :func:`bonferroni_level` gives the per-interval level
1 - (1 - confidence)/n for the n confidence intervals the run actually computes (a two-sided
interval or a two-sided band counts as two one-sided ones), so that a correct controller fails some
claim with probability at most 1 - confidence (union bound).
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


def bonferroni_level(confidence: float, n_intervals: int) -> float:
    """Per-interval level so that n one-sided intervals all cover with probability >= confidence."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence = {confidence}: must lie in (0, 1)")
    return 1 - (1 - confidence) / max(1, int(n_intervals))


def judge_band(e: Estimate, low: float, high: float) -> str:
    """Verdict on low <= E[X] <= high from one estimate whose half-width is one-sided at the level
    of each side (the two sides count as two intervals): fail when the interval lies entirely
    outside the band, pass when it lies inside."""
    if e.high < low or e.low > high:
        return FAIL
    if e.low >= low and e.high <= high:
        return PASS
    return INCONCLUSIVE


@dataclass(frozen=True)
class LineFit:
    """Least-squares line y = intercept + slope x with the slope's standard error (n points)."""

    slope: float
    slope_se: float
    intercept: float
    r2: float
    n: int


def line_fit(x: np.ndarray, y: np.ndarray) -> LineFit | None:
    """:func:`scipy.stats.linregress` on finite points (None with fewer than 3 points)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return None
    r = sps.linregress(x[ok], y[ok])
    return LineFit(
        float(r.slope), float(r.stderr), float(r.intercept), float(r.rvalue**2), int(ok.sum())
    )


def loglog_slope(V: np.ndarray, y: np.ndarray) -> float | None:
    """Least-squares slope of log y against log V over the points with y > 0 (None if < 2)."""
    ok = y > 0
    if ok.sum() < 2:
        return None
    return float(np.polyfit(np.log(V[ok]), np.log(y[ok]), 1)[0])
