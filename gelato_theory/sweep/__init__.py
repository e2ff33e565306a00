"""Sweeps (SPEC §7 ``sweep``/``results``): grids of scenarios x policies x V x seeds as Dask tasks,
into a resumable SQLite store, read back as tidy DataFrames.

:mod:`.spec` reads and validates sweep specs; :mod:`.cells` expands them into cells (one task each)
and groups (one set of verdicts each) keyed by content hashes, and holds what the tasks run;
:mod:`.store` is the SQLite store; :mod:`.run` submits the missing cells and writes results as they
finish; :mod:`.frames` reads a store into pandas. Dask, distributed and pandas load on first use.
"""

from gelato_theory.sweep.frames import load_results
from gelato_theory.sweep.run import SweepOutcome, run_sweep
from gelato_theory.sweep.spec import SweepSpec, load_spec, loads_spec
from gelato_theory.sweep.store import Store, StoreError

__all__ = [
    "Store",
    "StoreError",
    "SweepOutcome",
    "SweepSpec",
    "load_results",
    "load_spec",
    "loads_spec",
    "run_sweep",
]
