"""Policies by name, import path or object (SPEC §4.1, §7).

A policy spec is one of

* a built-in name (``gelato``, ``gelato-exact``, ..., ``gelato-cvxpy``; :mod:`registry`);
* an import path ``package.module:Name`` (or ``path/to/file.py:Name``), where ``Name`` is a policy
  object, a class or a factory;
* a Python object: a policy (anything with ``decide``), a class or a factory.

Classes and factories are called as ``Name(scenario, problem)`` and must return a policy. Every
failure — the module does not import, the name is missing, the constructor raises, the result has
no ``decide`` — is a :class:`gelato_theory.errors.PolicyLoadError` naming the spec and the cause.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gelato_theory.control.protocol import policy_class, policy_name
from gelato_theory.errors import PolicyLoadError
from gelato_theory.exact.problem import Problem
from gelato_theory.scenario.model import Scenario


def builtin_names(scenario: Scenario, problem: Problem) -> list[str]:
    """Names of the built-in controllers for this scenario."""
    from gelato_theory.control.registry import ON_REQUEST, policies

    return [*policies(scenario, problem), *ON_REQUEST]


def is_import_path(spec: object) -> bool:
    """True for a string of the form ``module:Name`` (a user policy, not a built-in name)."""
    return isinstance(spec, str) and ":" in spec


def load_policy(
    spec: object,
    scenario: Scenario,
    problem: Problem,
    *,
    search_path: Iterable[str | Path] = (),
    known: dict | None = None,
) -> object:
    """The policy ``spec`` stands for (see the module docstring), constructed for this scenario.

    ``search_path``: directories tried first when importing (then the working directory);
    ``known``: the built-in policies if already built.
    """
    from gelato_theory.control.registry import builtin

    if isinstance(spec, str):
        if is_import_path(spec):
            target = _import(spec, [*search_path, os.getcwd()])
            return _construct(target, spec, scenario, problem)
        found = builtin(spec, scenario, problem, known)
        if found is None:
            names = ", ".join(builtin_names(scenario, problem))
            raise PolicyLoadError(
                spec, f"is neither a built-in policy ({names}) nor an import path 'module:Name'"
            )
        return found
    return _construct(spec, _label(spec), scenario, problem)


def load_policies(
    specs: Iterable[object],
    scenario: Scenario,
    problem: Problem,
    *,
    overrides: Mapping[str, object] | None = None,
    search_path: Iterable[str | Path] = (),
    check: bool = True,
) -> dict[str, Any]:
    """``{report name: policy}`` for every spec, in order; user policies pass the policy checker
    first (:func:`gelato_theory.control.checker.check_policy`). ``overrides`` replaces the policy
    a spec names (the tests use it to plant broken controllers). Two specs may not share a name.
    """
    from gelato_theory.control.checker import check_policy
    from gelato_theory.control.registry import policies

    overrides = dict(overrides or {})
    known = policies(scenario, problem)
    out: dict[str, Any] = {}  # duck-typed policies, classified by policy_class below
    for spec in specs:
        if isinstance(spec, str) and spec in overrides:
            name, policy = spec, overrides[spec]
        else:
            policy = load_policy(spec, scenario, problem, search_path=search_path, known=known)
            user = not isinstance(spec, str) or is_import_path(spec)
            name = spec if isinstance(spec, str) and not user else policy_name(policy)
            if check and user:
                check_policy(policy, scenario, problem, label=_label(spec))
        policy_class(policy)  # a declared class must be one of the three
        if name in out:
            raise PolicyLoadError(
                _label(spec), f"reports under the name {name!r}, which an earlier policy uses"
            )
        out[name] = policy
    return out


def _label(spec: object) -> str:
    if isinstance(spec, str):
        return spec
    return getattr(spec, "__qualname__", None) or policy_name(spec)


def _import(spec: str, search_path: list[str | Path]) -> object:
    module_name, _, attr = spec.rpartition(":")
    if not module_name or not attr:
        raise PolicyLoadError(spec, "an import path must read 'module:Name'")
    try:
        if module_name.endswith(".py"):
            module = _import_file(Path(module_name))
        else:
            for entry in reversed([str(Path(p).resolve()) for p in search_path]):
                if entry not in sys.path:
                    sys.path.insert(0, entry)
            module = importlib.import_module(module_name)
    except PolicyLoadError:
        raise
    except Exception as exc:  # any import-time failure of the user's module
        raise PolicyLoadError(
            spec, f"cannot import {module_name!r}: {type(exc).__name__}: {exc}"
        ) from exc
    target: object = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise PolicyLoadError(spec, f"module {module_name!r} has no attribute {attr!r}")
        target = getattr(target, part)
    return target


def _import_file(path: Path) -> object:
    if not path.is_file():
        raise PolicyLoadError(str(path), "no such file")
    name = f"gelato_user_policy_{path.stem}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise PolicyLoadError(str(path), "is not an importable Python file")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.resolve().parent))  # its sibling modules import too
    loader_spec.loader.exec_module(module)
    return module


def _construct(target: object, label: str, scenario: Scenario, problem: Problem) -> object:
    """A policy from an object: itself, or a class / factory called with (scenario, problem)."""
    if not inspect.isclass(target) and callable(getattr(target, "decide", None)):
        return target
    if not callable(target):
        raise PolicyLoadError(
            label, f"is a {type(target).__name__}, not a policy (no decide), class or factory"
        )
    what = f"{getattr(target, '__name__', label)}(scenario, problem)"
    try:
        policy = target(scenario, problem)
    except Exception as exc:  # the user's constructor failed: report its cause
        raise PolicyLoadError(label, f"{what} raised {type(exc).__name__}: {exc}") from exc
    if not callable(getattr(policy, "decide", None)):
        raise PolicyLoadError(
            label, f"{what} returned a {type(policy).__name__}, which has no decide method"
        )
    return policy
