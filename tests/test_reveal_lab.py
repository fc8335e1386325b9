"""The student edition in JupyterLab: a reveal cell shows its answer only after a prediction.

Opens notebook 05 of the student edition in a private JupyterLab (headless Chromium,
offline), runs the imports and the "what really happened" cell, and checks that the
answer appears only after something is written in the box and the button is pressed.
Screenshots before and after go to build/screenshots/.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tests.browser import jupyterlab, offline_page, require_chromium, screenshot

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "publish.py"
spec = importlib.util.spec_from_file_location("publish_for_lab", SCRIPT)
publish = importlib.util.module_from_spec(spec)
spec.loader.exec_module(publish)

NOTEBOOK = "05-scenarios-and-forecasts.ipynb"
REVEAL_CELL = "e8188e5a"
ANSWER = "No formal relationship was set up"

RUN_CELL = """async ([index]) => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  await window.jupyterapp.commands.execute('notebook:run-cell');
}"""

CELL_INDEX = """(id) => [...window.jupyterapp.shell.currentWidget.content.model.cells]
  .findIndex(c => c.id === id)"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Any:
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    workdir = tmp_path_factory.mktemp("student-lab")
    publish.build_student(workdir)
    with jupyterlab(workdir) as url, playwright_api.sync_playwright() as playwright, \
            offline_page(playwright) as (page, blocked):
        yield page, url, blocked


def test_a_student_sees_the_answer_only_after_predicting(lab: Any) -> None:
    page, url, blocked = lab
    page.goto(url.format(path=f"notebooks/{NOTEBOOK}"))
    page.wait_for_function("() => { const p = window.jupyterapp.shell.currentWidget;"
                           " return p && p.sessionContext && p.sessionContext.isReady; }",
                           timeout=60_000)
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
