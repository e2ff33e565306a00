"""Proof obligations: one object per result of SPEC §5, declaring its mathematics (SPEC §5).

An :class:`Obligation` declares a statement (sympy), the symbols it uses (with assumptions), its
derivation as a sequence of :class:`Step` objects and, for bounds, the bound expressions. A step either
only shows an expression (``goal="show"``), or claims that an expression is ``zero``, ``nonpositive``,
``nonnegative``, ``negative`` or ``positive`` (decided by sympy under the symbols' assumptions, with
case splits written as substitutions such as ``y = z - Q`` with ``z >= 0``), or is checked by
``numeric`` sampling where sympy cannot decide it. ``check()`` runs every step and returns a
:class:`CheckResult`; printing and rendering live elsewhere (:mod:`gelato_theory.symbolic.render`).

A claim sympy cannot establish fails, and the failure is reported with a counterexample when exact
evaluation on a small grid of values finds one, so a wrong statement is refuted, not only unproved.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import sympy as sp

Goal = Literal["show", "zero", "nonpositive", "nonnegative", "negative", "positive", "numeric"]

#: the goals sympy decides, and how each is phrased
SYMBOLIC_GOALS: dict[str, str] = {
    "zero": "= 0",
    "nonpositive": "≤ 0",
    "nonnegative": "≥ 0",
    "negative": "< 0",
    "positive": "> 0",
}

SYMBOLIC, NUMERIC = "symbolic", "numeric sampling"


@dataclass(frozen=True)
class Sampling:
    """Outcome of a numeric sampling check: passed, and a deterministic one-line description."""

    passed: bool
    detail: str


@dataclass(frozen=True)
class Step:
    """One derivation step: a sentence, an expression, and what is claimed about the expression."""

    text: str
    expr: sp.Basic | None = None
    goal: Goal = "show"
    sampler: Callable[[], Sampling] | None = None  # for goal == "numeric"

    @property
    def method(self) -> str | None:
        if self.goal == "show":
            return None
        return NUMERIC if self.goal == "numeric" else SYMBOLIC


@dataclass(frozen=True)
class StepResult:
    """The outcome of one checked step (``passed`` is None for a step that only shows)."""

    step: Step
    passed: bool | None
    detail: str
    reduced: sp.Basic | None = None  # what sympy reduced the expression to


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one obligation: name, method, passed, a one-line detail, and every step."""

    name: str
    method: str
    passed: bool
    detail: str
    steps: tuple[StepResult, ...] = ()


@dataclass(frozen=True)
class Obligation:
    """Base class: a result of SPEC §5 as declared mathematics. Subclasses are frozen dataclasses
    whose fields hold the declared (possibly overridden) statement pieces."""

    name: str = "obligation"

    title: ClassVar[str] = ""
    spec: ClassVar[str] = "§5"
    summary: ClassVar[str] = ""
    assumptions: ClassVar[tuple[str, ...]] = ()

    # -- declarations (overridden by subclasses) ----------------------------------------------

    @property
    def statement(self) -> sp.Basic:
        """The claim, as a sympy relation."""
        raise NotImplementedError

    def symbols(self) -> tuple[tuple[sp.Symbol, str], ...]:
        """The symbols of the statement with their meaning (assumptions are on the symbols)."""
        return ()

    def steps(self) -> tuple[Step, ...]:
        """The derivation, in order."""
        raise NotImplementedError

    @property
    def bounds(self) -> Mapping[str, sp.Expr]:
        """Named bound expressions (empty for identities); the first one is :attr:`bound`."""
        return {}

    # -- derived behaviour ----------------------------------------------------------------------

    @property
    def bound(self) -> sp.Expr:
        if not self.bounds:
            raise AttributeError(f"{self.name} declares no bound expression")
        return next(iter(self.bounds.values()))

    @property
    def method(self) -> str:
        """'symbolic', 'numeric sampling', or 'symbolic + numeric sampling'."""
        used = {s.method for s in self.steps() if s.method is not None}
        return " + ".join(m for m in (SYMBOLIC, NUMERIC) if m in used)

    def check(self) -> CheckResult:
        """Decide every step; passed iff each claimed step is established."""
        results = tuple(check_step(s) for s in self.steps())
        claimed = [(i, r) for i, r in enumerate(results, 1) if r.passed is not None]
        failed = [(i, r) for i, r in claimed if not r.passed]
        if failed:
            i, first = failed[0]
            detail = (
                f"{len(failed)} of {len(claimed)} checked steps failed; step {i}: {first.detail}"
            )
        else:
            detail = f"all {len(claimed)} checked steps hold"
        return CheckResult(self.name, self.method, not failed, detail, results)

    def evaluate(self, which: str | None = None, /, **values: Any) -> Any:
        """Evaluate bound ``which`` (default: the first) at numbers or NumPy arrays (broadcast)."""
        if which is None:
            expr = self.bound
        elif which in self.bounds:
            expr = self.bounds[which]
        else:
            raise KeyError(f"{self.name} has no bound {which!r}; known: {list(self.bounds)}")
        names = tuple(sorted(str(s) for s in arguments(expr)))
        known = {str(s) for e in self.bounds.values() for s in arguments(e)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError(
                f"{self.name}.evaluate: unknown value(s) {unknown}; known: {sorted(known)}"
            )
        missing = [n for n in names if n not in values]
        if missing:
            raise TypeError(f"{self.name}.evaluate: missing value(s) {missing}")
        counts = summation_limits(expr)
        args = (
            int(values[n]) if n in counts else np.asarray(values[n], dtype=float) for n in names
        )  # a summation limit is a count (int); everything else is a float array
        out = _lambdified(expr, names)(*args)
        out = np.asarray(out, dtype=float)
        return float(out) if out.ndim == 0 else out

    def numeric(self, **values: Any) -> Any:
        """The first bound evaluated numerically; same as ``evaluate(**values)``."""
        return self.evaluate(**values)

    def mutant(self, **changes: Any) -> Obligation:
        """A copy with some declared pieces replaced, e.g. a deliberately wrong statement."""
        return dataclasses.replace(self, name=f"{self.name}-mutant", **changes)


# -- deciding one step ----------------------------------------------------------------------------


def check_step(step: Step) -> StepResult:
    """Decide one step: by sympy for symbolic goals, by its sampler for numeric ones."""
    if step.goal == "show":
        return StepResult(step, None, "shown")
    if step.goal == "numeric":
        if step.sampler is None:
            raise ValueError(f"numeric step {step.text!r} has no sampler")
        outcome = step.sampler()
        return StepResult(step, outcome.passed, outcome.detail)
    if step.expr is None:
        raise ValueError(f"step {step.text!r} claims {step.goal} but has no expression")
    first: StepResult | None = None
    for reduced in reductions(step.expr):
        passed, detail = decide(reduced, step.goal)
        if passed:
            return StepResult(step, True, detail, reduced)
        first = first or StepResult(step, False, detail, reduced)
    assert first is not None
    return first


def reductions(expr: sp.Basic) -> Iterator[sp.Basic]:
    """sympy's simplest forms of ``expr`` after evaluating sums and derivatives: simplify then
    factor; for an expression with unevaluated sums, also the form after expanding (which splits
    the sums by linearity)."""
    evaluated = sp.sympify(expr).doit()
    yield _simplest(evaluated)
    if evaluated.has(sp.Sum):
        yield _simplest(sp.expand(evaluated).doit())


def _simplest(expr: sp.Basic) -> sp.Basic:
    simplified = sp.simplify(expr)
    try:
        return sp.factor(simplified)
    except (sp.PolynomialError, NotImplementedError):  # pragma: no cover - defensive
        return simplified


def decide(reduced: sp.Basic, goal: str) -> tuple[bool, str]:
    """Whether sympy establishes ``reduced <goal>`` under the assumptions on its symbols."""
    rel = SYMBOLIC_GOALS[goal]
    if goal == "zero":
        ok = reduced == 0 or reduced.is_zero is True
    else:
        ok = getattr(reduced, f"is_{goal}") is True
    if ok:
        return True, f"sympy: {_short(reduced)} {rel}"
    found = counterexample(reduced, goal)
    if found is not None:
        point = ", ".join(f"{k}={v}" for k, v in found[0].items())
        where = f" at {point}" if point else ""
        return False, f"refuted:{where} the expression is {found[1]}, not {rel}"
    return False, f"sympy could not show {_short(reduced)} {rel}"


def _short(expr: sp.Basic, limit: int = 80) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- refuting a wrong claim -----------------------------------------------------------------------

_POOLS = {
    "positive_integer": (1, 2, 3),
    "nonnegative_integer": (0, 1, 2, 3),
    "integer": (1, -1, 0, 2),
    "positive": (sp.Rational(1, 2), 1, 2, 3),
    "nonnegative": (sp.Rational(1, 2), 0, 1, 2),
    "nonpositive": (sp.Rational(-1, 2), 0, -1, -2),
    "negative": (sp.Rational(-1, 2), -1, -2),
    "real": (sp.Rational(1, 2), -1, 2, 0, 1),
}


def _pool(sym: sp.Symbol) -> tuple[Any, ...]:
    if sym.is_integer:
        if sym.is_positive:
            return _POOLS["positive_integer"]
        return _POOLS["nonnegative_integer"] if sym.is_nonnegative else _POOLS["integer"]
    for key in ("positive", "nonnegative", "negative", "nonpositive"):
        if getattr(sym, f"is_{key}"):
            return _POOLS[key]
    return _POOLS["real"]


def _violates(value: sp.Basic, goal: str) -> bool:
    if not value.is_real or not value.is_finite:
        return False
    return {
        "zero": value != 0,
        "nonpositive": value > 0,
        "nonnegative": value < 0,
        "negative": value >= 0,
        "positive": value <= 0,
    }[goal]


def counterexample(
    expr: sp.Basic, goal: str, limit: int = 400
) -> tuple[dict[str, Any], sp.Basic] | None:
    """A point (exact values respecting the symbols' assumptions) where ``expr <goal>`` fails.

    Tries the first point of the product of small value pools per symbol, then ``limit`` points
    drawn from that product by a fixed-seed generator (deterministic); None if none violates.
    """
    syms = sorted(expr.free_symbols, key=str)
    pools = [_pool(s) for s in syms]
    rng = np.random.default_rng(0)
    draws = (tuple(pool[int(rng.integers(len(pool)))] for pool in pools) for _ in range(limit))
    for values in itertools.chain([tuple(pool[0] for pool in pools)], draws):
        point = dict(zip(syms, values, strict=True))
        value = sp.simplify(expr.subs(point))
        if _violates(value, goal):
            return {str(k): v for k, v in point.items()}, value
    return None


def arguments(expr: sp.Basic) -> list[sp.Symbol]:
    """The free symbols of ``expr`` that take values: an indexed term x[m] inside a sum is fed by
    its array x (whose label is free too), so the terms themselves are dropped."""
    return sorted((s for s in expr.free_symbols if not isinstance(s, sp.Indexed)), key=str)


def summation_limits(expr: sp.Basic) -> set[str]:
    """Names of the symbols in the limits of the sums of ``expr`` (counts, passed as int)."""
    return {
        str(sym)
        for total in expr.atoms(sp.Sum)
        for lim in total.limits
        for sym in sp.Tuple(*lim[1:]).free_symbols
    }


@functools.lru_cache(maxsize=256)
def _lambdified(expr: sp.Expr, names: tuple[str, ...]) -> Callable[..., Any]:
    return sp.lambdify(arguments(expr), expr, modules="numpy")


def isolate(f: sp.Expr, var: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """For an inequality ``f <= 0`` linear in ``var``: its coefficient c and the threshold r, so that
    ``var >= r`` when c < 0 and ``var <= r`` when c > 0 (the sign of c is a separate step)."""
    f = sp.expand(f)
    c = sp.diff(f, var)
    if sp.diff(c, var) != 0:
        raise ValueError(f"{f} is not linear in {var}")
    return c, sp.simplify(-(f - c * var) / c)
