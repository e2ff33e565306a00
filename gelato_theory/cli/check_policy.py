"""``gelato check-policy PATH``: load a controller and run the policy checker on it (SPEC §4.1, §7).

PATH is a built-in name or an import path (``package.module:Name``, ``path/to/file.py:Name``).
Exit 0 when every check passes, 2 when the policy does not load or a check fails (the check's name
and what was wrong on one line of stderr).
"""

from __future__ import annotations

import argparse

from gelato_theory.cli.common import add_scenario_args, scenario_from_args

#: equal to gelato_theory.control.checker.BATCH and ROUNDS (tested); here so --help loads no numpy
BATCH, ROUNDS = 12, 16


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check-policy",
        help="check that a controller keeps the policy protocol (shapes, menu, determinism, ...)",
    )
    p.add_argument("path", metavar="PATH", help="built-in name or import path module:Name")
    add_scenario_args(p)
    p.add_argument("--batch", type=int, default=BATCH, help=f"trajectories (default {BATCH})")
    p.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds (default {ROUNDS})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gelato_theory.control.checker import check_policy
    from gelato_theory.control.loading import load_policy
    from gelato_theory.errors import ScenarioError
    from gelato_theory.exact.bounds import constants
    from gelato_theory.simulation.prepare import prepare

    for field, value in (("--batch", args.batch), ("--rounds", args.rounds)):
        if value < 1:
            raise ScenarioError(field, value, "must be >= 1")
    scenario = prepare(scenario_from_args(args)).model
    problem, _ = constants(scenario)
    policy = load_policy(args.path, scenario, problem)
    report = check_policy(
        policy, scenario, problem, batch=args.batch, rounds=args.rounds, label=args.path
    )
    print(f"scenario {scenario.name}: {report.summary()}")
    return 0
