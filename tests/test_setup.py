"""Importing the course changes nothing; `utils.setup()` sets a notebook up, visibly.

A library that changes global state when imported changes it for every program that
imports it: a server, a script, a test. So importing any module of `utils` (or the council's
server) leaves pandas' and numpy's options, Altair's registries, IPython's handlers,
`sys.modules`, warnings filters, the locale and the environment as they were; each notebook's
first code cell calls `utils.setup()` for its charts, tables and error messages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from utils import display

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))

#: Run in a fresh interpreter: the libraries the course builds on are imported and an IPython
#: shell started first (as in a kernel), then every module of utils and of the council's
#: server, one at a time, each followed by a snapshot of everything global; printed as JSON:
#: the first module after which something differs, and what.
PROBE = r'''
import csv, importlib.util, json, locale, logging, os, pkgutil, signal, sys, warnings

import altair as alt, ipywidgets, numpy as np, pandas as pd, IPython.display
import PIL.Image, segno, tornado.web, vl_convert
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
loaded = set(sys.modules)

def pandas_options(options=pd.options, prefix=""):
    found = {}
    for name in dir(options):
        value = getattr(options, name)
        if type(value).__name__ == "DictWrapper":
            found.update(pandas_options(value, prefix + name + "."))
        else:
            found[prefix + name] = repr(value)
    return found

def formatters():
    return {mime: sorted(repr(t) for t in [*f.type_printers, *f.deferred_printers])
            for mime, f in shell.display_formatter.formatters.items()}

def snapshot():
    return {
        "pandas options": pandas_options(),
        "numpy print options": repr(sorted(np.get_printoptions().items())),
        "numpy error handling": repr(sorted(np.geterr().items())),
        "Altair renderers": [alt.renderers.active, sorted(alt.renderers.names())],
        "Altair themes": [alt.theme.active, sorted(alt.theme.names())],
        "Altair data transformers": [alt.data_transformers.active,
                                     sorted(alt.data_transformers.names())],
        "IPython exception handler": [repr(shell.custom_exceptions),
                                      repr(shell.CustomTB)],
        "IPython display formatters": formatters(),
        "IPython display publisher": repr(shell.display_pub.publish),
        "sys.modules entries that are not modules":
            sorted(n for n, m in sys.modules.items() if not hasattr(m, "__name__")),
        "sys.modules entries replaced or removed": {n: id(sys.modules.get(n)) for n in loaded},
        "sys hooks": [repr(sys.excepthook), repr(sys.displayhook), sys.getrecursionlimit()],
        "sys.path": list(sys.path),
        "warnings filters": [repr(f) for f in warnings.filters],
        "locale": locale.setlocale(locale.LC_ALL),
        "environment": dict(os.environ),
        "signal handlers": [repr(signal.getsignal(s))
                            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)],
        "csv cell limit": csv.field_size_limit(),
        "logging": [logging.root.level, repr(logging.root.handlers)],
    }

def difference(old, new):
    """What changed: for a dict, only the keys whose values differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [{k: old.get(k) for k in old.keys() | new.keys() if old.get(k) != new.get(k)},
                {k: new.get(k) for k in old.keys() | new.keys() if old.get(k) != new.get(k)}]
    return [old, new]

package = importlib.util.find_spec("utils").submodule_search_locations  # not imported yet
modules = ["utils"]
for found in pkgutil.iter_modules(package, "utils."):
    modules.append(found.name)
    if found.ispkg:  # utils.views: its modules too, found on disk (importing runs code)
        inside = [os.path.join(folder, found.name.split(".")[-1]) for folder in package]
        modules += [m.name for m in pkgutil.iter_modules(inside, found.name + ".")]
modules += ["council", "council.server"]
before = snapshot()
for name in modules:
    importlib.import_module(name)
    after = snapshot()
    changed = {k: difference(before[k], after[k]) for k in before if before[k] != after[k]}
    if changed:
        print(json.dumps({"module": name, "changed": changed}, default=repr))
        break
else:
    print(json.dumps({"module": None, "imported": modules}))
'''


def probe(code: str) -> dict:
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=ROOT, timeout=300)
    assert child.returncode == 0, child.stderr[-3000:]
    return json.loads(child.stdout.strip().splitlines()[-1])


def test_importing_any_module_changes_nothing_global() -> None:
    found = probe(PROBE)
    assert found["module"] is None, (
        f"importing {found['module']} changed: "
        + "; ".join(f"{what}: {old!r} -> {new!r}"[:600]
                    for what, (old, new) in found["changed"].items()))
    assert {"utils", "utils.voting", "utils.charts", "utils.display", "utils.errors",
            "utils.views.consensus", "utils.views.operations",
            "council.server"} <= set(found["imported"])


def test_the_voting_model_imports_without_the_chart_stack() -> None:
    """utils.voting is what the benchmark against other voting libraries measures, in
    environments that have those libraries but not Altair."""
    found = probe("import sys, json\nsys.modules['altair'] = None\n"
                  "from utils import voting\n"
                  "print(json.dumps({'quota': voting.majority(5).quota}))")
    assert found == {"quota": 3}


#: In a fresh interpreter with an IPython shell (as in a kernel): utils.setup(), twice (a
#: student runs the first cell again), and what it set.
SETUP_PROBE = r'''
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
import utils
shown = [utils.setup(), utils.setup()]
import altair as alt, pandas as pd
from utils import display, errors
print(json.dumps({
    "returned": shown, "renderer": alt.renderers.active, "theme": alt.theme.active,
    "max_colwidth": pd.get_option("display.max_colwidth"),
    "float_format": pd.get_option("display.float_format") is display.number,
    "a float": shell.display_formatter.format(0.1 * 0.9)[0]["text/plain"],
    "handled": errors.CourseError in shell.custom_exceptions,
    "IRI parsers declined": sys.modules.get("rfc3987_syntax", "absent") is None,
}))
'''


def test_setup_sets_up_charts_tables_and_messages() -> None:
    assert probe(SETUP_PROBE) == {
        "returned": [None, None], "renderer": "alliance", "theme": "alliance",
        "max_colwidth": None, "float_format": True, "a float": "0.09", "handled": True,
        "IRI parsers declined": True}


def test_setup_outside_a_notebook_sets_charts_and_tables() -> None:
    found = probe("import json, utils\nutils.setup()\nimport altair as alt, pandas as pd\n"
                  "print(json.dumps([alt.renderers.active, pd.get_option('display.width')]))")
    assert found == ["alliance", display.WIDTH]


def test_course_charts_have_the_course_look_without_setup() -> None:
    """The council's server draws notebook 01's chart with no notebook set-up: the course's
    charts carry the course's theme themselves, whatever theme is active."""
    found = probe("import json\nfrom utils import charts\nfrom utils.views import membership\n"
                  "config = membership._chart(1999).spec['config']\n"
                  "print(json.dumps([config['font'] == charts.FONT, config['view']]))")
    assert found == [True, {"stroke": None, "continuousWidth": 520, "continuousHeight": 260}]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_notebook_sets_up_first(path: Path) -> None:
    """The set-up is the first code cell's one visible step, before the course's modules
    load (so that Altair loads without the IRI parsers, see utils.setup), and the text a
    student reads before that cell says what it does."""
    cells = nbformat.read(path, as_version=4).cells
    first = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    lines = cells[first].source.splitlines()
    assert lines[:3] == ["import utils", "", "utils.setup()"], lines
    assert all(line.startswith("from utils import ") for line in lines[3:]), lines
    assert any("`utils.setup()`" in c.source for c in cells[:first]
               if "answer-key" not in c.metadata.get("tags", []))
