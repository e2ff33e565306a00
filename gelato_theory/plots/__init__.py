"""Bound-vs-empirical figures of a verification report (SPEC §1 item 2, §7).

:mod:`.figures` builds one matplotlib figure per claim family from a report (data in, figure out);
:mod:`.save` renders them to PNG/SVG/PDF bytes and writes them all-or-nothing; :mod:`.per_second`
derives the per-second companion scenario used by the tokens/s figure; :mod:`.traces` the
full-resolution first rounds of the queue figure; :mod:`.style` holds the look.
"""

from gelato_theory.plots.figures import (
    NAMES,
    all_figures,
    backlog_vs_V,
    gap_vs_V,
    per_second_throughput,
    queue_trajectories,
    tradeoff,
)
from gelato_theory.plots.per_second import PER_SECOND_POLICIES, per_second_variant
from gelato_theory.plots.save import DEFAULT_FORMATS, FORMATS, render, save_all
from gelato_theory.plots.traces import detail_traces

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "NAMES",
    "PER_SECOND_POLICIES",
    "all_figures",
    "detail_traces",
    "backlog_vs_V",
    "gap_vs_V",
    "per_second_throughput",
    "per_second_variant",
    "queue_trajectories",
    "render",
    "save_all",
    "tradeoff",
]
