"""The ``gelato`` command (SPEC §7): one subcommand module per job, registered here.

Exit status: 0 when the job succeeded (for ``verify``/``prove``: every claim passed), 1 when a claim
failed, 2 for bad input or a solver failure; the reason is printed on one line to stderr. Ctrl-C at
any time, imports included, prints one line and exits 130.

The parser imports nothing heavy: subcommand modules import numpy, cvxpy, sympy or matplotlib only
inside their ``run`` functions, so ``gelato --help`` starts in well under a second.
"""

from __future__ import annotations

import signal
import sys

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

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


_interrupted = False  # set by the first Ctrl-C of a main() call


def _interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    """First Ctrl-C: unwind as KeyboardInterrupt (no file is written on the way out); a second
    Ctrl-C while unwinding stops at once."""
    global _interrupted
    _interrupted = True
    signal.signal(signal.SIGINT, _exit_now)
    raise KeyboardInterrupt


def _exit_now(signum, frame):  # noqa: ARG001
    print("gelato: interrupted; no output file was written", file=sys.stderr, flush=True)
    import os

    os._exit(EXIT_INTERRUPTED)


def build_parser():
    import argparse
    import importlib

    from gelato_theory import __version__

    parser = argparse.ArgumentParser(
        prog="gelato",
        description="Check the theory of GELATO: bounds, exact optimum, executor, verification.",
    )
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
    for p in sub.choices.values():
        g = p.add_mutually_exclusive_group()
        g.add_argument("-q", "--quiet", action="store_true", help="only errors and the result")
        g.add_argument("-v", "--verbose", action="store_true", help="debug messages too")
    return parser


def main(argv: list[str] | None = None) -> int:
    global _interrupted
    _interrupted = False
    previous = None
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous = signal.signal(signal.SIGINT, _interrupt)
    command = "gelato"
    try:
        from gelato_theory.cli.log import configure
        from gelato_theory.errors import GelatoError

        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            args = parser.parse_args(["verify", *(argv or [])])
        command = f"gelato {args.command}"
        configure(quiet=args.quiet, verbose=args.verbose)
        try:
            return int(args.func(args))
        except GelatoError as exc:
            if _interrupted:
                raise
            print(f"{command}: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    except BaseException as exc:
        # after a Ctrl-C any error is the interrupt: inside a C extension's import it can
        # surface as another one (ImportError: initialization failed)
        if not (
            isinstance(exc, KeyboardInterrupt) or (_interrupted and isinstance(exc, Exception))
        ):
            raise
        print(f"{command}: interrupted; no output file was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def run() -> None:
    """The ``gelato`` command: exit with :func:`main`'s status. After an interrupt the process
    ends at once with 130 (the message is printed, nothing was written): interpreter shutdown
    could otherwise still report the interrupt as death by SIGINT (status -2)."""
    code = main()
    if code == EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        import os

        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
