"""A user's own controller, tested by the gelato plugin next to it (gelato_my_device.toml).

``MyDPP`` is our own implementation of the drift-plus-penalty decision: with lambda = Q / V, pick
the menu action maximizing u(m, a) - lambda y(m, a), ties to the cheaper action. It declares
``exact-dpp``, so it is held to Theorems 1-3 and the sample-path claims, and the policy checker
verifies that each decision really is a per-slot maximizer.

``FastPathDPP`` is the same controller with a bug that only shows after a warm-up: from round
WARMUP on it takes a "fast path" that forgets the energy backlog. The scenario file does not use
it; gelato-theory's own tests swap it in to show that the verifier names the guarantee it breaks.
"""

from __future__ import annotations

import numpy as np

from gelato_theory.control import Decision, Observation

WARMUP = 100  # rounds before FastPathDPP's fast path


class MyDPP:
    """argmax_a u(m, a) - (Q / V) y(m, a); among ties the lowest cost y, then the lowest index."""

    name = "my-dpp"
    policy_class = "exact-dpp"

    def __init__(self, scenario, problem) -> None:
        self.u, self.y = problem.u, problem.y
        self.problem = problem

    def multiplier(self, obs: Observation) -> np.ndarray:
        return obs.Q / obs.V

    def decide(self, obs: Observation) -> Decision:
        u, y = self.u[obs.m], self.y[obs.m]  # (B, A)
        score = u - self.multiplier(obs)[:, None] * y
        best = score.max(axis=1, keepdims=True)
        tied = score >= best - 1e-12 * (1.0 + np.abs(best))
        action = np.where(tied, y, np.inf).argmin(axis=1)
        return Decision.menu(self.problem, action)


class FastPathDPP(MyDPP):
    """Deliberately broken: after WARMUP rounds it decides as if the backlog were zero."""

    name = "fast-path-dpp"

    def multiplier(self, obs: Observation) -> np.ndarray:
        lam = obs.Q / obs.V
        return lam if obs.t < WARMUP else np.zeros_like(lam)
