"""Calibration of s(eta), a(eta) and the entropy -> acceptance curve from executor runs (SPEC §2).

For pairs whose positions are not i.i.d. (the n-gram pair) the closed forms of §2 are a model. This
module measures what they need: run rounds with no early exit, keep every *reached* position (all
earlier drafted tokens accepted, so its context is target-law text) with its draft entropy H and
its acceptance-test result, and estimate

  s(eta) = P(H <= eta),   a(eta) = P(H <= eta and accepted)

over reached positions. :meth:`Calibration.token_types` turns the sample into a
:class:`~gelato_theory.scenario.token_types.TokenTypes` table (entropy bins refined by the menu's
thresholds, so its s, a at those thresholds equal the empirical ones exactly), and
:meth:`Calibration.token_config` into a ``tokens.model = "table"`` config for
``scenario.replace(tokens=...)``: the exact layer then computes the plug-in optimum unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from gelato_theory.errors import ExecutorInputError
from gelato_theory.executor.rounds import Executor
from gelato_theory.executor.stopping import beta_hat, no_early_exit
from gelato_theory.scenario.model import TokenConfig
from gelato_theory.scenario.token_types import TokenTypes

__all__ = ["Calibration", "calibrate"]


@dataclass(frozen=True, eq=False)
class Calibration:
    """Reached positions: draft entropy ``H`` (n,) nats and acceptance-test result ``accepted``."""

    H: np.ndarray
    accepted: np.ndarray

    @property
    def acceptance_rate(self) -> float:
        """Mean acceptance over reached positions (alpha of SPEC §2)."""
        return float(self.accepted.mean())

    def pass_and_accept(self, thresholds: Sequence[float] | np.ndarray) -> tuple[np.ndarray, ...]:
        """Empirical s(eta), a(eta) and their standard errors, each (len(thresholds),)."""
        eta = np.asarray(thresholds, dtype=float)
        passes = self.H[None, :] <= eta[:, None]
        s = passes.mean(axis=1)
        a = (passes & self.accepted[None, :]).mean(axis=1)
        n = self.H.size
        return s, a, np.sqrt(s * (1 - s) / n), np.sqrt(a * (1 - a) / n)

    def curve(self, bins: int = 12) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entropy -> acceptance curve on quantile bins: mean H, mean acceptance, count per bin."""
        edges = np.unique(np.quantile(self.H, np.linspace(0, 1, bins + 1)))
        which = np.clip(np.searchsorted(edges, self.H, side="right") - 1, 0, edges.size - 2)
        count = np.bincount(which, minlength=edges.size - 1)
        keep = count > 0
        H_mean = np.bincount(which, self.H, edges.size - 1)[keep] / count[keep]
        acc = np.bincount(which, self.accepted, edges.size - 1)[keep] / count[keep]
        return H_mean, acc, count[keep]

    def fit_gamma(self) -> float:
        """Least-squares gamma of beta_hat(H) = max(0, 1 - sqrt(gamma·H)) to the acceptances."""
        y = self.accepted.astype(float)

        def loss(g: float) -> float:
            return float(np.mean((y - beta_hat(self.H, g)) ** 2))

        # the loss is flat for gamma >= 1 / min H and need not be unimodal: locate the best point of
        # a log grid first, then refine between its neighbours
        grid = np.geomspace(1e-6, 10.0, 141)
        i = int(np.argmin([loss(g) for g in grid]))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        return float(minimize_scalar(loss, bounds=(lo, hi), method="bounded").x)

    def correlation(self) -> float:
        """Pearson correlation of H and the acceptance indicator (negative: flat drafts fail)."""
        return float(np.corrcoef(self.H, self.accepted.astype(float))[0, 1])

    def token_types(self, thresholds: Sequence[float] = (), bins: int = 16) -> TokenTypes:
        """A (w, H, beta) table: quantile bins of H split at the finite ``thresholds``."""
        finite = [t for t in thresholds if np.isfinite(t)]
        inner = np.quantile(self.H, np.linspace(0, 1, bins + 1)[1:-1])
        edges = np.unique(np.concatenate([inner, finite]))
        which = np.searchsorted(edges, self.H, side="left")  # bin (e_{j-1}, e_j]
        count = np.bincount(which, minlength=edges.size + 1)
        keep = count > 0
        n = self.H.size
        w = count[keep] / n
        H = np.bincount(which, self.H, edges.size + 1)[keep] / count[keep]
        beta = np.bincount(which, self.accepted, edges.size + 1)[keep] / count[keep]
        return TokenTypes(w=w / w.sum(), H=H, beta=np.clip(beta, 0.0, 1.0))

    def token_config(self, thresholds: Sequence[float] = (), bins: int = 16) -> TokenConfig:
        """The table as a scenario token config (``tokens.model = "table"``)."""
        t = self.token_types(thresholds, bins)
        return TokenConfig(
            model="table",
            weights=tuple(map(float, t.w)),
            entropies=tuple(map(float, t.H)),
            acceptances=tuple(map(float, t.beta)),
        )


def calibrate(
    executor: Executor,
    rounds: int = 200,
    batch: int = 256,
    seed: int = 0,
    K: int | None = None,
) -> Calibration:
    """Run ``rounds`` rounds of ``batch`` trajectories with budget K (default K_max) and no early
    exit, starting from held-out-text windows chosen by the streams, and collect reached positions."""
    K = executor.K_max if K is None else int(K)
    if K < 1:
        raise ExecutorInputError("K", K, "calibration needs drafted positions: K >= 1")
    streams = executor.streams(seed, range(batch))
    history = executor.initial_history(batch, streams.next()[:, 0])
    Ks = np.full(batch, K)
    rule = no_early_exit()
    H, acc = [], []
    for _ in range(rounds):
        U = streams.next()
        out = executor.run_round(executor.channel_states(U[:, 0]), Ks, rule, U, history)
        history = out.history
        assert out.entropy is not None and out.accepted is not None
        i = np.arange(executor.K_max)[None, :]
        reached = (i < out.k[:, None]) & (i <= out.A[:, None])
        H.append(out.entropy[reached])
        acc.append(out.accepted[reached])
    return Calibration(H=np.concatenate(H), accepted=np.concatenate(acc))
