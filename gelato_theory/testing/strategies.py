"""Hypothesis strategies for valid scenarios (SPEC §7), for our tests and users' test suites.

Drawn scenarios use explicit tables (channel gains, token types) so they are cheap to build, and
always keep positive Slater slack unless asked otherwise.

Two in three drawn scenarios are biased toward the early exit (SPEC §2, §4): cheap drafting, a
costly uplink (large payload), several thresholds, and token types whose entropy predicts rejection
(acceptance falling with entropy). :func:`exit_on_path` tells whether exact DPP plays an action
with a binding entropy threshold in the range of backlogs its queue drifts through; tests record it
with ``hypothesis.event`` so that the share of such scenarios is visible in the statistics.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gelato_theory.scenario.load import scenario_from_dict
from gelato_theory.scenario.model import Scenario


def _normalized(weights: list[float]) -> list[float]:
    total = math.fsum(weights)
    out = [w / total for w in weights]
    out[-1] = 1.0 - math.fsum(out[:-1])
    return out


@st.composite
def probability_vectors(draw: st.DrawFn, n: int, min_value: float = 0.05) -> list[float]:
    """A probability vector of length n with entries bounded away from 0."""
    raw = draw(st.lists(st.floats(min_value, 1.0), min_size=n, max_size=n))
    return _normalized(raw)


def _splitting_thresholds(tokens: dict) -> st.SearchStrategy[list[float]]:
    """One to three thresholds (nats), each midway between two consecutive draft entropies."""
    from gelato_theory.scenario.token_types import synthetic_types

    if tokens["model"] == "table":
        H = np.asarray(tokens["entropies"], dtype=float)
    else:
        keys = ("types", "vocab", "seed", "sharpness", "mismatch", "draft_scale")
        types, vocab, seed, sharp, mismatch, scale = (tokens[k] for k in keys)
        H = synthetic_types(types, vocab, seed, tuple(sharp), mismatch, scale).H
    H = np.unique(np.round(H, 6))
    mids = sorted({round(float(m), 4) for m in (H[:-1] + H[1:]) / 2})
    if not mids:
        return st.just([])
    return st.lists(st.sampled_from(mids), min_size=1, max_size=3, unique=True).map(sorted)


@st.composite
def scenario_dicts(
    draw: st.DrawFn,
    max_states: int = 4,
    max_types: int = 5,
    max_K: int = 6,
    kind: str = "per_round",
    V: st.SearchStrategy[list[float]] | None = None,
    tokens: str = "table",
) -> dict:
    """A scenario document (as parsed TOML) with table channel and table token types.

    ``tokens = "synthetic"`` draws generator parameters instead of a table, so that the executor can
    sample real tokens. Edge cases are drawn on purpose: one channel state, K_max = 0 or 1, every type passing every
    threshold (s = 1), near-zero Slater slack, and (through ``V``) very large V.
    """
    M = draw(st.integers(1, max_states))
    exits = draw(st.integers(0, 2)) >= 1  # 2 in 3 biased toward the early exit (module doc)
    J = draw(st.integers(2, max(max_types, 4)) if exits else st.integers(1, max_types))
    low, high = (1e-15, 5e-14) if exits else (1e-13, 1e-10)  # exits: a costly uplink
    gains = sorted(draw(st.lists(st.floats(low, high), min_size=M, max_size=M, unique=True)))
    e_c = draw(st.floats(0.001, 0.005) if exits else st.floats(0.001, 0.1))
    e_0 = draw(st.floats(0.0, 0.1))
    K_max = draw(st.integers(2, max(max_K, 2)) if exits else st.integers(0, max_K))
    all_pass = False if exits else draw(st.booleans())  # s = 1 at every threshold
    top = 0.4 if all_pass else 4.0
    entropies = draw(st.lists(st.floats(0.0, top), min_size=J, max_size=J))
    acceptances = draw(st.lists(st.floats(0.0, 1.0), min_size=J, max_size=J))
    if exits:
        # one type passes every threshold and one fails every finite one, and entropy predicts
        # rejection: acceptance falls with entropy, from >= 0.6 to <= 0.3
        entropies[0] = draw(st.floats(0.0, 0.4))
        entropies[-1] = draw(st.floats(3.2, 4.0))
        ranks = sorted(range(J), key=lambda j: entropies[j])
        ordered = sorted(acceptances, reverse=True)
        ordered[0], ordered[-1] = max(ordered[0], 0.6), min(ordered[-1], 0.3)
        for r, j in enumerate(ranks):
            acceptances[j] = ordered[r]
    thresholds = sorted(set(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), max_size=3))))
    doc: dict[str, Any] = {
        "name": "drawn",
        "channel": {
            "model": "table",
            "bandwidth_hz": 10e6,
            "tx_power_w": 0.2,
            "noise_psd_w_per_hz": 3.98e-20,
            "gains": gains,
            "probabilities": draw(probability_vectors(M)),
        },
        "device": {
            "e_c": e_c,
            "tau_c": draw(st.floats(0.001, 0.05)),
            "e_0": e_0,
            "payload_bits": 65536.0 if exits else draw(st.sampled_from([1024.0, 16384.0, 65536.0])),
        },
        "edge": {
            "tau_0": draw(st.floats(0.005, 0.1)),
            "tau_v1": draw(st.sampled_from([0.0, 0.001])),
        },
        "tokens": {
            "model": "table",
            "weights": draw(probability_vectors(J)),
            "entropies": entropies,
            "acceptances": acceptances,
        }
        if tokens == "table"
        else {
            "model": "synthetic",
            "types": J,
            "vocab": draw(st.integers(2, 24)),
            "seed": draw(st.integers(0, 2**16)),
            "sharpness": sorted(draw(st.lists(st.floats(0.0, 10.0), min_size=2, max_size=2))),
            "mismatch": draw(st.floats(0.0, 2.0)),
        }
        if not exits
        else {  # sharp targets, an underconfident draft: flat exactly where it is wrong
            "model": "synthetic",
            "types": J,
            "vocab": draw(st.integers(16, 64)),
            "seed": draw(st.integers(0, 2**16)),
            "sharpness": sorted(draw(st.lists(st.floats(5.0, 40.0), min_size=2, max_size=2))),
            "mismatch": draw(st.floats(0.0, 0.5)),
            "draft_scale": draw(st.floats(0.05, 0.3)),
        },
        "actions": {"K_max": K_max, "thresholds": [*thresholds, math.inf]},
    }
    if exits:  # thresholds between the types' draft entropies, so that each one splits them
        doc["actions"]["thresholds"] = [*draw(_splitting_thresholds(doc["tokens"])), math.inf]
    doc["control"] = {"V": draw(V) if V is not None else [0.01, 0.1]}
    frac = draw(st.one_of(st.floats(0.05, 1.5), st.sampled_from([1e-4, 1e-3])))  # near-zero slack
    if kind == "per_round":
        # budget above e_0 (the cost of pure offload) so that the Slater slack is positive
        doc["objective"] = {
            "kind": "per_round",
            "energy_budget_j": e_0 + frac * e_c * max(K_max, 1),
        }
    else:
        tau_0 = doc["edge"]["tau_0"]
        doc["objective"] = {
            "kind": "per_second",
            "power_budget_w": (e_0 / tau_0) * (1 + frac) + 0.01,
        }
    return doc


def exit_on_path(scenario: Scenario) -> bool:
    """True when exact DPP plays an early-exit action (K >= 1, a finite threshold that stops some
    positions: s(eta) < 1) in some channel state for a multiplier lambda = Q/V its queue drifts
    through: from 0 up to the first breakpoint past which the greedy policy's expected cost is
    negative (where the queue turns back). Exact, from the envelopes (no simulation)."""
    from gelato_theory.exact.band import cost_steps, greedy_intervals
    from gelato_theory.exact.bounds import constants

    problem, _ = constants(scenario)
    menu = problem.stats.menu
    exit_action = (menu.K >= 1) & np.isfinite(menu.eta) & (problem.stats.s < 1 - 1e-12)
    steps = cost_steps(problem)
    turning = steps.edges[:-1][steps.cost < 0]
    reach = float(turning[0]) if turning.size else np.inf
    lo, hi = greedy_intervals(problem)
    played = (lo <= hi) & (lo <= reach)
    return bool((played & exit_action[None, :]).any())


def scenarios(**kwargs: Any) -> st.SearchStrategy[Scenario]:
    """Valid scenarios with positive Slater slack; keyword arguments go to :func:`scenario_dicts`."""
    return scenario_dicts(**kwargs).map(scenario_from_dict)


def V_grids(max_size: int = 3, large: bool = True) -> st.SearchStrategy[list[float]]:
    """Sorted V grids (J/token), optionally reaching very large V (up to 1e4)."""
    top = 1e4 if large else 10.0
    return st.lists(st.floats(1e-3, top), min_size=1, max_size=max_size, unique=True).map(sorted)
