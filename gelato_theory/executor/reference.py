"""A plain per-trajectory Python loop over the synthetic pair: one round, one trajectory at a time.

Kept as the straightforward baseline the batched engine is benchmarked against and checked
against: it reads the same uniform row with the same layout and the same per-type tables, so on
the same inputs it returns the same outcome as :meth:`Executor.run_round` with a
:class:`~gelato_theory.executor.stopping.FixedThreshold` rule.
"""

from __future__ import annotations

import numpy as np

from gelato_theory.executor.rounds import Executor
from gelato_theory.executor.synthetic import SyntheticPair

__all__ = ["ReferenceLoop"]


class ReferenceLoop:
    """Scalar speculative sampling for a synthetic-pair executor, one trajectory per call."""

    def __init__(self, executor: Executor) -> None:
        pair = executor.pair
        if not isinstance(pair, SyntheticPair):
            raise TypeError("the reference loop covers the synthetic pair only")
        self.ex = executor
        p, q = pair.types.p, pair.types.q
        assert p is not None and q is not None
        self.p, self.q, self.H = p, q, pair.H
        self.types, self.draft = pair._types, pair._q
        self.target, self.residual = pair._p, pair._res

    def round(
        self, m: int, K: int, eta: float, u: np.ndarray
    ) -> tuple[int, int, int, float, float, list[int]]:
        """(c, k, A, E, T, emitted tokens) of one round from one uniform row ``u`` (width,)."""
        L = self.ex.layout
        c = k = 0
        types, drafts = [], []
        for i in range(K):
            j = self.types.sample_one(0, u[L.type_col(i)])
            c += 1
            if self.H[j] > eta:
                break
            x = self.draft.sample_one(j, u[L.draft_col(i)])
            types.append(j)
            drafts.append(x)
            k += 1
        A = 0
        for i in range(k):
            j, x = types[i], drafts[i]
            if u[L.accept_col(i)] * self.q[j, x] < self.p[j, x]:
                A += 1
            else:
                break
        j = self.types.sample_one(0, u[L.type_col(A)])
        sampler = self.residual if A < k else self.target
        final = sampler.sample_one(j, u[L.final_col])
        ex = self.ex
        E = ex.e_0 + ex.e_c * c + ex.e_tx[m] * k
        T = ex.tau_0 + ex.tau_c * c + (ex.t_tx[m] + ex.tau_v1) * k
        return c, k, A, E, T, drafts[:A] + [final]
