"""``gelato bounds``: the scenario's bound constants and a per-V table of bounds (SPEC §5, §7)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gelato_theory.cli.common import Outputs, add_scenario_args, scenario_from_args

if TYPE_CHECKING:
    from gelato_theory.exact.bounds import BoundReport

SCHEMA_VERSION = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bounds", help="print the bound constants and per-V bounds of a scenario")
    add_scenario_args(p)
    p.add_argument("--horizon", type=int, default=None, help="T in rounds (default: scenario's)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    outputs = Outputs()
    json_path = outputs.file("--json", args.json)
    scenario = scenario_from_args(args)
    if args.horizon is not None:
        scenario = scenario.replace(**{"verification.horizon": args.horizon})

    from gelato_theory.atomic import to_json
    from gelato_theory.exact.bounds import bound_report
    from gelato_theory.simulation.prepare import prepare

    report = bound_report(prepare(scenario).model)
    print(render(report))
    if json_path is not None:
        outputs.files[json_path] = to_json({"schema_version": SCHEMA_VERSION, **report.to_dict()})
    outputs.write()
    return 0


def render(report: BoundReport) -> str:
    """Plain-text view: constants, then one row per V."""
    c = report.constants
    unit_u, unit_y = ("tokens/round", "J") if c.kind == "per_round" else ("tokens", "J")
    lines = [f"scenario: {report.scenario}  (objective: {c.kind})", ""]
    consts = [
        ("u*", c.u_star, unit_u),
        ("u* (dual)", c.u_star_dual, unit_u),
        ("lambda*", c.lambda_star, f"{unit_u.split('/')[0]}/J"),
        ("B", c.B, "J^2"),
        ("B_avg (E_omega max_a E[y^2]/2)", c.B_avg, "J^2"),
        ("B_avg_any (any controller)", c.B_avg_any, "J^2"),
        ("epsilon (Slater slack)", c.epsilon, unit_y),
        ("u_max", c.u_max, unit_u),
        ("u_0", c.u_0, unit_u),
        ("rho", c.rho, f"{unit_u.split('/')[0]}/J"),
        ("y_max", c.y_max, unit_y),
    ]
    if c.theta_star is not None:
        consts.insert(0, ("theta*", c.theta_star, "tokens/s"))
    for name, value, unit in consts:
        lines.append(f"  {name:<32}{value:>14.6g}  {unit}")
    if not c.theorem3_applicable:
        lines.append("  Theorem 3 does not apply: a minimum-cost action can add cost")
    head = [
        "V",
        "Thm1 (B) >=",
        "Thm1 (B_avg) >=",
        "Thm2 (LP) <=",
        "Thm2 (B_avg) <=",
        "band low",
        "band high",
        "mean-rate <=",
        "Thm3 Q(t) <=",
        "coupled Q(t) <=",
    ]
    lines += ["", "  ".join(f"{h:>15}" for h in head)]
    for v in report.per_V:
        row = [
            v.V,
            v.utility_lower_bound,
            v.utility_lower_bound_avg,
            v.backlog_bound_lp,
            v.backlog_bound_avg,
            v.band_low,
            v.band_high,
            v.mean_rate_bound,
            v.deterministic_backlog_bound,
            v.coupled_backlog_bound,
        ]
        lines.append("  ".join(f"{x:>15.6g}" for x in row))
    lines.append(
        f"\nhorizon T = {report.per_V[0].T} rounds; backlog in J, V in J/token; band: exact DPP's"
        " (1/T) sum E[Q(t)] lies in [band low, band high] (SPEC §5.1)"
    )
    return "\n".join(lines)
