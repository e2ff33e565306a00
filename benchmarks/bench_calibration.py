"""Calibration and power of ``gelato verify`` (SPEC §6, issue item 8).

1. **False alarms.** ``verify`` on the correct exact controller over R independent replications
   (root seeds 1000..1000+R-1, so no two share a draw) of a scenario where claims are close to tight:
   the default preset at V in {0.01, 0.03, 0.1}, where the Lagrangian converse E[G] >= 0 has a true
   mean within 1e-3 tokens of its bound. The family-wise false-alarm rate (runs with any failed
   claim) must be at most the configured alpha; its exact (Clopper-Pearson) 95 % interval comes
   from :func:`scipy.stats.binomtest`, with the p-value of H0: rate <= alpha.
   The converse and the backlog band (whose curved ends are within 1-4 % of the measured mean
   backlog at V >= 0.03) are also re-judged alone at level 1 - alpha (no correction), so that
   their own calibration on nearly tight bounds is visible rather than hidden by the correction.
2. **Power.** The same run on planted defects of growing size (tokens over-reported by 0.5-5 %, V
   mis-scaled by 1.1-2), with the fraction of replications caught and the claims that catch them;
   the token defects also at the default preset's size (6 V, 4000 rounds) with 32 seeds (the
   preset's 512 seeds only add power).

Run: python benchmarks/bench_calibration.py [--replications 200] [--power-replications 40]
[--seeds 8] [--horizon 500] [--default-run-replications 10]. Prints Markdown tables (the ones in docs/verification.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from scipy import stats as sps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from planted import MisScaled, OverReporting  # noqa: E402

from gelato_theory import preset  # noqa: E402
from gelato_theory.control.policies import DPP  # noqa: E402
from gelato_theory.exact.bounds import constants  # noqa: E402
from gelato_theory.verification.claims import Context, checks  # noqa: E402
from gelato_theory.verification.engine import verify  # noqa: E402

V_GRID = (0.01, 0.03, 0.1)
ROOT = 1000


def scenario(seeds: int, horizon: int):
    return preset("default").replace(
        **{"control.V": V_GRID, "verification.seeds": seeds, "verification.horizon": horizon}
    )


def replicate(s, r: int, **kw):
    """One verify run of the exact controller with root seed ROOT + r: the claims that failed."""
    rep = verify(s.replace(**{"verification.seed": ROOT + r}), policy_names=("gelato-exact",), **kw)
    return {v.claim for v in rep.failures()}, rep


def uncorrected(rep, claim: str, level: float) -> tuple[int, int]:
    """(failed, judged) verdicts of ``claim`` re-judged alone at ``level`` (no Bonferroni)."""
    r = rep.results[0]
    ctx = Context(r.simulation, rep.constants, rep.problem, rep.bounds, r.policy_class, r.C_hat)
    verdicts = [ch.judge(level) for ch in checks(ctx) if ch.claim == claim]
    return sum(v.status == "fail" for v in verdicts), len(verdicts)


def _rate_row(k: int, n: int, alpha: float) -> str:
    ci = sps.binomtest(k, n).proportion_ci(0.95, method="exact")
    p = sps.binomtest(k, n, alpha, alternative="greater").pvalue
    return f"| {k} / {n} | {k / n:.4f} | [{ci.low:.4f}, {ci.high:.4f}] | {p:.3g} |"


def false_alarms(s, n: int) -> str:
    alpha = 1 - s.verification.confidence
    per_claim: Counter[str] = Counter()
    any_fail = 0
    inconclusive: Counter[str] = Counter()
    single_fail = single_n = band_fail = band_n = 0
    t = time.perf_counter()
    for r in range(n):
        failed, rep = replicate(s, r)
        any_fail += bool(failed)
        per_claim.update(failed)
        inconclusive.update(v.claim for v in rep.verdicts if v.status == "inconclusive")
        k, m = uncorrected(rep, "lagrangian_converse", 1 - alpha)
        single_fail, single_n = single_fail + k, single_n + m
        k, m = uncorrected(rep, "backlog_band", 1 - alpha)
        band_fail, band_n = band_fail + k, band_n + m
    took = time.perf_counter() - t
    lines = [
        f"False alarms: {n} replications of the correct exact controller, {s.verification.seeds} "
        f"seeds x {s.verification.horizon} rounds, V in {V_GRID}, alpha = {alpha:g} "
        f"({took:.0f} s, {rep.settings['intervals']} intervals per run)",
        "",
        "| what | failed / judged | rate | exact 95 % CI | p (H0: rate <= alpha) |",
        "|---|---|---|---|---|",
        "| whole run (Bonferroni level) " + _rate_row(any_fail, n, alpha),
        "| lagrangian_converse alone at level 1 - alpha (no correction) "
        + _rate_row(single_fail, single_n, alpha),
        "| backlog_band alone at level 1 - alpha (no correction) "
        + _rate_row(band_fail, band_n, alpha),
        "",
        "| claim | failed runs | inconclusive verdicts |",
        "|---|---|---|",
    ]
    for claim in sorted(set(per_claim) | set(inconclusive)):
        lines.append(f"| {claim} | {per_claim[claim]} | {inconclusive[claim]} |")
    return "\n".join(lines)


def defects(s):
    problem, _ = constants(s)
    out = {}
    for x in (0.005, 0.01, 0.02, 0.05):
        out[f"tokens over-reported {x:.1%}"] = {"executor": OverReporting(s, x)}
    for f in (0.95, 1.02, 1.1, 1.5, 2.0):
        out[f"V mis-scaled x{f:g}"] = {"overrides": {"gelato-exact": MisScaled(DPP(problem), f)}}
    return out


def power(s, n: int, only: str = "") -> str:
    V = s.control.V
    lines = [
        f"Power: {n} replications per defect, {s.verification.seeds} seeds x "
        f"{s.verification.horizon} rounds, V in {V}",
        "",
        "| defect | caught | exact 95 % CI | claims that caught it (runs) |",
        "|---|---|---|---|",
    ]
    for name, kw in defects(s).items():
        if only not in name:
            continue
        caught, claims = 0, Counter()
        for r in range(n):
            failed, _ = replicate(s, r, **kw)
            caught += bool(failed)
            claims.update(failed)
        ci = sps.binomtest(caught, n).proportion_ci(0.95, method="exact")
        by = ", ".join(f"{c} ({k})" for c, k in claims.most_common())
        lines.append(f"| {name} | {caught} / {n} | [{ci.low:.2f}, {ci.high:.2f}] | {by or '-'} |")
        print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replications", type=int, default=200)
    p.add_argument("--power-replications", type=int, default=40)
    p.add_argument("--seeds", type=int, default=8)
    p.add_argument("--horizon", type=int, default=500)
    p.add_argument("--only-default-run", action="store_true", help="skip parts 1 and 2")
    p.add_argument(
        "--default-run-replications",
        type=int,
        default=10,
        help="replications of the token defects at the default run's size (0: skip)",
    )
    a = p.parse_args(argv)
    s = scenario(a.seeds, a.horizon)
    if not a.only_default_run:
        print(false_alarms(s, a.replications), flush=True)
        print()
        print(power(s, a.power_replications), flush=True)
    if a.default_run_replications:
        print()
        # the default preset's V grid and horizon at 32 seeds (its own 512 seeds only add power)
        full = preset("default").replace(**{"verification.seeds": 32})
        print(power(full, a.default_run_replications, only="tokens"), flush=True)


if __name__ == "__main__":
    main()
