"""Models apart from views: a model module of utils imports no chart library, nothing of
IPython or ipywidgets, and none of the course's display modules.

A student who opens ``utils/consensus.py`` to see how the silence procedure works should
find the procedure, not chart templates and widget code; a script (the council's server, a
benchmark) can run a model without loading Altair. Charts, words and widgets live in
``utils/views/`` (one module per model) and in the display modules listed below.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

UTILS = Path(__file__).resolve().parent.parent / "utils"

#: What shows things, and so may import Altair, IPython and the display modules.
VIEWS = {
    "__init__": "utils.setup(): turns on the course's chart renderer and display options",
    "charts": "the chart theme and renderer",
    "display": "how tables and numbers are shown in a notebook",
    "widgets": "the widget shell",
    "reveal": "'predict, then see': a widget that shows an answer after a prediction",
    "feedback": "check and hand_in, which show their results in the notebook",
    "errors": "the notebook's handler that shows a course error as a message",
    "_draw_svg": "draws a chart's static image in a process of its own",
    "council": "the notebook's reader of a council session: its chart and words",
    "poll": "the notebook's reader of a class poll: its charts",
}
#: Imports that make a module a view.
VIEW_IMPORTS = ("altair", "IPython", "ipywidgets", "vl_convert", "utils.charts",
                "utils.display", "utils.widgets", "utils.reveal", "utils.views")


def models() -> list[Path]:
    """Every module of utils outside utils/views/ that is not listed in VIEWS."""
    return sorted(p for p in UTILS.glob("*.py") if p.stem not in VIEWS)


def view_imports(path: Path) -> list[str]:
    """The view imports anywhere in a module (inside functions too), as written."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "utils":
            names = [f"utils.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name) for name in names
                  if any(name == v or name.startswith(v + ".") for v in VIEW_IMPORTS)]
    return [f"line {line}: {name}" for line, name in sorted(found)]


def test_the_model_list_is_not_empty() -> None:
    assert {p.stem for p in models()} >= {"consensus", "voting", "membership", "data"}


@pytest.mark.parametrize("path", models(), ids=lambda p: p.stem)
def test_a_model_imports_no_view(path: Path) -> None:
    assert not view_imports(path), f"utils/{path.name} imports views: {view_imports(path)}"


def test_the_check_finds_view_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import altair as alt\nfrom utils import charts, data\n"
                      "def f():\n    from IPython.display import Markdown\n"
                      "from utils.views import consensus\nimport numpy\n")
    assert view_imports(module) == ["line 1: altair", "line 2: utils.charts",
                                    "line 4: IPython.display", "line 5: utils.views"]


def test_every_view_module_has_a_model() -> None:
    views = {p.stem for p in (UTILS / "views").glob("*.py")} - {"__init__"}
    assert views and all((UTILS / f"{name}.py").exists() for name in views)


#: The live games' rules, protocol, export and servers' skeleton: what runs the game, and so
#: loads no chart library (the projector's screens, council/screens.py, draw; these do not).
ENGINES = ("council.game", "council.poll", "council.export", "council.protocol",
           "council.live", "council.poll_server")


@pytest.mark.parametrize("module", ENGINES)
def test_the_live_games_rules_load_no_view(module: str) -> None:
    # In a process of its own: what importing the module loads, with everything it imports.
    probe = ("import sys, importlib; importlib.import_module(sys.argv[1]); "
             "print(sorted(m for m in ('altair', 'IPython', 'ipywidgets', 'vl_convert') "
             "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe, module], capture_output=True,
                            text=True, check=True, timeout=120).stdout.strip()
    assert loaded == "[]", f"{module} loads {loaded}"
