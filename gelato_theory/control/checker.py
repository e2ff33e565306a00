"""The policy checker: does a controller keep the protocol of SPEC §4.1? (like Gymnasium's env_checker)

:func:`check_policy` feeds a policy a fixed sequence of observations for a batch — every channel
state, backlogs from 0 to beyond the last breakpoint of the DPP envelope (Q = lambda V), the
scenario's V grid — and checks every decision it returns. Each check has a name (:data:`CHECKS`); the
first one that fails raises :class:`gelato_theory.errors.PolicyCheckError` with that name and what
was wrong. It runs before every verification of a user policy.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, NoReturn

import numpy as np

from gelato_theory.control.envelope import optimum_table
from gelato_theory.control.per_slot import dpp_scores
from gelato_theory.control.protocol import (
    EXACT_DPP,
    Driver,
    Observation,
    policy_class,
    policy_name,
)
from gelato_theory.errors import PolicyCheckError, PolicyError
from gelato_theory.exact.problem import Problem
from gelato_theory.scenario.model import Scenario

#: Every check, in the order they run: name -> what it asks of the policy.
CHECKS = {
    "interface": "a decide method (and, if stateful, a callable init_state); decide returns a "
    "Decision (stateful: a (Decision, state) pair)",
    "policy_class": "policy_class is 'exact-dpp', 'approximate-dpp' or 'causal'",
    "raises": "decide does not raise on a valid observation",
    "decision_shape": "K and action are (B,) integer arrays",
    "budget_range": "every K lies in 0..K_max",
    "menu_range": "every action is a menu index 0..A-1, or -1 for an off-menu decision",
    "stop_rule": "the rule's send_mask maps (B, n) entropies to a (B, n) bool array",
    "menu_mismatch": "a menu action's K and stop rule are that action's (K, eta)",
    "mutation": "the observation's arrays are left unchanged",
    "exact_dpp": "an exact-dpp policy picks a maximizer of V u(m, a) - Q y(m, a) over the menu",
    "determinism": "the same observations give the same decisions",
    "batch_invariance": "a trajectory's decisions do not depend on the others in the batch",
}

BATCH = 12
ROUNDS = 16


@dataclass(frozen=True)
class CheckReport:
    """A policy that passed every check: its name, class, and what it was checked on."""

    policy: str
    policy_class: str
    stateful: bool
    batch: int
    rounds: int
    checks: tuple[str, ...]

    def summary(self) -> str:
        kind = "stateful" if self.stateful else "stateless"
        return (
            f"policy {self.policy} ({self.policy_class}, {kind}): {len(self.checks)} checks "
            f"passed on {self.batch} trajectories x {self.rounds} rounds "
            f"({', '.join(self.checks)})"
        )


def check_policy(
    policy: object,
    scenario: Scenario,
    problem: Problem,
    *,
    batch: int = BATCH,
    rounds: int = ROUNDS,
    seed: int = 0,
    label: str | None = None,
) -> CheckReport:
    """Run every check of :data:`CHECKS` on ``policy``; raise PolicyCheckError at the first failure."""
    c = _Checker(policy, scenario, problem, label)
    obs = observations(scenario, problem, batch, rounds, seed)
    full = c.rollout(obs, np.arange(batch))
    again = c.rollout(obs, np.arange(batch))
    c.same(full, again, np.arange(batch), "determinism", "two runs on the same observations")
    subset = np.random.default_rng(seed + 1).permutation(batch)[: (batch + 1) // 2]
    for idx in (subset, np.array([batch - 1])):
        part = c.rollout(obs, idx)
        c.same(full, part, idx, "batch_invariance", f"a batch of {idx.size} trajectories")
    return CheckReport(c.name, c.kind, c.driver.stateful, batch, rounds, tuple(CHECKS))


def observations(
    scenario: Scenario, problem: Problem, batch: int, rounds: int, seed: int = 0
) -> list[Observation]:
    """A fixed sequence of observations: every state, Q = lambda V with lambda over the envelope's
    breakpoints (and 0 and beyond), V from the scenario's grid, running totals that grow."""
    rng = np.random.default_rng(seed)
    V = np.resize(np.asarray(scenario.control.V, dtype=float), batch)
    breaks = optimum_table(problem).breaks
    finite = breaks[np.isfinite(breaks) & (breaks >= 0)]
    top = float(finite.max()) if finite.size else 1.0
    lams = np.concatenate([[0.0], finite, [2.0 * top + 1.0]])
    K_max = int(problem.stats.menu.K.max())
    tokens, seconds = np.zeros(batch), np.zeros(batch)
    out = []
    for t in range(rounds):
        lam = np.where(rng.random(batch) < 0.5, rng.choice(lams, batch), rng.uniform(0, top, batch))
        out.append(
            Observation(
                m=rng.integers(0, problem.M, batch),
                Q=lam * V,
                V=V.copy(),
                tokens=tokens.copy(),
                seconds=seconds.copy(),
                uniform=rng.random(batch),
                t=t,
            )
        )
        tokens = tokens + rng.integers(1, K_max + 2, batch)
        seconds = seconds + rng.uniform(0.03, 0.3, batch)
    return out


def _take(obs: Observation, idx: np.ndarray) -> Observation:
    """Fresh copies of trajectories ``idx`` of an observation."""
    return replace(
        obs,
        **{f.name: getattr(obs, f.name)[idx].copy() for f in fields(Observation) if f.name != "t"},
    )


class _Checker:
    def __init__(
        self, policy: Any, scenario: Scenario, problem: Problem, label: str | None
    ) -> None:
        self.policy, self.problem = policy, problem
        self.name = label or policy_name(policy)
        self.K_max = int(problem.stats.menu.K.max())
        if not callable(getattr(policy, "decide", None)):
            self.fail("interface", f"a {type(policy).__name__} has no decide method")
        init = getattr(policy, "init_state", None)
        if init is not None and not callable(init):
            self.fail("interface", "init_state must be a method init_state(batch) -> state")
        try:
            self.kind = policy_class(policy)
        except PolicyError as exc:
            self.fail("policy_class", exc.problem)
        self.driver = Driver(policy)
        finite = [t for t in scenario.actions.thresholds if np.isfinite(t)]
        probe = sorted(
            {0.0, 1e3, *finite, *(t - 1e-6 for t in finite), *(t + 1e-6 for t in finite)}
        )
        self.probes = [float(h) for h in probe]

    def fail(self, kind: str, problem: str) -> NoReturn:
        raise PolicyCheckError(self.name, problem, kind)

    def rollout(self, obs_seq: list[Observation], idx: np.ndarray) -> list[tuple]:
        """Decisions for trajectories ``idx`` over the sequence: per round (K, action, masks)."""
        try:
            state = self.driver.init(idx.size)
        except Exception as exc:
            self.fail("raises", f"init_state({idx.size}) raised {type(exc).__name__}: {exc}")
        out = []
        for full in obs_seq:
            obs = _take(full, idx)
            before = _take(obs, np.arange(idx.size))
            try:
                result = (
                    self.policy.decide(obs, state)
                    if self.driver.stateful
                    else self.policy.decide(obs)
                )
            except Exception as exc:
                self.fail(
                    "raises", f"decide raised {type(exc).__name__}: {exc} (round t = {obs.t})"
                )
            if self.driver.stateful:
                if not (isinstance(result, tuple) and len(result) == 2):
                    self.fail(
                        "interface",
                        f"a stateful decide must return (Decision, state); got {type(result).__name__}",
                    )
                decision, state = result
            else:
                decision = result
            self.unchanged(before, obs)
            out.append(self.validate(decision, obs))
        return out

    def unchanged(self, before: Observation, after: Observation) -> None:
        for f in fields(Observation):
            a, b = getattr(before, f.name), getattr(after, f.name)
            if not np.array_equal(a, b, equal_nan=True):
                self.fail("mutation", f"decide changed obs.{f.name} in round t = {before.t}")

    def validate(self, d: Any, obs: Observation) -> tuple:
        B, t = obs.batch, obs.t
        if not all(hasattr(d, a) for a in ("K", "rule", "action")):
            self.fail(
                "interface",
                f"decide returned a {type(d).__name__}; expected a Decision(K, rule, action)",
            )
        for field_name in ("K", "action"):
            v = getattr(d, field_name)
            if not (
                isinstance(v, np.ndarray) and v.shape == (B,) and np.issubdtype(v.dtype, np.integer)
            ):
                seen = (
                    f"{v.dtype} array of shape {v.shape}"
                    if isinstance(v, np.ndarray)
                    else type(v).__name__
                )
                self.fail(
                    "decision_shape",
                    f"Decision.{field_name} must be a ({B},) integer array; got {seen} (round t = {t})",
                )
        K, a = d.K, d.action
        if K.min() < 0 or K.max() > self.K_max:
            self.fail(
                "budget_range",
                f"K = {int(K.min())}..{int(K.max())} in round t = {t}: must lie in 0..K_max = {self.K_max}",
            )
        A = self.problem.A
        if a.min() < -1 or a.max() >= A:
            bad = int(a[(a < -1) | (a >= A)][0])
            self.fail(
                "menu_range",
                f"action {bad} in round t = {t}: must be a menu index 0..{A - 1} or -1 (off-menu)",
            )
        masks = self.masks(d.rule, B, t)
        on = a >= 0
        menu = self.problem.stats.menu
        if on.any():
            idx = np.flatnonzero(on)
            if not np.array_equal(K[idx], menu.K[a[idx]]):
                b = idx[np.flatnonzero(K[idx] != menu.K[a[idx]])[0]]
                self.fail(
                    "menu_mismatch",
                    f"trajectory {b} chose menu action {a[b]} (K = {menu.K[a[b]]}) but K = {K[b]} "
                    f"(round t = {t})",
                )
            H = np.asarray(self.probes)
            expect = H[None, :] <= menu.eta[a[idx]][:, None]  # (on, probes)
            got = masks[idx, :, 0]
            # positions at or past K are never sent, whatever the mask says: compare where K >= 1
            live = K[idx] >= 1
            if not np.array_equal(got[live], expect[live]):
                b = idx[live][np.flatnonzero((got[live] != expect[live]).any(axis=1))[0]]
                self.fail(
                    "menu_mismatch",
                    f"trajectory {b} chose menu action {a[b]} (eta = {menu.eta[a[b]]:g}) but its "
                    f"stop rule is not the threshold rule at eta (round t = {t})",
                )
        if self.kind == EXACT_DPP:
            self.exact_dpp(a, obs)
        return K.copy(), a.copy(), masks

    def masks(self, rule: object, B: int, t: int) -> np.ndarray:
        """send_mask on constant entropy rows, one per probe value: (B, probes, n)."""
        n = max(self.K_max, 1)
        fn = getattr(rule, "send_mask", None)
        if not callable(fn):
            self.fail("stop_rule", f"the stop rule {type(rule).__name__} has no send_mask method")
        out = np.empty((B, len(self.probes), n), dtype=bool)
        for j, h in enumerate(self.probes):
            try:
                m = fn(np.full((B, n), h))
            except Exception as exc:
                self.fail(
                    "stop_rule", f"send_mask raised {type(exc).__name__}: {exc} (round t = {t})"
                )
            if not (isinstance(m, np.ndarray) and m.shape == (B, n) and m.dtype == bool):
                got = f"{m.dtype} {m.shape}" if isinstance(m, np.ndarray) else type(m).__name__
                self.fail(
                    "stop_rule",
                    f"send_mask must return a ({B}, {n}) bool array for ({B}, {n}) entropies; got {got}",
                )
            out[:, j] = m
        return out

    def exact_dpp(self, a: np.ndarray, obs: Observation) -> None:
        if (a < 0).any():
            self.fail(
                "exact_dpp",
                f"declares exact-dpp but returned an off-menu decision (action -1, round t = {obs.t})",
            )
        scores = dpp_scores(self.problem, obs.m, obs.Q, obs.V)
        best = scores.max(axis=1)
        chosen = scores[np.arange(a.size), a]
        tol = 1e-9 * (np.abs(best) + 1.0)
        if (chosen < best - tol).any():
            b = int(np.flatnonzero(chosen < best - tol)[0])
            self.fail(
                "exact_dpp",
                f"declares exact-dpp but trajectory {b} (m = {obs.m[b]}, Q = {obs.Q[b]:.4g} J, "
                f"V = {obs.V[b]:g}) chose action {a[b]} worth {chosen[b]:.6g} < max_a V u - Q y = "
                f"{best[b]:.6g} (round t = {obs.t})",
            )

    def same(self, ref: list[tuple], other: list[tuple], idx: np.ndarray, kind: str, what: str):
        for t, (r, o) in enumerate(zip(ref, other, strict=True)):
            for j, part in enumerate(("K", "action", "stop rule")):
                if not np.array_equal(r[j][idx], o[j]):
                    rows = np.flatnonzero((r[j][idx] != o[j]).reshape(idx.size, -1).any(axis=1))
                    b = int(idx[rows[0]])
                    self.fail(
                        kind,
                        f"{what} differ in {part} for trajectory {b} in round t = {t}",
                    )
