"""Results as tables and short notebook views (SPEC §7): tidy pandas DataFrames, one-line reprs and
Markdown of a Simulation, a VerificationReport and a ComparisonResult.

The functions read the objects' public fields only (no import of the layers that define them), so
the simulation, verification and comparison classes can delegate their ``to_pandas``, ``__repr__``
and ``_repr_markdown_`` here. pandas is imported on first use.

* :func:`simulation_frame`: one row per (V, seed): policy, V, seed and every per-seed summary field
  (every 2-D field of shape (n_V, S), whatever fields the Simulation has);
* :func:`report_frame`: one row per verdict (policy, claim, V, status, measured, bound, interval);
* :func:`comparison_frame`: one row per policy, each interval as three columns (mean, low, high).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


def per_seed_fields(sim: Any) -> dict[str, np.ndarray]:
    """Every per-seed summary of a Simulation: its 2-D array fields of shape (n_V, S)."""
    n_V = np.asarray(sim.V).size
    out = {}
    for f in dataclasses.fields(sim):
        v = getattr(sim, f.name)
        if isinstance(v, np.ndarray) and v.ndim == 2 and v.shape[0] == n_V:
            out[f.name] = v
    return out


def simulation_frame(sim: Any):
    """One row per (V, seed) trajectory with every per-seed summary field."""
    import pandas as pd

    fields = per_seed_fields(sim)
    n_V, S = next(iter(fields.values())).shape
    cols: dict[str, Any] = {
        "policy": [sim.policy] * (n_V * S),
        "V": np.repeat(np.asarray(sim.V, dtype=float), S),
        "seed": np.tile(np.arange(S), n_V),
    }
    cols.update({name: arr.reshape(-1) for name, arr in fields.items()})
    return pd.DataFrame(cols)


def simulation_repr(sim: Any) -> str:
    fields = per_seed_fields(sim)
    S = next(iter(fields.values())).shape[1] if fields else 0
    V = ", ".join(f"{v:g}" for v in np.asarray(sim.V))
    return (
        f"Simulation(policy={sim.policy!r}, V=[{V}], seeds={S}, horizon={sim.horizon}, "
        f"{len(fields)} per-seed fields)"
    )


def simulation_markdown(sim: Any) -> str:
    """A table of per-V means over seeds of every per-seed field."""
    fields = per_seed_fields(sim)
    names = list(fields)
    S = next(iter(fields.values())).shape[1] if fields else 0
    lines = [
        f"**Simulation** of `{sim.policy}`: {S} seeds × {sim.horizon} rounds; means over seeds",
        "",
        "| V | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for i, v in enumerate(np.asarray(sim.V)):
        lines.append(
            f"| {v:g} | " + " | ".join(f"{np.nanmean(fields[n][i]):.4g}" for n in names) + " |"
        )
    return "\n".join(lines) + "\n"


def report_frame(report: Any):
    """One row per verdict of a verification report."""
    import pandas as pd

    rows = [dataclasses.asdict(v) for v in report.verdicts]
    cols = [f.name for f in dataclasses.fields(report.verdicts[0])] if rows else ["claim"]
    df = pd.DataFrame(rows, columns=cols)
    if "seeds_needed" in df:
        df["seeds_needed"] = df["seeds_needed"].astype("Int64")
    return df


def report_repr(report: Any) -> str:
    counts = {s: report.count(s) for s in ("pass", "fail", "inconclusive")}
    pols = [r.policy for r in report.results]
    V = ", ".join(f"{b.V:g}" for b in report.bounds)
    return (
        f"VerificationReport(scenario={report.scenario.name!r}, policies={pols}, V=[{V}], "
        f"{len(report.verdicts)} verdicts: {counts['pass']} pass, {counts['fail']} fail, "
        f"{counts['inconclusive']} inconclusive)"
    )


def report_markdown(report: Any) -> str:
    """Claims x V verdict table per policy, with the one-line reason."""
    V = [b.V for b in report.bounds]
    st = report.settings
    lines = [
        f"**Verification** of `{report.scenario.name}`: {st.get('seeds')} seeds × "
        f"{st.get('horizon')} rounds — {report.reason()}",
        "",
        "| policy | claim | " + " | ".join(f"V={v:g}" for v in V) + " | grid |",
        "|---|---|" + "---|" * (len(V) + 1),
    ]
    for r in report.results:
        by: dict[str, dict] = {}
        for v in r.verdicts:
            by.setdefault(v.claim, {})[v.V] = v.status
        for claim, vals in by.items():
            cells = " | ".join(_status(vals.get(v)) for v in V)
            lines.append(f"| {r.policy} | {claim} | {cells} | {_status(vals.get(None))} |")
    return "\n".join(lines) + "\n"


def _status(s: str | None) -> str:
    return "" if s is None else ("**fail**" if s == "fail" else s)


def comparison_frame(res: Any):
    """One row per policy; an interval field X becomes columns X, X_low, X_high."""
    import pandas as pd

    rows = []
    for r in res.rows:
        row: dict[str, Any] = {}
        for f in dataclasses.fields(r):
            v = getattr(r, f.name)
            if dataclasses.is_dataclass(v):
                row[f.name], row[f"{f.name}_low"], row[f"{f.name}_high"] = (
                    getattr(v, a) for a in ("mean", "low", "high")
                )
            else:
                row[f.name] = v
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_repr(res: Any) -> str:
    return (
        f"ComparisonResult(scenario={res.scenario!r}, V={res.V:g}, {len(res.rows)} policies, "
        f"seeds={res.seeds}, horizon={res.horizon}, budget={res.budget:g} {res.budget_unit})"
    )
