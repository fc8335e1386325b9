"""The package's surface: every module of utils declares what it offers in ``__all__``, and
a notebook calls only what is declared there.

A name outside ``__all__`` is a helper its module may rename or drop at any time; a notebook
(or a student copying from one) that leans on it would break without warning. The attack
test (tests/attack.py) fuzzes exactly the declared names.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
from pathlib import Path

import pytest

import utils

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def undeclared_uses(source: str) -> list[str]:
    """The `module.name` uses in a notebook's code of names that module does not declare,
    for modules imported with ``from utils import ...`` (views' modules too)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a scaffold with a gap (`____ ____`) for the student to fill
        return []
    imported = {alias.asname or alias.name: alias.name for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "utils"
                for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in imported:
            module = f"utils.{imported[owner.id]}"
        elif isinstance(owner, ast.Name) and owner.id == "utils":
            module = "utils"
        elif (isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name)
              and imported.get(owner.value.id) == "views"):
            module = f"utils.views.{owner.attr}"
        else:
            continue
        if node.attr not in surface(importlib.import_module(module)):
            found.append(f"{module.removeprefix('utils.')}.{node.attr}")
    return found


def surface(module: object) -> list[str]:
    """What a module declares: its __all__, or (declaring none) every name without a
    leading underscore, as the attack reads it."""
    return list(getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")]))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_a_notebook_calls_only_declared_names(path: Path) -> None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = sorted({use for cell in cells if cell["cell_type"] == "code"
                    for use in undeclared_uses("".join(cell["source"]))})
    assert not found, f"{path.name} calls names outside their module's __all__: {found}"


def test_the_check_finds_undeclared_uses() -> None:
    source = ("from utils import consensus, views\nimport utils\n"
              "consensus.negotiate(consensus._check_sizes([1]))\n"
              "views.consensus.summary(x)\nviews.consensus._summary(x)\nutils.setup()\n")
    assert sorted(undeclared_uses(source)) == ["consensus._check_sizes",
                                               "views.consensus._summary"]


def modules() -> list[str]:
    """Every module of utils whose name has no leading underscore."""
    return sorted(m.name for m in pkgutil.walk_packages(utils.__path__, "utils.")
                  if not m.name.rsplit(".", 1)[-1].startswith("_"))


@pytest.mark.parametrize("name", modules())
def test_every_declared_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, "__all__", []) if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not have: {missing}"


def test_views_are_found_by_name_and_a_misspelt_one_says_which() -> None:
    from utils import views

    assert views.consensus.__name__ == "utils.views.consensus"
    assert sorted(dir(views)) == sorted(views.__all__)
    with pytest.raises(AttributeError) as missing:
        views.consenus  # noqa: B018
    assert missing.value.name == "consenus" and missing.value.obj is views
