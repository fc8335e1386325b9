"""The JupyterLite edition in headless Chromium, offline: Python runs in the browser.

build/lite is served from 127.0.0.1 by a plain static server (rebuilt first, from the
cached pinned inputs, when it is older than the course; skipped with the reason when it
cannot be built offline: ``python3 course.py lite`` fetches its inputs once). Chromium
sends everything that is not for 127.0.0.1 to a proxy that refuses and records it
(scripts/lite_browser.py), from the page, its workers and its service worker alike; the
requests Playwright sees leave 127.0.0.1 are recorded too. Both records must hold nothing
from the site (the proxy's may hold Chromium's own service calls, which it makes with no
page open; they are refused too).

For each notebook the Pyodide kernel starts from the site's own files, the cells run with
nothing on stderr and no "Error displaying widget", every chart draws, and the widgets
move and redraw their outputs (the text and the chart): notebook 01's first slider (the
number of allies), notebook 02's rule selector (a drop-down, consensus to weighted by
population) and its year slider, and the first slider of every other notebook (the texts
of ``SLIDER_CHECKS``, as in test_browser_lab), moved with the keyboard. When every cell
runs, the outputs agree with the stored ones (text exactly, numbers to 1e-9; the static
chart images and the widgets' state aside). A saved edit then survives a reload (the
browser's own storage).

Time budget: each notebook starts its own Pyodide kernel (20 to 30 s on a 2-core machine),
and the browser's Python competes for the cores with the rest of the suite. So the README's
test command checks only notebook 02, running its imports cell and widget cell: its rule
selector (a drop-down) and its year slider, the two kinds of control the course's widgets
are made of (a second notebook cost another 30 s of the test command's time).
``.ci/run`` builds the site first and sets ``COURSE_LITE_ALL=1``: all six notebooks,
every cell top to bottom, their outputs compared with the stored ones (about four minutes
in all).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import editions.lite
from tests.browser import CHROMIUM_FLAGS, require_chromium, screenshot
from tests.scripts import script
from tests.test_browser_lab import SLIDER_CHECKS

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.browser, pytest.mark.record(extra=["build/lite"])]

lb = script("lite_browser")

ALL = os.environ.get("COURSE_LITE_ALL") == "1"
RULES = "02-decision-rules-and-voting-power.ipynb"
DEFAULT = [RULES]
NOTEBOOKS = sorted(SLIDER_CHECKS) if ALL else DEFAULT
#: Every notebook of the edition, for the first views a student sees.
NOTEBOOKS_ALL = sorted(SLIDER_CHECKS)
NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
#: Not compared with the stored outputs: the static chart images (there is no vl-convert in
#: the browser) and the widgets' views and state (the stored notebooks keep none).
UNCOMPARED = {"image/png", "image/svg+xml", "application/vnd.jupyter.widget-view+json",
              "application/vnd.alliance-decisions.reveal+json"}
#: Notebook 02's rule selector: its label, the option chosen, the text before and after.
RULE_CHOICE = ("Rule", "Weighted by population", "Consensus (NATO's rule), 32 allies in 2024",
               "Weighted by population, 32 allies in 2024")


def built_site() -> Path:
    """build/lite, rebuilt unless built from the current inputs; skips if it cannot be
    built here (its pinned inputs are not cached, and the tests run offline), or fails
    where COURSE_REQUIRE_BROWSER=1 (CI)."""
    if editions.lite.built_from() != editions.lite.inputs_digest():
        try:
            editions.lite.build()
        except (editions.lite.BuildError, OSError, subprocess.CalledProcessError) as e:
            reason = (f"build/lite could not be built offline: run `python3 course.py lite` "
                      f"once to fetch its pinned inputs ({e})")
            if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":  # CI: .ci/run builds it
                pytest.fail(reason)
            pytest.skip(reason)
    return editions.lite.OUT


@pytest.fixture(scope="module")
def lite() -> Iterator[tuple[Any, str, Callable[[], list[str]]]]:
    """One Chromium page on the served site; yields it, the notebook URL pattern and a
    function giving what the site tried to reach beyond 127.0.0.1 so far (must be none)."""
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    httpd = editions.lite.server(built_site())
    proxy = lb.refusing_proxy()
    for server in (httpd, proxy):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/lab/index.html?path={{path}}"
    seen: list[str] = []

    def watch(request: Any) -> None:
        if not request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:",
                                       "blob:")):
            seen.append(request.url)

    def attempts() -> list[str]:
        return [*seen, *(f"proxy: {line}" for line in lb.site_requests(proxy.refused))]

    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(lb.CHROMIUM),
                args=[*CHROMIUM_FLAGS, *lb.offline_flags(proxy)])
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 1600})
                context.on("request", watch)
                page = context.new_page()
                page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?"
                yield page, base, attempts
            finally:
                browser.close()
    finally:
        for server in (httpd, proxy):
            server.shutdown()
            server.server_close()


def assert_sound(page: Any) -> None:
    """Nothing on stderr, no widget that failed to display, every chart drawn."""
    errors = page.locator(lb.STDERR)
    assert errors.count() == 0, f"a cell failed: {errors.first.inner_text()[:800]}"
    broken = page.locator(".jp-OutputArea-output", has_text=lb.WIDGET_ERROR)
    assert broken.count() == 0, broken.first.inner_text()[:800]
    # Vega draws after the cell's output arrives: on a busy machine, seconds later.
    drawn = (f"() => {{ const m = ({lb.COUNT_MARKS})(); "
             "return m.length > 0 && m.every(n => n > 0); }")
    # On Playwright's timeout, the assertion below says what is missing.
    with contextlib.suppress(Exception):
        page.wait_for_function(drawn, timeout=60_000)
    marks = page.evaluate(lb.COUNT_MARKS)
    assert marks and all(n > 0 for n in marks), f"blank or missing chart(s): {marks}"


def comparable(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outputs without what may differ (counts, metadata, the uncompared types)."""
    def text(value: Any) -> Any:
        return "".join(value) if isinstance(value, list) else value
    found = []
    for output in outputs:
        kept = {k: text(v) for k, v in output.items()
                if k not in ("execution_count", "metadata", "transient", "data")}
        if "data" in output:
            kept["data"] = {k: text(v) if k.startswith("text/") else v
                            for k, v in output["data"].items() if k not in UNCOMPARED}
        found.append(kept)
    return found


def differences(stored: Any, live: Any, where: str = "") -> list[str]:
    """Where two outputs differ; numbers agree to 1e-9 (relative)."""
    if isinstance(stored, float) or isinstance(live, float):
        if isinstance(stored, int | float) and isinstance(live, int | float) and \
                math.isclose(stored, live, rel_tol=1e-9, abs_tol=1e-12):
            return []
    elif type(stored) is type(live) is dict:
        return [d for k in sorted(set(stored) | set(live))
                for d in (differences(stored[k], live[k], f"{where}/{k}")
                          if k in stored and k in live else [f"{where}/{k}: only one has it"])]
    elif type(stored) is type(live) is list and len(stored) == len(live):
        return [d for i, (a, b) in enumerate(zip(stored, live, strict=True))
                for d in differences(a, b, f"{where}[{i}]")]
    return [] if stored == live else [f"{where}: {str(stored)[:80]!r} != {str(live)[:80]!r}"]


def assert_outputs_as_stored(page: Any, name: str) -> None:
    """Every code cell the student edition keeps as it is shows what the course stored
    (the cells with a blank to fill differ by design and are left out, and so do the
    checks, which judge the student's answer, not the instructor's solution)."""
    live = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")
    live_cells = {c.get("id"): c for c in live["cells"] if c["cell_type"] == "code"}
    stored = json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))
    compared, found = 0, []
    for cell in stored["cells"]:
        twin = live_cells.get(cell.get("id"))
        if cell["cell_type"] != "code" or twin is None or \
                "".join(cell["source"]) != "".join(twin["source"]) or \
                "check" in cell["metadata"].get("tags", []):
            continue
        compared += 1
        found += [f"cell {cell['id']}{d}" for d in differences(
            comparable(cell["outputs"]), comparable(twin["outputs"]))]
    assert compared >= 5 and not found, (compared, found[:10])


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_widgets_redraw_in_the_browser_kernel(lite: Any, name: str) -> None:
    page, base, attempts = lite
    lb.open_notebook(page, base, name)
    note = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model"
                         ".cells.get(1).sharedModel.getSource()")
    assert "Where your work is kept." in note
    lb.run(page, everything=ALL)
    page.wait_for_selector("[data-lite-test=widget] .widget-slider", timeout=60_000)
    assert_sound(page)
    if ALL:
        assert_outputs_as_stored(page, name)
    if name == RULES:
        label, option, before, after = RULE_CHOICE
        lb.redraw(page, before, after, lb.choice(label, option))
        assert_sound(page)
    before, after, index, key = (*SLIDER_CHECKS[name], 0, "ArrowRight")[:4]
    lb.redraw(page, before, after, lb.slider(index, key))
    assert_sound(page)
    page.locator("[data-lite-test=widget]").scroll_into_view_if_needed()
    screenshot(page, f"lite-{Path(name).stem}")
    assert not attempts(), f"the page tried to reach the network: {attempts()[:5]}"


def test_saved_work_survives_a_reload(lite: Any) -> None:
    """A student's edit, saved, is still there after a reload and opening the notebook
    again (the browser's storage; the reload itself shows the launcher)."""
    page, base, attempts = lite
    page.goto(base.format(path=NOTEBOOKS[0]))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    mark = "My prediction: the silence breaks within a day."
    page.evaluate("""(mark) => { const panel = window.jupyterapp.shell.currentWidget;
      panel.content.model.sharedModel.insertCell(0, {cell_type: 'markdown', source: mark});
      window.jupyterapp.commands.execute('docmanager:save'); }""", mark)
    # Saved, or JupyterLab asks something (its save waits for an answer): say what.
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty"
                           " || document.querySelector('.jp-Dialog')", timeout=60_000)
    dialog = page.locator(".jp-Dialog")
    assert dialog.count() == 0, f"saving asked: {dialog.first.inner_text()[:300]}"
    page.reload()
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget",
                           timeout=120_000)
    page.goto(base.format(path=NOTEBOOKS[0]))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    source = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model"
                           ".cells.get(0).sharedModel.getSource()")
    assert source == mark
    assert not attempts(), f"the page tried to reach the network: {attempts()[:5]}"


def test_the_comparison_sees_a_lost_null_and_a_changed_number() -> None:
    """The check of the outputs against the stored ones (no browser needed)."""
    stored = [{"output_type": "display_data", "metadata": {}, "data": {
        "application/vnd.vegalite.v5+json": {"encoding": {"y": {"sort": None}}, "v": 0.1},
        "text/plain": ["a\n", "b"], "image/png": "..."}}]
    same = [{"output_type": "display_data", "data": {
        "application/vnd.vegalite.v5+json": {"encoding": {"y": {"sort": None}},
                                             "v": 0.1 + 1e-12}, "text/plain": "a\nb"}}]
    assert not differences(comparable(stored), comparable(same))
    lost = json.loads(json.dumps(same).replace('{"sort": null}', "{}"))
    assert differences(comparable(stored), comparable(lost)) == [
        "[0]/data/application/vnd.vegalite.v5+json/encoding/y/sort: only one has it"]
    moved = json.loads(json.dumps(same).replace("0.1000000", "0.1001"))
    assert len(differences(comparable(stored), comparable(moved))) == 1


SET_SOURCE = """([index, source]) => window.jupyterapp.shell.currentWidget.content.model
  .cells.get(index).sharedModel.setSource(source)"""
CELL_OF = """([key, tag]) => [...window.jupyterapp.shell.currentWidget.content.model.cells]
  .findIndex(c => c.getMetadata('exercise') === key
                  && (c.getMetadata('tags') || []).includes(tag))"""
OUTPUT_OF = """(index) => window.jupyterapp.shell.currentWidget.content.widgets[index]
  .node.querySelector('.jp-OutputArea').innerText"""


def run_and_read(page: Any, index: int) -> tuple[str, float]:
    """Run one cell in the browser kernel; its output and the seconds it took."""
    start = time.monotonic()
    page.evaluate(lb.RUN_CELLS, [index])
    page.wait_for_function(lb.RAN, arg=[index], timeout=lb.KERNEL_TIMEOUT)
    return page.evaluate(OUTPUT_OF, index), time.monotonic() - start


def test_a_check_hints_then_says_right_and_work_can_be_handed_in(lite: Any) -> None:
    """Notebook 03 in the browser kernel: Exercise 3 answered wrongly (a hint), then rightly
    (right, and a request for words); the words written and saved bring the rubric; the
    hand-in cell makes the file the student downloads. Each check takes under a second."""
    page, base, attempts = lite
    page.set_viewport_size({"width": 1366, "height": 768})
    for name in NOTEBOOKS_ALL:  # what a student sees first in each (before running anything)
        page.goto(base.format(path=name))
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_timeout(500)
        screenshot(page, f"lite-{name[:2]}-first-view")
    lb.open_notebook(page, base, "03-out-of-area.ipynb")
    imports = page.evaluate("() => [...window.jupyterapp.shell.currentWidget.content"
                            ".model.cells].findIndex(c => c.type === 'code')")
    run_and_read(page, imports)
    answer, check = (page.evaluate(CELL_OF, ["03-3", tag]) for tag in ("answer", "check"))
    words = answer + 1
    assert 0 < answer < words < check
    seconds = []
    for condition in ('table["area"] == "out_of_area"', 'table["legal_basis"] == "article_5"'):
        page.evaluate(SET_SOURCE, [answer, "table = operations.operations()\n"
                                           f"article5 = table[{condition}]\narticle5"])
        run_and_read(page, answer)
        said, took = run_and_read(page, check)
        seconds.append(took)
        page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content"
                      ".scrollToItem(i, 'center')", check)
        screenshot(page, f"lite-check-{len(seconds)}")
        if len(seconds) == 1:
            assert "Not yet" in said and "article_5" in said
    assert "Right:" in said and "Now the words" in said
    page.evaluate(SET_SOURCE, [words, "Active Endeavour patrolled the Mediterranean under "
                                      "Article 5, yet we code it out of area."])
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
                           timeout=60_000)
    said, took = run_and_read(page, check)
    seconds.append(took)
    assert "Active Endeavour (2001–2016)" in said, said
    screenshot(page, "lite-check-3-rubric")
    assert max(seconds) < 1.5, seconds  # the kernel's round trip included
    hand_in = page.evaluate("() => [...window.jupyterapp.shell.currentWidget.content.model"
                            ".cells].findIndex(c => (c.getMetadata('tags') || [])"
                            ".includes('hand-in'))")
    page.evaluate(SET_SOURCE, [hand_in, 'feedback.hand_in("Ana Silva")'])
    said, _ = run_and_read(page, hand_in)
    assert "Saved your work as hand-in-ana-silva.zip" in said, said
    assert "right-click it and choose Download" in said
    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:refresh')")
    page.get_by_text("hand-in-ana-silva.zip").first.wait_for(timeout=30_000)
    screenshot(page, "lite-hand-in")
    assert not attempts(), f"the page tried to reach the network: {attempts()[:5]}"
