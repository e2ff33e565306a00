"""The exact DPP decision as a lookup (SPEC §4): per channel state, the action maximizing
V u(m, a) - Q y(m, a) under the tie rule depends on Q and V only through lambda = Q / V (the tie band
TIE_RTOL (V max|u| + Q max|y|) scales with V too), and is read off
:func:`gelato_theory.exact.dual.decision_envelope`: the points lambda_1 < lambda_2 < ... where the
choice changes and the action between each pair. A decision is then a count of the switch points at
or below lambda instead of a scan of the whole menu; it equals the scan
(:func:`gelato_theory.control.per_slot.solve_per_slot`) because both apply
:func:`gelato_theory.exact.dual.argmax_low_cost` with the same band.

The count is read from one table: with G the sorted finite switch points of every state,
r = #{G <= lambda} (one ``searchsorted``) fixes #{switch points of m <= lambda} for every m at once,
so ``lookup[m, r]`` is the action: exact comparisons, no per-state search.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from gelato_theory.exact.dual import decision_envelope
from gelato_theory.exact.problem import Problem

#: the optimum's table per problem (a Problem is immutable and hashed by identity)
_OPTIMA: weakref.WeakKeyDictionary[Problem, EnvelopeTable] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, eq=False)
class EnvelopeTable:
    """``breaks`` (M, L) ascending, padded with +inf; ``actions`` (M, L + 1) menu indices."""

    breaks: np.ndarray
    actions: np.ndarray
    _grid: np.ndarray = field(init=False, repr=False)  # (G,) sorted finite breakpoints
    _lookup: np.ndarray = field(init=False, repr=False)  # (M * (G + 1),) action per (m, r)

    def __post_init__(self) -> None:
        grid = np.unique(self.breaks[np.isfinite(self.breaks)])
        # r global breakpoints at or below lambda -> that many of state m's are <= grid[r - 1]
        count = np.stack(
            [
                np.searchsorted(row, np.concatenate([[-np.inf], grid]), side="right")
                for row in self.breaks
            ]
        )
        lookup = np.take_along_axis(self.actions, count, axis=1)
        object.__setattr__(self, "_grid", grid)
        object.__setattr__(self, "_lookup", np.ascontiguousarray(lookup).ravel())

    @classmethod
    def build(
        cls, u: np.ndarray, y: np.ndarray, allowed: np.ndarray | None = None
    ) -> EnvelopeTable:
        """Decision envelopes of every state's lines u(m, a) - lambda y(m, a) over the allowed
        actions; the tie band is scaled by max|u|, max|y| over the whole row, as in the scan."""
        idx = np.arange(u.shape[1]) if allowed is None else np.flatnonzero(allowed)
        per_state = [
            decision_envelope(
                u[m, idx], y[m, idx], (float(np.abs(u[m]).max()), float(np.abs(y[m]).max()))
            )
            for m in range(u.shape[0])
        ]
        L = max(len(b) for _, b in per_state)
        breaks = np.full((u.shape[0], max(L, 1)), np.inf)
        actions = np.empty((u.shape[0], max(L, 1) + 1), dtype=np.int64)
        for m, (acts, b) in enumerate(per_state):
            breaks[m, : len(b)] = b
            actions[m, : len(acts)] = idx[acts]
            actions[m, len(acts) :] = idx[acts[-1]]
        return cls(breaks=breaks, actions=actions)

    def choose(self, m: np.ndarray, lam: np.ndarray) -> np.ndarray:
        """The DPP action (B,) for channel states m (B,) at lambda = Q / V (B,)."""
        lam = np.asarray(lam, dtype=float)
        r = np.searchsorted(self._grid, lam, side="right")
        r[np.isnan(lam)] = 0  # no breakpoint is <= nan
        return self._lookup.take(np.asarray(m) * (self._grid.size + 1) + r)


def optimum_table(problem: Problem) -> EnvelopeTable:
    """The exact per-slot optimum over the whole menu, u(m, a) - lambda y(m, a) (SPEC §4): built
    once per problem (a few ms on the default preset) and shared by every run and check."""
    table = _OPTIMA.get(problem)
    if table is None:
        table = _OPTIMA[problem] = EnvelopeTable.build(problem.u, problem.y)
    return table
