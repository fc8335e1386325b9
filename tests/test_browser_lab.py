"""JupyterLab in headless Chromium, offline: charts draw, widgets respond.

For each notebook: open it as stored (charts must draw from the saved outputs, before
anything runs), then run its import cell and its first widget cell in the live kernel,
check the widget's charts draw, move its slider and check that the outputs change. A
screenshot of each notebook goes to build/screenshots/. JupyterLab is loaded once; each
notebook is then opened in the same page, the previous one closed with its kernel.

Running every cell again here would repeat what nbval and the runs on other machines
(tests/test_portable_outputs.py) already prove; what only a browser can prove is that
the stored outputs draw and that a live widget redraws.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import editions.student
from tests.browser import copy_course, jupyterlab, offline_page, require_chromium, screenshot
from tests.scripts import script

lb = script("lite_browser")

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.browser, pytest.mark.record]

#: For each notebook: the text an output shows by default, and after one step of a slider
#: (the first one, to the right, unless the entry says which slider and which key).
SLIDER_CHECKS: dict[str, tuple] = {
    "00-start-here.ipynb": ("NATO, end of 1999: 19 members", "NATO, end of 2000: 19 members"),
    "01-consensus-and-silence.ipynb": ("among 32 allies", "among 33 allies"),
    "02-decision-rules-and-voting-power.ipynb": ("32 allies in 2024", "31 allies in 2023",
                                                 1, "ArrowLeft"),
    "03-out-of-area.ipynb": ("8 NATO operations active in 2011",
                             "6 NATO operations active in 2012"),
    "04-csto-question.ipynb": ("1 in 1,041", "1 in 946"),
    "05-scenarios-and-forecasts.ipynb": ("Your mean Brier score: 0.250",
                                         "Your mean Brier score: 0.251"),
}

COUNT_MARKS = """() => {
  const charts = [...document.querySelectorAll('.jp-Notebook .vega-embed')];
  return charts.map(c => c.querySelectorAll('svg g.role-mark > *').length);
}"""

#: Runs the notebook's first code cell (its imports) and its first widget cell, in the live
#: kernel; resolves to the indices it ran. (Every script here that awaits JupyterLab starts
#: with lite_browser's PATIENCE: it gives up waiting after a minute.)
RUN_WIDGET = """async () => {
  """ + lb.PATIENCE + """
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [...panel.content.model.cells];
  const imports = cells.findIndex(c => c.type === 'code');
  const shows = cells.map((c, i) => [c, i]).filter(([c]) => c.type === 'code'
      && c.sharedModel.getSource().includes('widgets.show(')).map(([, i]) => i);
  // The first widget that draws a chart (an "explore"), with the widgets before it: a
  // notebook may first collect values unscored and chart them only later (05's forecasts).
  const charted = shows.findIndex(i => cells[i].sharedModel.getSource().includes('.explore,'));
  const widgets = shows.slice(0, charted + 1);
  for (const index of [imports, ...widgets]) {
    panel.content.activeCellIndex = index;
    await Promise.race([window.jupyterapp.commands.execute('notebook:run-cell'), patience()]);
  }
  return [imports, ...widgets];
}"""

KERNEL_IDLE_AND_RAN = """(indices) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [...panel.content.model.cells];
  return kernel && kernel.status === 'idle'
         && indices.every(i => cells[i].executionCount !== null);
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One JupyterLab for every test here, serving a copy of the course's notebooks in
    notebooks/ and the student edition in student/notebooks/."""
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    workdir = tmp_path_factory.mktemp("lab")
    copy_course(workdir)
    editions.student.build_student(workdir / "student")
    with jupyterlab(workdir) as url, playwright_api.sync_playwright() as playwright, \
            offline_page(playwright) as (page, blocked):
        yield page, url, blocked


#: Closes the notebook on screen (its kernel shut down, its unsaved outputs discarded) and
#: opens another in the same JupyterLab page: loading JupyterLab again for each notebook
#: cost seconds of the browser test per notebook.
SWITCH_TO = """async (path) => {
  """ + lb.PATIENCE + """
  const app = window.jupyterapp, current = app.shell.currentWidget;
  if (current && current.sessionContext) {
    current.context.model.dirty = false;
    await Promise.race([current.sessionContext.shutdown(), patience()]);
    current.dispose();
  }
  await Promise.race([app.commands.execute('docmanager:open', {path}), patience()]);
}"""


def open_notebook(page: Any, url: str, path: str) -> None:
    """Show the notebook at `path` (relative to the server's root) with its kernel ready."""
    if page.evaluate("() => !!window.jupyterapp"):
        page.evaluate(SWITCH_TO, path)
    else:
        page.goto(url.format(path=path))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function("(path) => { const p = window.jupyterapp"
                           " && window.jupyterapp.shell.currentWidget;"
                           " return p && p.context && p.context.path === path"
                           " && p.sessionContext && p.sessionContext.isReady; }",
                           arg=path, timeout=60_000)


def chart_marks(page: Any) -> list[int]:
    return page.evaluate(COUNT_MARKS)


@pytest.mark.parametrize("name", sorted(SLIDER_CHECKS))
def test_notebook_in_jupyterlab(lab: Any, name: str) -> None:
    page, url, blocked = lab
    before, after, slider, key = (*SLIDER_CHECKS[name], 0, "ArrowRight")[:4]
    open_notebook(page, url, f"notebooks/{name}")

    # As stored, before running anything: the saved charts draw with Lab's own Vega.
    page.wait_for_selector(".vega-embed svg", timeout=30_000)
    stored = chart_marks(page)
    assert stored and all(n > 0 for n in stored), f"blank stored chart(s): {stored}"

    assert page.evaluate("() => window.jupyterapp.commands.hasCommand('RISE:slideshow')"), (
        "RISE (jupyterlab-rise) is not installed in JupyterLab")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    ran = page.evaluate(RUN_WIDGET)
    assert min(ran) >= 0, f"no import cell or no widget cell: {ran}"
    page.wait_for_function(KERNEL_IDLE_AND_RAN, arg=ran, timeout=120_000)
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                        ).count() == 0, "a cell wrote to stderr (a warning or an error)"
    page.wait_for_selector(".widget-slider", timeout=30_000)
    live = chart_marks(page)
    assert live and all(n > 0 for n in live), f"blank chart(s) from the live widget: {live}"
    page.locator(".jp-OutputArea").get_by_text(before).first.wait_for(timeout=30_000)

    handle = page.locator(".widget-slider .noUi-handle").nth(slider)
    handle.focus()
    handle.press(key)
    page.locator(".jp-OutputArea").get_by_text(after).first.wait_for(timeout=30_000)
    assert all(n > 0 for n in chart_marks(page)), "a chart went blank after the slider moved"
    screenshot(page, Path(name).stem)
    assert not blocked, f"the page tried to reach the network: {blocked[:5]}"


# --- the student edition: predict, then see -------------------------------------------------

STUDENT_NOTEBOOK = "05-scenarios-and-forecasts.ipynb"
REVEAL_CELL = "e8188e5a"
ANSWER = "No formal relationship was set up"

RUN_CELL = """async ([index]) => {
  """ + lb.PATIENCE + """
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  await Promise.race([window.jupyterapp.commands.execute('notebook:run-cell'), patience()]);
}"""

CELL_INDEX = """(id) => [...window.jupyterapp.shell.currentWidget.content.model.cells]
  .findIndex(c => c.id === id)"""


def test_a_student_sees_the_answer_only_after_predicting(lab: Any) -> None:
    """Notebook 05 of the student edition: the "what really happened" cell shows its answer
    only after something is written in the box and the button is pressed (screenshots
    before and after go to build/screenshots/)."""
    page, url, blocked = lab
    open_notebook(page, url, f"student/notebooks/{STUDENT_NOTEBOOK}")
    notebook = page.locator(".jp-Notebook")
    assert ANSWER not in notebook.inner_text(), "the answer is stored in the student edition"
    imports = 2
    index = page.evaluate(CELL_INDEX, REVEAL_CELL)
    assert index > imports
    page.evaluate(RUN_CELL, [imports])
    page.evaluate(RUN_CELL, [index])
    box = page.locator(".jp-Notebook .widget-textarea textarea").last
    box.wait_for(timeout=60_000)
    button = page.locator(".jp-Notebook .widget-button", has_text="Show the answer").last
    button.click()
    page.get_by_text("Not yet:").first.wait_for(timeout=30_000)
    assert ANSWER not in notebook.inner_text()
    button.scroll_into_view_if_needed()
    screenshot(page, "predict-then-see-lab-1-before")
    box.fill("The new-member and Finland/Sweden questions; not the NATO–CSTO ties.")
    button.click()
    page.get_by_text(ANSWER).first.wait_for(timeout=30_000)
    assert page.get_by_text("Your prediction, recorded").count() >= 1
    assert box.is_disabled()
    page.get_by_text(ANSWER).first.scroll_into_view_if_needed()
    screenshot(page, "predict-then-see-lab-2-after")
    assert not blocked, blocked[:3]
