"""GELATO against every baseline on one scenario at one V (SPEC §4 baselines, §6, §7 ``compare``).

Every policy of :func:`gelato_theory.control.registry.policies` runs on the same seeds (common
random numbers: the same channel and token draws). Per policy and seed the run gives tokens/s
(sum N / sum T), tokens/round, J/token (sum E / sum N), average power (sum E / sum T, W) and
energy/round (J); the table holds their means with two-sided Student-t intervals across seeds.

**Budget rule.** The budget is a long-term average (E_bar J/round, or P_bar W for the per-second
objective), so it is judged on the relative excess r = mean y / budget per round of each seed
(y = E - E_bar, or E - P_bar T with budget per round P_bar T). A policy meets the budget when the
one-sided upper confidence bound of r is at most

    1e-3 + (V rho + y_max) / (T * budget per round),

the second term being Theorem 3's bound on the realized violation (1/T) sum y(t) <= Q(T)/T after T
rounds: the excess a queue-based controller that meets the budget in the long run may still show at
a finite horizon (it vanishes as 1/T). The same allowance applies to every policy; 0 when Theorem 3
does not apply. The measured excess is reported next to the verdict.

**Headline.** Paired across seeds: GELATO's ratio to a baseline minus 1, for tokens/s, tokens/round,
J/token and energy/round, against (a) the baseline with the highest tokens/s among those meeting the
budget and (b) fixed-K distributed SD (fixed-k4). The LP oracle and the GELATO variants are
references, not baselines.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gelato_theory.control.registry import FIXED_K, policies
from gelato_theory.exact.bounds import bounds_at, constants
from gelato_theory.executor.rounds import Executor
from gelato_theory.scenario.model import Scenario
from gelato_theory.simulation.simulator import Simulation, simulate
from gelato_theory.verification.stats import estimate

if TYPE_CHECKING:
    from gelato_theory.progress import RunProgress

SCHEMA = "gelato-compare/1"
GELATO = "gelato"
#: references shown in the table but never chosen as "best baseline"
REFERENCES = ("gelato", "gelato-exact", "gelato-running", "lp-oracle")
#: relative tolerance on the budget (on top of the Theorem 3 finite-horizon allowance)
BUDGET_RTOL = 1e-3


@dataclass(frozen=True)
class Interval:
    """A mean over seeds with its two-sided confidence interval [low, high]."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: np.ndarray, level: float) -> Interval:
        e = estimate(values, level, two_sided=True)
        hw = e.half_width if math.isfinite(e.half_width) else 0.0
        return cls(e.mean, e.mean - hw, e.mean + hw)


@dataclass(frozen=True)
class PolicyRow:
    """One policy's measured performance at the compared V (units in the field names)."""

    policy: str
    tokens_per_second: Interval
    tokens_per_round: Interval
    joules_per_token: Interval
    power_w: Interval
    energy_per_round_j: Interval
    sent_tokens_per_round: Interval
    budget_excess: Interval  # mean y / budget per round (relative, 0.01 = 1 % over budget)
    budget_excess_ucb: float  # one-sided upper confidence bound of the relative excess
    meets_budget: bool


@dataclass(frozen=True)
class Headline:
    """GELATO against one baseline: ratio minus 1 (0.10 = +10 %), paired across seeds."""

    baseline: str
    baseline_meets_budget: bool
    tokens_per_second_gain: Interval
    tokens_per_round_gain: Interval
    joules_per_token_change: Interval
    energy_per_round_change: Interval


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """The comparison table and headline; text, Markdown and JSON are views of it."""

    scenario: str
    kind: str  # "per_round" | "per_second"
    V: float  # J/token
    seeds: int
    horizon: int
    confidence: float  # level of the two-sided intervals and the one-sided budget bound
    budget: float  # E_bar (J/round) or P_bar (W)
    budget_unit: str
    budget_allowance: float  # relative finite-horizon allowance (Theorem 3), added to BUDGET_RTOL
    rows: list[PolicyRow]
    vs_best: Headline | None  # against the best baseline meeting the budget (None if none does)
    vs_fixed: Headline | None  # against fixed-K distributed SD
    settings: dict = field(default_factory=dict)

    def row(self, policy: str) -> PolicyRow:
        for r in self.rows:
            if r.policy == policy:
                return r
        raise KeyError(policy)

    def to_dict(self) -> dict:
        d = {"schema": SCHEMA}
        d.update(asdict(self))
        return d

    def to_pandas(self):
        """One row per policy, intervals as mean/low/high columns (:mod:`gelato_theory.frames`)."""
        from gelato_theory.frames import comparison_frame

        return comparison_frame(self)

    def __repr__(self) -> str:
        from gelato_theory.frames import comparison_repr

        return comparison_repr(self)

    def _repr_markdown_(self) -> str:
        return to_markdown(self)


def _relative_excess(scenario: Scenario, sim: Simulation, i: int) -> np.ndarray:
    """mean y / budget per round, per seed."""
    obj = scenario.objective
    if obj.kind == "per_round":
        return sim.mean_y[i] / obj.energy_budget_j
    return sim.mean_y[i] / (obj.power_budget_w * sim.mean_T[i])


def _headline(sims: dict[str, Simulation], base: str, meets: bool, level: float) -> Headline:
    g, b = sims[GELATO], sims[base]

    def paired(x: np.ndarray, y: np.ndarray) -> Interval:
        return Interval.of(x[0] / y[0] - 1.0, level)

    return Headline(
        baseline=base,
        baseline_meets_budget=meets,
        tokens_per_second_gain=paired(g.throughput, b.throughput),
        tokens_per_round_gain=paired(g.mean_N, b.mean_N),
        joules_per_token_change=paired(g.joules_per_token, b.joules_per_token),
        energy_per_round_change=paired(g.mean_E, b.mean_E),
    )


def compare(
    scenario: Scenario,
    *,
    V: float | None = None,
    seeds: int | None = None,
    horizon: int | None = None,
    progress: bool | RunProgress = False,
    executor: Executor | None = None,
) -> ComparisonResult:
    """Run every policy at one V (default: the largest of the scenario's grid) and tabulate;
    ``executor`` runs the rounds (default: the scenario's own; an n-gram pair after prepare())."""
    problem, c = constants(scenario)
    V = float(max(scenario.control.V) if V is None else V)
    S = scenario.verification.seeds if seeds is None else int(seeds)
    T = scenario.verification.horizon if horizon is None else int(horizon)
    level = scenario.verification.confidence
    obj = scenario.objective
    ex = executor or Executor(scenario)
    sims = {
        name: simulate(
            scenario, problem, pol, V=[V], seeds=S, horizon=T, executor=ex, progress=progress
        )
        for name, pol in policies(scenario, problem).items()
    }
    violation = bounds_at(c, V, T, problem).violation_bound
    if obj.kind == "per_round":
        budget, unit, per_round = obj.budget, "J/round", obj.budget
    else:
        budget, unit = obj.budget, "W"
        per_round = obj.budget * float(np.mean([s.mean_T[0].mean() for s in sims.values()]))
    allowance = violation / per_round if math.isfinite(violation) else 0.0
    rows = []
    for name, sim in sims.items():
        r = _relative_excess(scenario, sim, 0)
        ucb = estimate(r, level).high
        rows.append(
            PolicyRow(
                policy=name,
                tokens_per_second=Interval.of(sim.throughput[0], level),
                tokens_per_round=Interval.of(sim.mean_N[0], level),
                joules_per_token=Interval.of(sim.joules_per_token[0], level),
                power_w=Interval.of(sim.power_w[0], level),
                energy_per_round_j=Interval.of(sim.mean_E[0], level),
                sent_tokens_per_round=Interval.of(sim.mean_k[0], level),
                budget_excess=Interval.of(r, level),
                budget_excess_ucb=float(ucb),
                meets_budget=bool(ucb <= BUDGET_RTOL + allowance),
            )
        )
    ok = [r for r in rows if r.meets_budget and r.policy not in REFERENCES]
    best = max(ok, key=lambda r: r.tokens_per_second.mean) if ok else None
    fixed = next((r for r in rows if r.policy == f"fixed-k{FIXED_K}"), None)
    if fixed is None:
        fixed = next((r for r in rows if r.policy.startswith("fixed-k")), None)
    return ComparisonResult(
        scenario=scenario.name,
        kind=obj.kind,
        V=V,
        seeds=S,
        horizon=T,
        confidence=level,
        budget=float(budget),
        budget_unit=unit,
        budget_allowance=float(allowance),
        rows=rows,
        vs_best=_headline(sims, best.policy, True, level) if best else None,
        vs_fixed=_headline(sims, fixed.policy, fixed.meets_budget, level) if fixed else None,
        settings={"root_seed": scenario.verification.seed, "budget_rtol": BUDGET_RTOL},
    )


def _ci(x: Interval, fmt: str = ".4g", scale: float = 1.0) -> str:
    return f"{x.mean * scale:{fmt}} [{x.low * scale:{fmt}}, {x.high * scale:{fmt}}]"


def _pct(x: Interval) -> str:
    return f"{100 * x.mean:+.2f} % [{100 * x.low:+.2f}, {100 * x.high:+.2f}]"


def headline_lines(res: ComparisonResult) -> list[str]:
    """One sentence per headline comparison."""
    lines = []
    for label, h in (
        ("best baseline meeting the budget", res.vs_best),
        ("fixed-K SD", res.vs_fixed),
    ):
        if h is None:
            lines.append(f"- vs {label}: none")
            continue
        met = "meets" if h.baseline_meets_budget else "does NOT meet"
        lines.append(
            f"- vs {label} (**{h.baseline}**, {met} the budget): tokens/s {_pct(h.tokens_per_second_gain)}, "
            f"tokens/round {_pct(h.tokens_per_round_gain)}, J/token {_pct(h.joules_per_token_change)}, "
            f"energy/round {_pct(h.energy_per_round_change)}"
        )
    return lines


def to_markdown(res: ComparisonResult) -> str:
    """The comparison as a Markdown section: settings, table, headline."""
    level = f"{100 * res.confidence:g} %"
    budget = f"Ē = {res.budget:g} J/round" if res.kind == "per_round" else f"P̄ = {res.budget:g} W"
    out = [
        f"### GELATO vs baselines: scenario `{res.scenario}`, V = {res.V:g} J/token",
        "",
        f"{res.seeds} seeds × {res.horizon} rounds, common random numbers; mean [{level} CI across "
        f"seeds]. Budget {budget}; *met* when the one-sided {level} upper bound of the relative "
        f"excess is ≤ {100 * BUDGET_RTOL:g} % + {100 * res.budget_allowance:.3g} % (Theorem 3's "
        f"finite-horizon violation bound (Vρ + y_max)/T at this V and T).",
        "",
        "| policy | tokens/s | tokens/round | J/token | power (W) | energy/round (J) | "
        "sent tokens/round | excess over budget | budget met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res.rows:
        out.append(
            f"| {r.policy} | {_ci(r.tokens_per_second, '.2f')} | {_ci(r.tokens_per_round, '.3f')} "
            f"| {_ci(r.joules_per_token, '.4f')} | {_ci(r.power_w, '.3f')} "
            f"| {_ci(r.energy_per_round_j, '.4f')} | {_ci(r.sent_tokens_per_round, '.3f')} "
            f"| {_pct(r.budget_excess)} | {'yes' if r.meets_budget else '**no**'} |"
        )
    out += ["", f"GELATO (`{GELATO}`), paired across seeds, ratio − 1 [{level} CI]:", ""]
    out += headline_lines(res)
    return "\n".join(out) + "\n"
