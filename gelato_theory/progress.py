"""Progress of long runs (SPEC §7): one bar per run, or a log line every few seconds.

A :class:`RunProgress` spans a whole command: every simulated policy advances the same bar, whose
label says "policy i of n" and whose ETA covers the whole run. When stderr is not a terminal there
is no bar; a log line (logger ``gelato_theory``, level INFO) reports the position every
``every`` seconds instead. Simulation code calls :func:`track` with ``progress=True`` (a bar of
its own) or with a RunProgress.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

log = logging.getLogger("gelato_theory")


class RunProgress:
    """The progress of one command: ``policies`` simulations of ``rounds`` rounds each."""

    def __init__(
        self,
        policies: int | None,
        rounds: int,
        label: str = "",
        every: float = 10.0,
        tty: bool | None = None,
    ) -> None:
        self.n = policies
        self.rounds = rounds
        self.label = label
        self.every = every
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.i = 0  # simulations started
        self.done = 0  # rounds done over the whole run
        self.start = time.monotonic()
        self._last_log = self.start
        self._bar: Any = None

    def _desc(self, name: str) -> str:
        of = f" of {self.n}" if self.n else ""
        head = f"{self.label}: " if self.label else ""
        return f"{head}policy {self.i}{of} ({name})"

    def track(self, rounds: Iterable[int], name: str) -> Iterator[int]:
        """Iterate ``rounds`` of one simulation, advancing the run's bar."""
        for t, _ in self.track_steps(((t, 1) for t in rounds), name):
            yield t

    def track_steps(self, items: Iterable[tuple[Any, int]], name: str) -> Iterator[tuple[Any, int]]:
        """Iterate (item, rounds) pairs of one simulation; after each, advance the bar by its
        rounds (work done in chunks, e.g. by a compiled kernel)."""
        self.i += 1
        if self.n is not None and self.i > self.n:
            self.n = self.i
        total = self.rounds * self.n if self.n else None
        if self.tty:
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=total, unit="round", leave=False, dynamic_ncols=True)
            self._bar.total = total
            self._bar.set_description_str(self._desc(name))
        for item, n in items:
            yield item, n
            self.done += n
            if self._bar is not None:
                self._bar.update(n)
            else:
                now = time.monotonic()
                if now - self._last_log >= self.every:
                    self._last_log = now
                    log.info("%s", self._line(name, now))

    def _line(self, name: str, now: float) -> str:
        elapsed = now - self.start
        total = self.rounds * self.n if self.n else None
        if total:
            eta = elapsed * (total - self.done) / max(self.done, 1)
            return (
                f"{self._desc(name)}: {self.done}/{total} rounds, {elapsed:.0f} s elapsed, "
                f"about {eta:.0f} s left"
            )
        return f"{self._desc(name)}: {self.done} rounds, {elapsed:.0f} s elapsed"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def track(rounds: Iterable[int], name: str, progress: bool | RunProgress) -> Iterable[int]:
    """``rounds`` with progress: a RunProgress's shared bar, or (``True``) a bar of its own."""
    if isinstance(progress, RunProgress):
        return progress.track(rounds, name)
    if progress:
        from tqdm import tqdm

        return tqdm(rounds, desc=name, unit="round", leave=False)
    return rounds


def track_steps(
    items: Iterable[Any], steps: Sequence[int], name: str, progress: bool | RunProgress
) -> Iterable[Any]:
    """``items`` (consumed lazily) with progress advanced by ``steps[i]`` rounds after item i is
    done (work done in chunks, e.g. by a compiled kernel)."""
    pairs = zip(items, steps, strict=True)
    if isinstance(progress, RunProgress):
        return (item for item, _ in progress.track_steps(pairs, name))
    if progress:
        return _tqdm_steps(pairs, sum(steps), name)
    return items


def _tqdm_steps(pairs: Iterable[tuple[Any, int]], total: int, name: str) -> Iterator[Any]:
    from tqdm import tqdm

    with tqdm(total=total, desc=name, unit="round", leave=False) as bar:
        for item, n in pairs:
            yield item
            bar.update(n)
