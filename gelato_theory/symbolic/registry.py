"""Every proof obligation of SPEC §5 in one place, the planted wrong statements, and runners."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp

from gelato_theory.symbolic.average_drift import AverageDrift, average_constant_definition
from gelato_theory.symbolic.backlog import MeanRateStability, Theorem2
from gelato_theory.symbolic.band import BacklogBand, pos
from gelato_theory.symbolic.band_curved import CurvedBacklogBand, budget, k, x_a, y_a
from gelato_theory.symbolic.concavity import Concavity
from gelato_theory.symbolic.converse import LagrangianConverse, RegretIdentity
from gelato_theory.symbolic.coupled import CoupledTheorem3
from gelato_theory.symbolic.deterministic import Theorem3
from gelato_theory.symbolic.drift import DriftLemma
from gelato_theory.symbolic.geometric import GeometricSums, a, s
from gelato_theory.symbolic.geometric import K as K_budget
from gelato_theory.symbolic.obligation import CheckResult, Obligation
from gelato_theory.symbolic.output_law import OutputLaw, beta, p, q
from gelato_theory.symbolic.scaling import PerSecondRenewal, UtilityScaling
from gelato_theory.symbolic.slot_objective import SlotObjective
from gelato_theory.symbolic.symbols import (
    L0,
    Q0,
    B,
    B_avg,
    Q,
    T,
    V,
    d2,
    lam2,
    lambda_hi,
    lambda_star,
    phi_bar,
    t_min,
    theta_star,
    u_bar,
    u_star,
    y,
    y_bar,
)
from gelato_theory.symbolic.utility import Theorem1

#: the obligations, in the order of SPEC §5 (the order of the documents and of ``gelato prove``)
ALL_OBLIGATIONS: tuple[Obligation, ...] = (
    DriftLemma(),
    AverageDrift(),
    Theorem1(),
    UtilityScaling(),
    PerSecondRenewal(),
    Theorem2(),
    MeanRateStability(),
    Theorem3(),
    CoupledTheorem3(),
    BacklogBand(),
    CurvedBacklogBand(),
    LagrangianConverse(),
    RegretIdentity(),
    GeometricSums(),
    Concavity(),
    OutputLaw(),
    SlotObjective(),
)


@dataclass(frozen=True)
class WrongStatement:
    """A deliberately wrong variant of an obligation, which ``check()`` must refute."""

    name: str
    description: str
    obligation: Obligation


def registry() -> tuple[Obligation, ...]:
    """All obligations, in document order."""
    return ALL_OBLIGATIONS


def obligation(name: str) -> Obligation:
    """The obligation called ``name``; KeyError naming the known ones otherwise."""
    for ob in ALL_OBLIGATIONS:
        if ob.name == name:
            return ob
    raise KeyError(f"no obligation {name!r}; known: {[o.name for o in ALL_OBLIGATIONS]}")


def wrong_statements() -> tuple[WrongStatement, ...]:
    """Planted wrong statements: each must fail its check (the checker can fail)."""
    return (
        WrongStatement(
            "drift_qy_sign_flipped",
            "drift bound with the sign of Q·y flipped: y²/2 − Q·y",
            DriftLemma().mutant(drift_bound=y**2 / 2 - Q * y),
        ),
        WrongStatement(
            "theorem1_half_B",
            "Theorem 1 with B/(2V) instead of B/V",
            Theorem1().mutant(utility_bound=u_star - B / (2 * V) - L0 / (V * T)),
        ),
        WrongStatement(
            "B_avg_worst_state_halved",
            "average drift constant with ¼ Σ π_m W_m instead of ½ Σ π_m W_m",
            AverageDrift().mutant(B_avg_expr=average_constant_definition() / 2),
        ),
        WrongStatement(
            "utility_scaling_without_L0",
            "utility scaling without its E[L(0)]/T term: V·(u* − ū) ≤ B",
            UtilityScaling().mutant(scaled_gap=B),
        ),
        WrongStatement(
            "per_second_ratio_without_L0",
            "per-second ratio bound without its E[L(0)]/T term: θ* − B/(V·t_min)",
            PerSecondRenewal().mutant(ratio=theta_star - B / (V * t_min)),
        ),
        WrongStatement(
            "coupled_theorem3_without_cost",
            "coupled Theorem 3 without the action's largest cost: max(Q₀, V·λ_hi)",
            CoupledTheorem3().mutant(backlog_bound=sp.Max(Q0, V * lambda_hi)),
        ),
        WrongStatement(
            "band_high_half_B_avg",
            "backlog band with B_avg/(2d₂) instead of B_avg/d₂",
            BacklogBand().mutant(
                high=V * lam2 + B_avg / (2 * d2) + pos(Q0 - V * lam2) ** 2 / (2 * d2 * T)
            ),
        ),
        WrongStatement(
            "curved_band_ray_double",
            "curved backlog band whose ray crossing doubles the distance: x_a + 2(b − y_a)/k",
            CurvedBacklogBand().mutant(ray=x_a + 2 * (budget - y_a) / k),
        ),
        WrongStatement(
            "converse_sign_flipped",
            "Lagrangian converse with the multiplier term's sign flipped: u* − λ*·ȳ",
            LagrangianConverse().mutant(utility_upper=u_star - lambda_star * y_bar),
        ),
        WrongStatement(
            "control_variate_sign_flipped",
            "control variate with −λ*·ȳ: φ̄ − ū − λ*·ȳ",
            LagrangianConverse().mutant(control_variate=phi_bar - u_bar - lambda_star * y_bar),
        ),
        WrongStatement(
            "geometric_EA_off_by_one",
            "geometric sum off by one: E[A] = a·(1 − a^{K+1})/(1 − a)",
            GeometricSums().mutant(accepted=a * (1 - a ** (K_budget + 1)) / (1 - a)),
        ),
        WrongStatement(
            "geometric_Ec_off_by_one",
            "geometric sum off by one: E[c] = (1 − s^{K+1})/(1 − s)",
            GeometricSums().mutant(computed=(1 - s ** (K_budget + 1)) / (1 - s)),
        ),
        WrongStatement(
            "output_law_unnormalized",
            "output law with the residual not normalized: min(p, q) + (1 − β)·max(p − q, 0)",
            OutputLaw().mutant(law=sp.Min(p, q) + (1 - beta) * sp.Max(p - q, 0)),
        ),
    )


def run_all(obligations: Iterable[Obligation] | None = None) -> tuple[CheckResult, ...]:
    """Check every obligation (default: all), in order."""
    return tuple(ob.check() for ob in (ALL_OBLIGATIONS if obligations is None else obligations))
