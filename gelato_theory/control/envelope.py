"""The exact DPP decision as a lookup (SPEC §4): per channel state, the action maximizing
V u(m, a) - Q y(m, a) depends on Q and V only through lambda = Q / V, and is read off the upper
envelope of the lines u_a - lambda y_a (:func:`gelato_theory.exact.dual.envelope`): the breakpoints
lambda_1 < lambda_2 < ... and the action between each pair. A decision is then a count of the
breakpoints at or below lambda (ties go to the lower-cost action, as in
:func:`gelato_theory.exact.dual.argmax_low_cost`) instead of a scan of the whole menu.

The count is read from one table: with G the sorted finite breakpoints of every state, r = #{G <= lambda}
(one ``searchsorted``) fixes #{breaks of m <= lambda} for every m at once, so ``lookup[m, r]`` is the
action — exact comparisons, no per-state search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gelato_theory.exact.dual import envelope


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
        """Envelopes of every state's lines u(m, a) - lambda y(m, a) over the allowed actions."""
        idx = np.arange(u.shape[1]) if allowed is None else np.flatnonzero(allowed)
        per_state = [envelope(u[m, idx], y[m, idx]) for m in range(u.shape[0])]
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
