"""The claims of SPEC §5 judged on a simulation (SPEC §6): one verdict per claim per V.

Expectation claims (Theorems 1-2, mean-rate stability, the per-second rate, the executor's agreement
with the closed forms) use :mod:`gelato_theory.verification.stats`; sample-path claims (Theorem 3,
the violation identity) use :mod:`gelato_theory.verification.pathwise` and fail on any breach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gelato_theory.exact.bounds import Constants, VBounds
from gelato_theory.simulation.simulator import Simulation
from gelato_theory.verification import stats
from gelato_theory.verification.pathwise import (
    deterministic_backlog_breaches,
    violation_identity_breaches,
)

#: Claim names, in report order, with what each states.
CLAIMS = {
    "theorem1_utility": "(1/T) sum E[u(t)] >= u* - (B + C)/V - E[L(0)]/(V T)",
    "theorem2_backlog": "(1/T) sum E[Q(t)] <= (B + V (u_max - u_0))/eps + E[L(0)]/(eps T)",
    "mean_rate_stability": "E[Q(T)]/T <= sqrt(2 E[L(0)]/T^2 + 2 (B + V (u_max - u*))/T)",
    "theorem3_backlog": "Q(t) <= max(Q0, V rho + y_max) on every path",
    "violation_identity": "sum_{t<T} y(t) <= Q(T) - Q(0) on every path",
    "closed_form_consistency": "E[N(t) - N_bar(m, a)] = 0 and E[E(t) - E_bar(m, a)] = 0",
    "rate_throughput": "sum N / sum T >= theta* - B/(V t_min)",
    "utility_scaling": "V (u* - u_bar) <= B at every V (gap O(1/V))",
    "backlog_scaling": "Q_bar / V <= (B/V + u_max - u_0)/eps at every V (backlog O(V))",
}

#: Claims judged by confidence intervals (counted for the Bonferroni correction).
EXPECTATION_CLAIMS = (
    "theorem1_utility",
    "theorem2_backlog",
    "mean_rate_stability",
    "closed_form_consistency",
    "rate_throughput",
)


@dataclass(frozen=True)
class Verdict:
    """One claim at one V (V is None for claims about the whole grid)."""

    claim: str
    policy: str
    V: float | None
    status: str  # pass | fail | inconclusive
    measured: float
    bound: float
    low: float  # confidence interval of the measurement (equal to measured for exact claims)
    high: float
    detail: str
    seeds_needed: int | None = None


def _expect(claim, policy, V, values, bound, level, side, unit) -> Verdict:
    e = stats.estimate(values, level)
    status = stats.judge_lower(e, bound) if side == "lower" else stats.judge_upper(e, bound)
    need = stats.seeds_to_decide(e, bound) if status == stats.INCONCLUSIVE else None
    rel = ">=" if side == "lower" else "<="
    detail = f"mean {e.mean:.6g} {unit} (CI {e.low:.6g}..{e.high:.6g}) {rel} bound {bound:.6g}"
    if need:
        detail += f"; about {need} seeds would decide"
    return Verdict(claim, policy, float(V), status, e.mean, bound, e.low, e.high, detail, need)


def per_V_verdicts(
    sim: Simulation, c: Constants, bounds: list[VBounds], level: float, C_hat: np.ndarray
) -> list[Verdict]:
    """Every per-V claim for one simulated policy. ``C_hat`` (n_V,) is the empirical C (>= 0)."""
    out: list[Verdict] = []
    det = deterministic_backlog_breaches(sim, c)
    vio = violation_identity_breaches(sim, c)
    T, S = sim.horizon, sim.mean_N.shape[1]
    exact_rounds = bool(np.isfinite(sim.model_dN).all())
    for i, b in enumerate(bounds):
        V, p = b.V, sim.policy
        u_bound = c.u_star - (c.B + C_hat[i]) / V - c.L0 / (V * T)
        out.append(
            _expect("theorem1_utility", p, V, sim.mean_u[i], u_bound, level, "lower", "tokens")
        )
        out.append(
            _expect("theorem2_backlog", p, V, sim.mean_Q[i], b.backlog_bound, level, "upper", "J")
        )
        out.append(
            _expect(
                "mean_rate_stability",
                p,
                V,
                sim.final_Q[i] / T,
                b.mean_rate_bound,
                level,
                "upper",
                "J/round",
            )
        )
        worst = float(sim.max_Q[i].max())
        out.append(
            Verdict(
                "theorem3_backlog",
                p,
                V,
                "fail" if det[i] else "pass",
                worst,
                b.deterministic_backlog_bound,
                worst,
                worst,
                f"max Q(t) over {S} paths {worst:.6g} J vs bound {b.deterministic_backlog_bound:.6g} J; "
                f"{det[i]} path(s) breach",
            )
        )
        excess = float((sim.sum_y[i] - (sim.final_Q[i] - sim.Q0)).max())
        out.append(
            Verdict(
                "violation_identity",
                p,
                V,
                "fail" if vio[i] else "pass",
                excess,
                0.0,
                excess,
                excess,
                f"max over paths of sum y - (Q(T) - Q(0)) = {excess:.3g} J (must be <= 0); "
                f"{vio[i]} path(s) breach",
            )
        )
        if exact_rounds:
            out.append(_consistency(sim, i, level))
        if c.theta_star is not None and b.ratio_lower_bound is not None:
            out.append(
                _expect(
                    "rate_throughput",
                    p,
                    V,
                    sim.mean_N[i] / sim.mean_T[i],
                    b.ratio_lower_bound,
                    level,
                    "lower",
                    "tokens/s",
                )
            )
    return out


def _consistency(sim: Simulation, i: int, level: float) -> Verdict:
    eN = stats.estimate(sim.model_dN[i], level, two_sided=True)
    eE = stats.estimate(sim.model_dE[i], level, two_sided=True)
    okN = stats.judge_equal(eN, 0.0, atol=1e-12)
    okE = stats.judge_equal(eE, 0.0, atol=1e-12)
    status = stats.PASS if okN == okE == stats.PASS else stats.FAIL
    return Verdict(
        "closed_form_consistency",
        sim.policy,
        float(sim.V[i]),
        status,
        eN.mean,
        0.0,
        eN.low,
        eN.high,
        f"executor minus closed form: tokens {eN.mean:+.4g} (CI +-{eN.half_width:.3g}), "
        f"energy {eE.mean:+.4g} J (CI +-{eE.half_width:.3g})",
    )


def scaling_verdicts(
    sim: Simulation, c: Constants, bounds: list[VBounds], level: float
) -> list[Verdict]:
    """Grid-level claims: V gap <= B at every V, and Q_bar / V within the Theorem 2 line."""
    V = sim.V
    gaps = [stats.estimate(c.u_star - sim.mean_u[i], level) for i in range(V.size)]
    hi = np.array([g.high for g in gaps]) * V
    lo = np.array([g.low for g in gaps]) * V
    noise = np.array([g.half_width for g in gaps])
    mean_gap = np.array([g.mean for g in gaps])
    above = mean_gap > noise
    slope = stats.loglog_slope(V[above], mean_gap[above])
    status = "pass" if (hi <= c.B).all() else ("fail" if (lo > c.B).any() else "inconclusive")
    slope_txt = f"{slope:.2f}" if slope is not None else "n/a (fewer than 2 gaps above noise)"
    out = [
        Verdict(
            "utility_scaling",
            sim.policy,
            None,
            status,
            float(hi.max()),
            c.B,
            float(lo.max()),
            float(hi.max()),
            f"max_V V*gap (upper CI) {hi.max():.4g} vs B {c.B:.4g}; log-log slope of the gap {slope_txt}",
        )
    ]
    qs = [stats.estimate(sim.mean_Q[i], level) for i in range(V.size)]
    q_hi = np.array([q.high for q in qs]) / V
    q_lo = np.array([q.low for q in qs]) / V
    line = np.array([b.backlog_bound for b in bounds]) / V
    fit = np.polyfit(V, [q.mean for q in qs], 1)[0] if V.size >= 2 else math.nan
    status = "pass" if (q_hi <= line).all() else ("fail" if (q_lo > line).any() else "inconclusive")
    out.append(
        Verdict(
            "backlog_scaling",
            sim.policy,
            None,
            status,
            float(q_hi.max()),
            float(line.max()),
            float(q_lo.max()),
            float(q_hi.max()),
            f"Q_bar/V (upper CI) up to {q_hi.max():.4g} J/(J/token); fitted dQ_bar/dV {fit:.4g} vs "
            f"Theorem 2 slope {(c.u_max - c.u_0) / c.epsilon:.4g} and lambda* {c.lambda_star:.4g}",
        )
    )
    return out
