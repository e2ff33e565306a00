"""Hypothesis strategies for valid scenarios (SPEC §7), for our tests and users' test suites.

Drawn scenarios use explicit tables (channel gains, token types) so they are cheap to build, and
always keep positive Slater slack unless asked otherwise.
"""

from __future__ import annotations

import math

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
    J = draw(st.integers(1, max_types))
    gains = sorted(draw(st.lists(st.floats(1e-13, 1e-10), min_size=M, max_size=M, unique=True)))
    e_c = draw(st.floats(0.001, 0.1))
    e_0 = draw(st.floats(0.0, 0.1))
    K_max = draw(st.integers(0, max_K))
    all_pass = draw(st.booleans())  # s = 1 at every threshold
    top = 0.4 if all_pass else 4.0
    entropies = draw(st.lists(st.floats(0.0, top), min_size=J, max_size=J))
    acceptances = draw(st.lists(st.floats(0.0, 1.0), min_size=J, max_size=J))
    thresholds = sorted(set(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), max_size=3))))
    doc = {
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
            "payload_bits": draw(st.sampled_from([1024.0, 16384.0, 65536.0])),
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
        },
        "actions": {"K_max": K_max, "thresholds": [*thresholds, math.inf]},
        "control": {"V": draw(V) if V is not None else [0.01, 0.1]},
    }
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


def scenarios(**kwargs: object) -> st.SearchStrategy[Scenario]:
    """Valid scenarios with positive Slater slack; keyword arguments go to :func:`scenario_dicts`."""
    return scenario_dicts(**kwargs).map(scenario_from_dict)


def V_grids(max_size: int = 3, large: bool = True) -> st.SearchStrategy[list[float]]:
    """Sorted V grids (J/token), optionally reaching very large V (up to 1e4)."""
    top = 1e4 if large else 10.0
    return st.lists(st.floats(1e-3, top), min_size=1, max_size=max_size, unique=True).map(sorted)
