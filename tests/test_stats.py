"""The statistics layer of the verifier (SPEC §6): quantiles, sidedness, multiplicity, calibration.

* intervals are Student-t with the quantile scipy gives (one-sided at ``level``, two-sided at
  (1 + level)/2);
* each verdict rule looks at the correct side of the interval;
* the Bonferroni count of a run is every interval its verdicts use, scaling claims included;
* on data whose true mean sits exactly on the bound, a claim fails at most at the nominal rate
  (binomial test over many synthetic replications), alone and as a Bonferroni family.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from gelato_theory import preset
from gelato_theory.verification import stats
from gelato_theory.verification.claims import RegretFit
from gelato_theory.verification.engine import verify


@pytest.mark.parametrize("n", [2, 5, 32])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.999])
def test_quantiles_match_scipy(n, level):
    x = np.random.default_rng(n).normal(3.0, 2.0, n)
    one = stats.estimate(x, level)
    se = x.std(ddof=1) / math.sqrt(n)
    assert one.half_width == pytest.approx(sps.t.ppf(level, n - 1) * se, rel=1e-12)
    two = stats.estimate(x, level, two_sided=True)
    lo, hi = sps.t.interval(level, n - 1, loc=x.mean(), scale=se)
    assert (two.low, two.high) == pytest.approx((lo, hi), rel=1e-12)
    assert two.half_width > one.half_width


def test_sidedness_of_each_rule():
    e = stats.Estimate(mean=1.0, sd=1.0, n=10, half_width=0.2, t=2.0)  # interval [0.8, 1.2]
    # E[X] >= bound
    assert stats.judge_lower(e, 0.7) == stats.PASS
    assert stats.judge_lower(e, 1.3) == stats.FAIL
    assert stats.judge_lower(e, 1.0) == stats.INCONCLUSIVE
    # E[X] <= bound
    assert stats.judge_upper(e, 1.3) == stats.PASS
    assert stats.judge_upper(e, 0.7) == stats.FAIL
    assert stats.judge_upper(e, 1.0) == stats.INCONCLUSIVE
    # low <= E[X] <= high
    assert stats.judge_band(e, 0.5, 1.5) == stats.PASS
    assert stats.judge_band(e, 1.3, 2.0) == stats.FAIL
    assert stats.judge_band(e, 0.0, 0.7) == stats.FAIL
    assert stats.judge_band(e, 0.9, 2.0) == stats.INCONCLUSIVE
    # E[X] = target (two-sided)
    assert stats.judge_equal(e, 1.1) == stats.PASS
    assert stats.judge_equal(e, 1.3) == stats.FAIL


def test_seeds_to_decide():
    e = stats.estimate(np.array([0.9, 1.1, 1.0, 0.95, 1.05]), 0.95)
    need = stats.seeds_to_decide(e, 0.99)
    assert need > e.n
    assert need == math.ceil((e.t * e.sd / abs(e.mean - 0.99)) ** 2)
    assert stats.seeds_to_decide(e, e.mean) is None


def test_bonferroni_level():
    assert stats.bonferroni_level(0.95, 1) == pytest.approx(0.95)
    assert stats.bonferroni_level(0.95, 50) == pytest.approx(1 - 0.05 / 50)
    with pytest.raises(ValueError, match="confidence"):
        stats.bonferroni_level(1.0, 3)


#: intervals per verdict, by claim (scaling claims: one per V of the grid)
INTERVALS = {
    "theorem1_utility": 1,
    "theorem2_backlog": 1,
    "mean_rate_stability": 1,
    "lagrangian_converse": 1,
    "rate_throughput": 1,
    "backlog_band": 2,
    "closed_form_consistency": 2,
    "empirical_C": 2,
    "theorem3_backlog": 0,
    "coupled_theorem3": 0,
    "violation_identity": 0,
}


@pytest.mark.parametrize("kind", ["per_round", "per_second"])
def test_bonferroni_counts_every_interval_of_the_run(kind):
    s = preset("default").replace(**{"control.V": (0.01, 0.1, 1.0)})
    if kind == "per_second":
        s = s.replace(**{"objective.kind": "per_second", "objective.power_budget_w": 1.2})
    r = verify(s, seeds=4, horizon=200)
    n_V = len(s.control.V)
    counted = sum(
        n_V if v.claim in ("utility_scaling", "backlog_scaling") else INTERVALS[v.claim]
        for v in r.verdicts
    )
    assert r.settings["intervals"] == counted
    scaling = sum(v.claim.endswith("_scaling") for v in r.verdicts)
    assert scaling == 2 * len(r.results)  # the scaling claims' intervals are in the count
    assert r.settings["confidence_per_claim"] == pytest.approx(1 - 0.05 / counted)
    claims = {v.claim for v in r.verdicts}
    assert {"backlog_band", "lagrangian_converse", "closed_form_consistency"} <= claims
    assert ("rate_throughput" in claims) == (kind == "per_second")


REPLICATIONS = 4000


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng, size: rng.normal(0.0, 1.0, size),
        lambda rng, size: rng.uniform(-1.0, 1.0, size),
    ],
    ids=["normal", "uniform"],
)
def test_false_alarm_rate_at_most_alpha(draw):
    """True mean exactly on the bound: the one-sided claim fails in at most alpha of replications,
    and a Bonferroni family of 10 such claims fails (any member) in at most alpha."""
    rng = np.random.default_rng(20261128)
    alpha, n = 0.05, 32
    data = draw(rng, (REPLICATIONS, n))
    single = sum(stats.judge_lower(stats.estimate(x, 1 - alpha), 0.0) == stats.FAIL for x in data)
    assert sps.binomtest(int(single), REPLICATIONS, alpha, alternative="greater").pvalue > 1e-3
    assert single > 0.5 * alpha * REPLICATIONS  # the test is not vacuous: near-nominal size
    level = stats.bonferroni_level(1 - alpha, 10)
    family = data[: REPLICATIONS // 10 * 10].reshape(-1, 10, n)
    fams = sum(
        any(stats.judge_upper(stats.estimate(x, level), 0.0) == stats.FAIL for x in f)
        for f in family
    )
    assert sps.binomtest(int(fams), len(family), alpha, alternative="greater").pvalue > 1e-3


def test_a_miscalibrated_interval_is_caught():
    """The same false-alarm check rejects an interval with the z quantile of a 0.8 level."""
    rng = np.random.default_rng(1)
    data = rng.normal(0.0, 1.0, (REPLICATIONS, 8))
    z = sps.norm.ppf(0.8)
    fails = sum(x.mean() + z * x.std(ddof=1) / math.sqrt(8) < 0 for x in data)
    assert sps.binomtest(int(fails), REPLICATIONS, 0.05, alternative="greater").pvalue < 1e-3


def test_line_fit_matches_linregress():
    x = np.array([1.0, 2.0, 3.0, 4.0, np.nan])
    y = np.array([2.1, 3.9, 6.2, 7.8, 1.0])
    f = stats.line_fit(x, y)
    r = sps.linregress(x[:4], y[:4])
    assert (f.slope, f.slope_se, f.n) == (pytest.approx(r.slope), pytest.approx(r.stderr), 4)
    assert stats.line_fit(x[:2], y[:2]) is None


def _regime(V, R):
    V, R = np.asarray(V, float), np.asarray(R, float)
    hw = np.full_like(R, 1e-6)
    logR = np.log(np.where(R > hw, R, np.nan))
    return RegretFit(V, R, hw, stats.line_fit(np.log(V), logR)).regime


def test_regret_regime():
    V = np.array([0.001, 0.003, 0.01, 0.03, 0.1])
    assert _regime(V, 0.02 / V).startswith("O(1/V): log-log slope -1.00")
    assert _regime(V, np.exp(-V / 0.001)).startswith("exponentially small past V = 0.003")
    assert _regime(V, [0.5, 0.4, 1e-7, 1e-7, 1e-7]).startswith("exponentially small past V = 0.003")
