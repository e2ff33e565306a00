"""The architecture as a tested contract: imports point one way, and the public API resolves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gelato_theory

PACKAGE = Path(gelato_theory.__file__).resolve().parent

#: Layers from the bottom up; a module may import its own layer and those below, never above.
LAYERS = [
    {"errors", "atomic", "frames", "progress", "__init__"},
    {"scenario"},
    {"symbolic"},
    {"exact"},
    {"executor"},
    {"control"},
    {"simulation"},
    {"verification"},
    {"sweep"},
    {"testing", "plots"},
    {"cli"},
]


def layer_of(top: str) -> int:
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{top} is in no layer")


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("gelato_theory.")
        ):
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("gelato_theory.")]
    return out


def test_imports_point_one_way():
    breaches = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.name == "__init__.py" and rel.parent == Path("."):
            continue  # the package root re-exports the public API lazily
        own = layer_of(rel.parts[0].removesuffix(".py"))
        for mod in imports(path):
            top = mod.split(".")[1]
            if layer_of(top) > own:
                breaches.append(f"{rel} imports {mod}")
    assert not breaches, "\n".join(breaches)


@pytest.mark.parametrize("name", gelato_theory.__all__)
def test_public_api_resolves(name):
    assert getattr(gelato_theory, name) is not None


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        gelato_theory.no_such_thing  # noqa: B018
