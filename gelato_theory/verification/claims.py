"""The claims of SPEC §5 and §5.1 judged on a simulation (SPEC §6): one verdict per claim per V.

A claim is first turned into a :class:`Check`: the data and bound it compares plus the number of
confidence intervals its verdict uses. The engine counts the intervals of every check of the run,
Bonferroni-corrects the level (:func:`gelato_theory.verification.stats.bonferroni_level`) and only
then judges each check at that level. Sample-path claims use no interval and fail on any breach.

Which claims apply depends on the controller's class (:data:`APPLIES`): the theorems of SPEC §5 and
the envelope claims of §5.1 hold for exact DPP (C = 0); Theorems 1-2 hold for an approximate
(C-additive) DPP with its checked C; the violation identity and the Lagrangian converse hold for every
causal policy (the converse needs menu actions, whose closed-form statistics define phi).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gelato_theory.control.protocol import APPROXIMATE_DPP, CAUSAL, EXACT_DPP
from gelato_theory.exact.bounds import Constants, VBounds
from gelato_theory.exact.converse import phi
from gelato_theory.exact.problem import Problem
from gelato_theory.simulation.simulator import Simulation
from gelato_theory.verification import pathwise, stats

EXACT, APPROXIMATE = EXACT_DPP, APPROXIMATE_DPP

#: Claim names, in report order, with what each states (B_avg, phi, band: SPEC §5.1).
CLAIMS = {
    "theorem1_utility": "(1/T) sum E[u(t)] >= u* - (B_avg + C)/V - E[L(0)]/(V T) (B_avg_any for "
    "an in-round rule)",
    "theorem2_backlog": "(1/T) sum E[Q(t)] <= Theorem 2 with B_avg, LP-tightened (approximate DPP: "
    "(B_avg_any + C + V (u_max - u_0))/eps + E[L(0)]/(eps T))",
    "mean_rate_stability": "E[Q(T)]/T <= sqrt(2 E[L(0)]/T^2 + 2 (B + C + V (u_max - u*))/T)",
    "theorem3_backlog": "Q(t) <= max(Q0, V rho + y_max) at every round of every path",
    "coupled_theorem3": "Q(t) <= max(Q0, max_(m,a) V lambda_hi(m,a) + y_hi(m,a)) at every round "
    "of every path",
    "backlog_band": "V l1 - B_avg/d1 - ((V l1 - Q0)^+)^2/(2 d1 T) <= (1/T) sum E[Q(t)] <= "
    "V l2 + B_avg/d2 + ((Q0 - V l2)^+)^2/(2 d2 T), each end tightened by the curved band "
    "V l2 + sup{x : hull psi_2(x) <= B_avg + L2(0)/T} (and its mirror)",
    "violation_identity": "sum_{s<t} y(s) <= Q(t) - Q(0) at every round of every path",
    "closed_form_consistency": "E[N(t) - N_bar(m, a)] = 0 and E[E(t) - E_bar(m, a)] = 0",
    "lagrangian_converse": "E[G] >= 0, G = (1/T) sum [phi_m(t)(lambda*) - u(t) + lambda* y(t)] "
    "(any causal policy: E[u_T] - lambda* E[y_T] <= u*)",
    "empirical_C": "the measured C (mean of V u - Q y below the per-slot optimum) equals the exact "
    "C of the queue-aware inner rule, averaged over the backlogs the run visits",
    "rate_throughput": "(1/T) sum (N - theta* T) >= -(B_avg + C + E[L(0)]/T)/V on sums "
    "(so sum N / sum T >= theta* - (B_avg + C + E[L(0)]/T)/(V mean T))",
    "utility_scaling": "V (u* - u_bar) <= B_avg + C + E[L(0)]/T at every V; regret R fitted "
    "against V (slope with standard error, regime O(1/V) or exponentially small)",
    "backlog_scaling": "Q_bar / V <= Theorem 2 / V at every V (backlog O(V))",
}

#: The controller classes each claim applies to.
APPLIES = {
    "theorem1_utility": (EXACT, APPROXIMATE),
    "theorem2_backlog": (EXACT, APPROXIMATE),
    "mean_rate_stability": (EXACT, APPROXIMATE),
    "theorem3_backlog": (EXACT,),
    "coupled_theorem3": (EXACT,),
    "backlog_band": (EXACT,),
    "violation_identity": (EXACT, APPROXIMATE, CAUSAL),
    "closed_form_consistency": (EXACT, APPROXIMATE, CAUSAL),
    "lagrangian_converse": (EXACT, APPROXIMATE, CAUSAL),
    "empirical_C": (APPROXIMATE,),
    "rate_throughput": (EXACT, APPROXIMATE),
    "utility_scaling": (EXACT, APPROXIMATE),
    "backlog_scaling": (EXACT, APPROXIMATE),
}


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
    bound_high: float | None = None  # upper end of a two-sided band (None for one-sided claims)


@dataclass(frozen=True)
class Check:
    """A claim ready to judge: ``judge(level)`` gives its verdict from ``intervals`` confidence
    intervals, each at the per-interval ``level`` (0 intervals: a sample-path claim)."""

    claim: str
    V: float | None
    intervals: int
    judge: Callable[[float], Verdict]


@dataclass(frozen=True, eq=False)
class Context:
    """What every claim of one simulated policy reads."""

    sim: Simulation
    c: Constants
    problem: Problem
    bounds: list[VBounds]
    policy_class: str
    C_hat: np.ndarray  # (n_V,) the checked C of an approximate DPP (0 for exact DPP)
    exact_C: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    @property
    def T(self) -> int:
        return self.sim.horizon

    @property
    def S(self) -> int:
        return int(self.sim.mean_N.shape[1])

    @property
    def B(self) -> float:
        """The average drift constant of the class: B_avg for menu-action controllers, B_avg_any
        for an in-round rule (its round's outcome law need not be a menu action's), J^2."""
        return self.c.B_avg if self.policy_class == EXACT else self.c.B_avg_any

    def backlog_bound(self, i: int) -> float:
        """Theorem 2 at V_i: LP-tightened with B_avg for exact DPP; for an approximate DPP the
        plain form with B_avg_any + C over the minimum-cost policy's slack epsilon, J."""
        b, c = self.bounds[i], self.c
        if self.policy_class == EXACT:
            return b.backlog_bound_avg
        top = self.B + float(self.C_hat[i]) + b.V * (c.u_max - c.u_0)
        return top / c.epsilon + c.L0 / (c.epsilon * self.T)

    def applies(self, claim: str) -> bool:
        return self.policy_class in APPLIES[claim]

    @property
    def on_menu(self) -> np.ndarray:
        """(n_V,) True where every decision of every path was a menu action."""
        return np.isfinite(self.sim.mean_u_model).all(axis=1)


def expectation(
    claim: str, policy: str, V: float | None, values, bound: float, side: str, unit: str
) -> Check:
    """E[values] >= bound (side "lower") or <= bound ("upper"), one one-sided interval."""

    def judge(level: float) -> Verdict:
        e = stats.estimate(values, level)
        status = stats.judge_lower(e, bound) if side == "lower" else stats.judge_upper(e, bound)
        need = stats.seeds_to_decide(e, bound) if status == stats.INCONCLUSIVE else None
        rel = ">=" if side == "lower" else "<="
        detail = f"mean {e.mean:.6g} {unit} (CI {e.low:.6g}..{e.high:.6g}) {rel} bound {bound:.6g}"
        if need:
            detail += f"; about {need} seeds would decide"
        return Verdict(claim, policy, V, status, e.mean, bound, e.low, e.high, detail, need)

    return Check(claim, V, 1, judge)


def band(claim: str, policy: str, V: float, values, low: float, high: float, unit: str) -> Check:
    """low <= E[values] <= high: two one-sided intervals (one per side of the band)."""

    def judge(level: float) -> Verdict:
        e = stats.estimate(values, level)
        status = stats.judge_band(e, low, high)
        need = None
        if status == stats.INCONCLUSIVE:
            edge = low if e.low < low else high
            need = stats.seeds_to_decide(e, edge)
        detail = (
            f"mean {e.mean:.6g} {unit} (CI {e.low:.6g}..{e.high:.6g}) in band "
            f"[{low:.6g}, {high:.6g}]"
        )
        if need:
            detail += f"; about {need} seeds would decide"
        return Verdict(claim, policy, V, status, e.mean, low, e.low, e.high, detail, need, high)

    return Check(claim, V, 2, judge)


def path_claim(
    claim: str, policy: str, V: float, worst: float, bound: float, breaches: int, what: str
) -> Check:
    """A sample-path claim: fails on any breach; no interval."""
    status = stats.FAIL if breaches else stats.PASS
    v = Verdict(
        claim,
        policy,
        V,
        status,
        worst,
        bound,
        worst,
        worst,
        f"{what} {worst:.6g} J vs bound {bound:.6g} J; {breaches} path(s) breach",
    )
    return Check(claim, V, 0, lambda level: v)


def converse_values(ctx: Context, i: int) -> np.ndarray:
    """Per path G = (1/T) sum_t [phi_m(t)(lambda*) - u(t) + lambda* y(t)] (tokens), E[G] >= 0."""
    sim, c = ctx.sim, ctx.c
    phi_sum = sim.state_counts[i] @ phi(ctx.problem, c.lambda_star) / ctx.T
    return phi_sum - sim.mean_u[i] + c.lambda_star * sim.mean_y[i]


def regret_values(ctx: Context, i: int) -> np.ndarray:
    """Per path R = (1/T) sum_t [phi_m(t)(lambda*) - (u - lambda* y)(m_t, a_t)] >= 0 (tokens),
    from the closed-form statistics of the chosen menu actions (NaN off the menu)."""
    sim, c = ctx.sim, ctx.c
    phi_sum = sim.state_counts[i] @ phi(ctx.problem, c.lambda_star) / ctx.T
    return phi_sum - (sim.mean_u_model[i] - c.lambda_star * sim.mean_y_model[i])


def per_V_checks(ctx: Context) -> list[Check]:
    """Every per-V claim that applies to the policy's class."""
    sim, c, T, p = ctx.sim, ctx.c, ctx.T, ctx.sim.policy
    out: list[Check] = []
    det = pathwise.deterministic_backlog_breaches(sim, c)
    coupled = pathwise.coupled_backlog_breaches(sim, ctx.bounds)
    vio = pathwise.violation_identity_breaches(sim, c)
    on_menu = ctx.on_menu
    for i, b in enumerate(ctx.bounds):
        V, C = b.V, float(ctx.C_hat[i])
        if ctx.applies("theorem1_utility"):
            bound = c.u_star - (ctx.B + C) / V - c.L0 / (V * T)
            out.append(
                expectation("theorem1_utility", p, V, sim.mean_u[i], bound, "lower", "tokens")
            )
        if ctx.applies("theorem2_backlog"):
            out.append(
                expectation(
                    "theorem2_backlog", p, V, sim.mean_Q[i], ctx.backlog_bound(i), "upper", "J"
                )
            )
        if ctx.applies("mean_rate_stability"):
            bound = math.sqrt(b.mean_rate_bound**2 + 2 * C / T)
            out.append(
                expectation(
                    "mean_rate_stability", p, V, sim.final_Q[i] / T, bound, "upper", "J/round"
                )
            )
        if ctx.applies("theorem3_backlog"):
            out.append(
                path_claim(
                    "theorem3_backlog",
                    p,
                    V,
                    float(sim.max_Q[i].max()),
                    b.deterministic_backlog_bound,
                    int(det[i]),
                    f"max over rounds and {ctx.S} paths of Q(t)",
                )
            )
        if ctx.applies("coupled_theorem3"):
            out.append(
                path_claim(
                    "coupled_theorem3",
                    p,
                    V,
                    float(sim.max_Q[i].max()),
                    b.coupled_backlog_bound,
                    int(coupled[i]),
                    f"max over rounds and {ctx.S} paths of Q(t)",
                )
            )
        if ctx.applies("backlog_band") and (
            math.isfinite(b.band_low) or math.isfinite(b.band_high)
        ):
            out.append(band("backlog_band", p, V, sim.mean_Q[i], b.band_low, b.band_high, "J"))
        out.append(
            path_claim(
                "violation_identity",
                p,
                V,
                float(sim.max_identity_excess[i].max()),
                0.0,
                int(vio[i]),
                "max over rounds and paths of sum_{s<t} y(s) - (Q(t) - Q(0)) =",
            )
        )
        if on_menu[i]:
            out.append(_consistency(sim, i))
            out.append(
                expectation(
                    "lagrangian_converse", p, V, converse_values(ctx, i), 0.0, "lower", "tokens"
                )
            )
        if c.theta_star is not None and ctx.applies("rate_throughput"):
            out.append(_rate(ctx, i, b))
        if ctx.exact_C is not None and ctx.applies("empirical_C") and sim.trace_Q is not None:
            out.append(_c_check(ctx, i))
    return out


#: (path, round) pairs of the Q trace at which the exact C is evaluated, per V
C_SAMPLES = 48


def _c_check(ctx: Context, i: int) -> Check:
    """The simulator's C (realized V u - Q y below the per-slot optimum, mean per path) against the
    exact C of the documented inner rule, sum_m pi_m C_m(Q), at C_SAMPLES (path, round) backlogs of
    the trace (rounds < T, every path, evenly spread): a Welch interval on the difference of means,
    two-sided (two intervals). A rule that does not do what the scenario documents (e.g. a
    mis-weighted acceptance estimate) has a measured C that its exact C does not explain."""
    sim = ctx.sim
    assert sim.trace_Q is not None and ctx.exact_C is not None  # checks() calls only then
    Q = sim.trace_Q[i][:, sim.trace_t < ctx.T]
    flat = Q.ravel()
    pick = np.linspace(0, flat.size - 1, min(C_SAMPLES, flat.size)).round().astype(int)
    exact = ctx.exact_C(np.full(pick.size, sim.V[i]), flat[pick])
    measured = sim.shortfall_mean[i]

    def judge(level: float) -> Verdict:
        a, b = stats.estimate(measured, level, True), stats.estimate(exact, level, True)
        se = math.hypot(a.sd / math.sqrt(a.n), b.sd / math.sqrt(b.n))
        dof = (
            se**4 / ((a.sd**2 / a.n) ** 2 / (a.n - 1) + (b.sd**2 / b.n) ** 2 / (b.n - 1))
            if se > 0
            else 1.0
        )
        hw = float(stats.sps.t.ppf((1 + level) / 2, dof)) * se
        diff = a.mean - b.mean
        status = stats.PASS if abs(diff) <= hw + 1e-12 else stats.FAIL
        return Verdict(
            "empirical_C",
            sim.policy,
            float(sim.V[i]),
            status,
            a.mean,
            b.mean,
            diff - hw,
            diff + hw,
            f"measured C {a.mean:.4g} vs exact C of the documented rule {b.mean:.4g} "
            f"(difference {diff:+.3g} +- {hw:.3g}, tokens x J/token)",
        )

    return Check("empirical_C", float(sim.V[i]), 2, judge)


def _rate(ctx: Context, i: int, b: VBounds) -> Check:
    """Per-second: the linear renewal form on sums, with the implied ratio of sums in the detail."""
    sim, c, T = ctx.sim, ctx.c, ctx.T
    slack = (ctx.B + float(ctx.C_hat[i]) + c.L0 / T) / b.V
    inner = expectation(
        "rate_throughput", sim.policy, b.V, sim.mean_u[i], -slack, "lower", "tokens (N - theta* T)"
    )
    ratio = float(sim.mean_N[i].sum() / sim.mean_T[i].sum())
    mean_T = float(sim.mean_T[i].mean())

    def judge(level: float) -> Verdict:
        v = inner.judge(level)
        detail = (
            f"{v.detail}; sum N / sum T = {ratio:.6g} tokens/s vs theta* {c.theta_star:.6g} - "
            f"{slack / mean_T:.4g}"
        )
        return Verdict(**{**v.__dict__, "detail": detail})

    return Check("rate_throughput", b.V, 1, judge)


def _consistency(sim: Simulation, i: int) -> Check:
    """Two two-sided intervals: executor tokens and energy minus the closed forms."""

    def judge(level: float) -> Verdict:
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

    return Check("closed_form_consistency", float(sim.V[i]), 2, judge)


#: A drop of the regret this many times steeper than 1/V between neighbouring V marks the
#: exponentially small regime (finite problems past a threshold V).
EXPONENTIAL_DROP = 10.0


@dataclass(frozen=True)
class RegretFit:
    """Mean regret per V with its confidence half-width, and its scaling (SPEC §5.1): the fitted
    slope of log R on log V over the V where R is above noise (-1 for O(1/V)), and whether R falls
    off much faster than 1/V between neighbouring V (the exponentially small gap of a finite problem
    past a threshold V)."""

    V: np.ndarray
    mean: np.ndarray
    half_width: np.ndarray
    loglog: stats.LineFit | None

    @property
    def regime(self) -> str:
        above = self.mean > self.half_width
        for k in range(self.V.size - 1):
            if not above[k]:
                continue
            ratio = self.mean[k + 1] / self.mean[k] if above[k + 1] else 0.0
            if ratio * EXPONENTIAL_DROP < self.V[k] / self.V[k + 1]:
                fall = "to noise" if not above[k + 1] else f"{1 / ratio:.3g}x"
                return (
                    f"exponentially small past V = {self.V[k]:g} (R falls {fall} from V = "
                    f"{self.V[k]:g} to {self.V[k + 1]:g}; 1/V gives {self.V[k + 1] / self.V[k]:.3g}x)"
                )
        if self.loglog is None:
            return "undetermined (fewer than 3 regrets above noise)"
        lf = self.loglog
        return f"O(1/V): log-log slope {lf.slope:.2f} +- {lf.slope_se:.2f} (-1 expected)"


def regret_fit(ctx: Context, level: float) -> RegretFit | None:
    """The regret per V with its interval, fitted over the V where it is above noise (None when a
    decision was off the menu: R needs the closed forms of the chosen actions)."""
    if not ctx.on_menu.all():
        return None
    est = [stats.estimate(regret_values(ctx, i), level) for i in range(ctx.sim.V.size)]
    mean = np.array([e.mean for e in est])
    hw = np.array([e.half_width for e in est])
    V = ctx.sim.V
    logR = np.log(np.where(mean > hw, mean, np.nan))
    return RegretFit(V=V, mean=mean, half_width=hw, loglog=stats.line_fit(np.log(V), logR))


def scaling_checks(ctx: Context) -> list[Check]:
    """Grid-level claims: V gap <= B_avg + C + E[L(0)]/T at every V, and Q_bar / V within Theorem 2."""
    sim, c, T = ctx.sim, ctx.c, ctx.T
    V = sim.V
    out: list[Check] = []
    if ctx.applies("utility_scaling"):
        allowance = ctx.B + ctx.C_hat + c.L0 / T

        def judge_utility(level: float) -> Verdict:
            gaps = [stats.estimate(c.u_star - sim.mean_u[i], level) for i in range(V.size)]
            hi = np.array([g.high for g in gaps]) * V
            lo = np.array([g.low for g in gaps]) * V
            status = (
                stats.PASS
                if (hi <= allowance).all()
                else (stats.FAIL if (lo > allowance).any() else stats.INCONCLUSIVE)
            )
            worst = int(np.argmax(hi - allowance))
            fit = regret_fit(ctx, level)
            fit_txt = (
                "regret fit n/a (off-menu decisions)" if fit is None else f"regret {fit.regime}"
            )
            return Verdict(
                "utility_scaling",
                sim.policy,
                None,
                status,
                float(hi[worst]),
                float(allowance[worst]),
                float(lo[worst]),
                float(hi[worst]),
                f"max_V V*gap - allowance at V={V[worst]:g}: V*gap (upper CI) {hi[worst]:.4g} vs "
                f"B_avg + C + L0/T {allowance[worst]:.4g}; {fit_txt}",
            )

        out.append(Check("utility_scaling", None, V.size, judge_utility))
    if ctx.applies("backlog_scaling"):
        line = np.array([ctx.backlog_bound(i) for i in range(V.size)])

        def judge_backlog(level: float) -> Verdict:
            qs = [stats.estimate(sim.mean_Q[i], level) for i in range(V.size)]
            q_hi = np.array([q.high for q in qs]) / V
            q_lo = np.array([q.low for q in qs]) / V
            lim = line / V
            status = (
                stats.PASS
                if (q_hi <= lim).all()
                else (stats.FAIL if (q_lo > lim).any() else stats.INCONCLUSIVE)
            )
            fit = stats.line_fit(V, np.array([q.mean for q in qs]))
            slope = (
                "n/a (fewer than 3 V)"
                if fit is None
                else f"{fit.slope:.4g} +- {fit.slope_se:.2g} J/(J/token)"
            )
            worst = int(np.argmax(q_hi - lim))
            return Verdict(
                "backlog_scaling",
                sim.policy,
                None,
                status,
                float(q_hi[worst]),
                float(lim[worst]),
                float(q_lo[worst]),
                float(q_hi[worst]),
                f"Q_bar/V (upper CI) {q_hi[worst]:.4g} vs Theorem 2 line {lim[worst]:.4g} at "
                f"V={V[worst]:g}; fitted dQ_bar/dV {slope} vs lambda* {c.lambda_star:.4g}",
            )

        out.append(Check("backlog_scaling", None, V.size, judge_backlog))
    return out


def checks(ctx: Context) -> list[Check]:
    """Every check of one simulated policy, per-V claims first."""
    return per_V_checks(ctx) + scaling_checks(ctx)
