"""A sweep store as tidy pandas DataFrames (SPEC §7 ``results``).

``load_results(store)`` gives one row per cell x seed: the grid point's axis values (one column per
axis), policy, V, seed, and one column per per-seed field of the Simulation (``mean_N``,
``mean_Q``, ...). ``load_results(store, "verdicts")`` gives one row per grid point x policy x claim
x V (V empty for the grid claims) with status, measured value, bound and confidence interval;
``"cells"`` one row per cell with its seed range, run, elapsed time and worker. Rows are in a fixed
order (axis values as stored, policy, V, seed), so two stores with the same results give equal
frames.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gelato_theory.sweep.store import Store, StoreError

KINDS = ("seeds", "verdicts", "cells")


def load_results(store: str | Path, kind: str = "seeds"):
    """The store's results as a tidy DataFrame; ``kind`` is 'seeds', 'verdicts' or 'cells'."""
    import pandas as pd

    if kind not in KINDS:
        raise StoreError(store, f"kind = {kind!r}: must be one of {', '.join(KINDS)}")
    with Store.open(store, create=False) as st:
        if kind == "cells":
            df = _query(st, "SELECT * FROM cells")
            df = _with_axes(df.drop(columns=["attrs"]))
            return _sorted(df, ["policy", "V", "seed_start"])
        if kind == "verdicts":
            df = _query(
                st,
                "SELECT g.point, g.scenario, g.policy, v.claim, v.V, v.status, v.measured, "
                "v.bound, v.low, v.high, v.seeds_needed, v.detail, v.idx, g.key AS grp "
                "FROM verdicts v JOIN groups g ON v.grp = g.key",
            )
            df = _with_axes(df)
            df = _sorted(df, ["policy", "idx"]).drop(columns=["idx"])
            df["seeds_needed"] = df["seeds_needed"].astype("Int64")
            return df
        long = _query(
            st,
            "SELECT c.point, c.scenario, c.policy, c.V, s.seed, s.field, s.value, c.key AS cell "
            "FROM summaries s JOIN cells c ON s.cell = c.key",
        )
    if long.empty:
        return pd.DataFrame(columns=["scenario", "policy", "V", "seed", "cell"])
    index = ["point", "scenario", "policy", "V", "seed", "cell"]
    # Q traces (stored for the claims that read them) are not per-seed summaries: left out here
    long = long[~long["field"].str.startswith("trace_Q[")]
    wide = long.pivot(index=index, columns="field", values="value").reset_index()
    wide.columns.name = None
    wide = _with_axes(wide)
    return _sorted(wide, ["policy", "V", "seed"])


def _query(st: Store, sql: str):
    import pandas as pd

    cur = st._read(sql)
    names = [d[0] for d in cur.description]
    return pd.DataFrame.from_records(cur.fetchall(), columns=names)


def _with_axes(df):
    """Replace the JSON 'point' column with one column per axis (first-seen order)."""
    points = [json.loads(p) for p in df["point"]]
    axes: list[str] = []
    for p in points:
        axes += [a for a in p if a not in axes]
    df = df.drop(columns=["point"])
    for i, a in enumerate(axes):
        df.insert(i, a, [_scalar(p.get(a)) for p in points])
    df.attrs["axes"] = axes
    return df


def _scalar(v: Any) -> Any:
    return json.dumps(v) if isinstance(v, (list, dict)) else v


def _sorted(df, then: list[str]):
    axes = df.attrs.get("axes", [])
    keys = [*axes, "scenario", *then]
    out = df.sort_values(keys, kind="stable", na_position="first").reset_index(drop=True)
    out.attrs["axes"] = axes
    return out
