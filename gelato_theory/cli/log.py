"""Messages of the ``gelato`` command through :mod:`logging` (SPEC §7): ``--quiet`` keeps warnings
and errors, ``--verbose`` adds debug messages; everything goes to stderr as ``gelato: ...``."""

from __future__ import annotations

import logging
import sys

LOGGER = "gelato_theory"


class _Stderr(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is at the time of the record."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure(quiet: bool = False, verbose: bool = False) -> None:
    """Route the package's log records to stderr at the level the flags ask for."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("gelato: %(message)s"))
    log = logging.getLogger(LOGGER)
    log.handlers[:] = [handler]
    log.setLevel(level)


def quiet() -> bool:
    """True when informational messages (and progress) are switched off."""
    return not logging.getLogger(LOGGER).isEnabledFor(logging.INFO)
