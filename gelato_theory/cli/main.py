"""The ``gelato`` command (SPEC §7): one subcommand module per job, registered here.

Exit status: 0 when the job succeeded (for ``verify``/``prove``: every claim passed), 1 when a claim
failed, 2 for bad input or a solver failure; the reason is printed on one line to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from gelato_theory.errors import GelatoError

#: subcommand name -> module under gelato_theory.cli that defines ``register(subparsers)``
SUBCOMMANDS = {
    "verify": "verify",
    "bounds": "bounds",
    "prove": "prove",
    "plot": "plot",
    "compare": "compare",
    "suite": "suite",
    "check-policy": "check_policy",
    "sweep": "sweep",
    "results": "results",
}

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gelato",
        description="Check the theory of GELATO: bounds, exact optimum, executor, verification.",
    )
    from gelato_theory import __version__

    parser.add_argument("--version", action="version", version=f"gelato-theory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS.values():
        try:
            mod = importlib.import_module(f"gelato_theory.cli.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"gelato_theory.cli.{module}":
                continue  # subcommand not shipped in this build
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["verify", *(argv or [])]) if "verify" in SUBCOMMANDS else args
        if args.command is None:
            parser.print_help()
            return EXIT_BAD_INPUT
    try:
        return int(args.func(args))
    except GelatoError as exc:
        print(f"gelato {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"gelato {args.command}: interrupted; no output file was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
