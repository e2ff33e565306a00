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
    """Reached positions: draft entropy ``H`` (n,) nats and acceptance-test result ``accepted``;
    from :func:`calibrate` also each position's 0-based index in its round (``position``) and the
    tokens per round ``N`` (rounds x trajectories,) at the calibration budget ``K``."""

    H: np.ndarray
    accepted: np.ndarray
    position: np.ndarray | None = None
    N: np.ndarray | None = None
    K: int = 0

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

    def by_position(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Acceptance rate per drafted position i = 1..K, its standard error and count: equal
        across positions for i.i.d. positions, so the spread measures the non-i.i.d. mismatch."""
        if self.position is None:
            raise ExecutorInputError("position", None, "needs a calibration run (calibrate())")
        K = int(self.position.max()) + 1
        n = np.bincount(self.position, minlength=K)
        rate = np.bincount(self.position, self.accepted, K) / np.maximum(n, 1)
        return rate, np.sqrt(rate * (1 - rate) / np.maximum(n, 1)), n

    def report(self, thresholds: Sequence[float] = ()) -> dict:
        """Calibration error and i.i.d. mismatch as plain numbers (SPEC §2, §6).

        ``s_se_max``, ``a_se_max``: largest standard error of s(eta), a(eta) at the thresholds;
        ``tokens_per_round`` (mean, se) measured at budget K with no exit against
        ``tokens_per_round_iid`` = 1 + a(1 - a^K)/(1 - a) of the plug-in table, their difference in
        standard errors (``iid_z``), and the acceptance rate per drafted position.
        """
        eta = np.asarray(list(thresholds) or [np.inf], dtype=float)
        _, _, s_se, a_se = self.pass_and_accept(eta)
        out: dict[str, float | list[float]] = {
            "positions": int(self.H.size),
            "acceptance_rate": self.acceptance_rate,
            "acceptance_se": float(
                np.sqrt(self.acceptance_rate * (1 - self.acceptance_rate) / self.H.size)
            ),
            "entropy_acceptance_correlation": self.correlation(),
            "fitted_gamma": self.fit_gamma(),
            "s_se_max": float(s_se.max()),
            "a_se_max": float(a_se.max()),
        }
        if self.N is not None and self.position is not None and self.K > 0:
            a, K = self.acceptance_rate, self.K
            iid = 1 + (K if a == 1 else a * (1 - a**K) / (1 - a))
            mean, se = float(self.N.mean()), float(self.N.std(ddof=1) / np.sqrt(self.N.size))
            rate, rate_se, _ = self.by_position()
            out |= {
                "K": K,
                "tokens_per_round": mean,
                "tokens_per_round_se": se,
                "tokens_per_round_iid": iid,
                "iid_z": (mean - iid) / se if se > 0 else 0.0,
                "acceptance_by_position": [float(r) for r in rate],
                "acceptance_by_position_se": [float(r) for r in rate_se],
            }
        return out

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
    H, acc, pos, N = [], [], [], []
    for _ in range(rounds):
        U = streams.next()
        out = executor.run_round(executor.channel_states(U[:, 0]), Ks, rule, U, history)
        history = out.history
        assert out.entropy is not None and out.accepted is not None
        i = np.arange(executor.K_max)[None, :]
        reached = (i < out.k[:, None]) & (i <= out.A[:, None])
        H.append(out.entropy[reached])
        acc.append(out.accepted[reached])
        pos.append(np.broadcast_to(i, reached.shape)[reached])
        N.append(out.N)
    return Calibration(
        H=np.concatenate(H),
        accepted=np.concatenate(acc),
        position=np.concatenate(pos),
        N=np.concatenate(N),
        K=K,
    )
