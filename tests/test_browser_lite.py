"""The JupyterLite edition in headless Chromium, offline: Python runs in the browser.

build/lite is (re)built from its pinned inputs when it is missing or older than the
course, served from 127.0.0.1 by a plain static server, and every request that leaves
127.0.0.1 is blocked and recorded. For each notebook: the Pyodide kernel starts, every
cell runs with nothing on stderr, the first slider (as in test_browser_lab) moves and the
output changes; then the saved notebook survives a reload (browser storage).

Each notebook starts its own Pyodide kernel (10-30 s on a laptop, minutes on a loaded
machine), so the default run checks notebook 01 only, which exercises the whole stack
(Pyodide, pandas, Altair, ipywidgets, the course's ``utils`` and ``data``). Set
COURSE_LITE_ALL=1 (CI) to check all six notebooks.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMIUM, CHROMIUM_FLAGS, require_chromium, screenshot
from tests.scripts import script
from tests.test_browser_lab import SLIDER_CHECKS

NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [...panel.content.model.cells].filter(c => c.type === 'code');
  return {kernel: kernel ? kernel.status : 'none',
          unrun: cells.filter(c => c.executionCount === null).length,
          cells: cells.length};
}"""

pytestmark = [
    pytest.mark.browser,
    # Not yet seen to pass end to end: it builds build/lite (downloads on a first run) and
    # starts Pyodide in Chromium. Opt in until it has; see the README's JupyterLite section.
    pytest.mark.skipif(os.environ.get("COURSE_LITE") != "1",
                       reason="the JupyterLite browser test runs only with COURSE_LITE=1"),
]

build_lite = script("build_lite")

DEFAULT = ["01-consensus-and-silence.ipynb"]
NOTEBOOKS = sorted(SLIDER_CHECKS) if os.environ.get("COURSE_LITE_ALL") == "1" else DEFAULT
#: Generous, for a shared CI machine: Pyodide compiles 10 MB of WebAssembly per kernel.
KERNEL_TIMEOUT = 600_000
KERNEL_IDLE = """() => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = p && p.sessionContext && p.sessionContext.session
            && p.sessionContext.session.kernel;
  return !!k && k.status === 'idle'; }"""
ERRORS = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


def built_site() -> Path:
    """build/lite, rebuilt unless built from the current inputs; skips if the inputs cannot
    be had (no cache and no registry)."""
    if build_lite.built_from() != build_lite.inputs_digest():
        try:
            build_lite.build()
        except (build_lite.BuildError, OSError, build_lite.subprocess.CalledProcessError) as e:
            pytest.skip(f"build/lite could not be built (are PyPI and npm reachable to fetch "
                        f"its pinned inputs once?): {e}")
    return build_lite.OUT


#: Chromium sends every request that is not for 127.0.0.1 to a dead proxy, so it fails.
BLOCK_FLAGS = ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>;127.0.0.1"]


@contextmanager
def offline_page(playwright: Any) -> Iterator[tuple[Any, list[str]]]:
    """As tests.browser.offline_page, but the block is Chromium's own (a dead proxy for
    everything but 127.0.0.1) and requests are only watched, not routed: Playwright's
    routing bypasses service workers, and JupyterLite's kernel reaches the browser's
    files through one (it hangs without)."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                         args=[*CHROMIUM_FLAGS, *BLOCK_FLAGS])
    blocked: list[str] = []

    def watch(request: Any) -> None:
        if not request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:",
                                       "blob:")):
            blocked.append(request.url)

    try:
        context = browser.new_context(viewport={"width": 1280, "height": 1600})
        context.on("request", watch)
        yield context.new_page(), blocked
    finally:
        browser.close()


@pytest.fixture(scope="module")
def lite() -> Iterator[tuple[Any, str, list[str]]]:
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    httpd = build_lite.server(built_site())
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/lab/index.html?path={{path}}"
    try:
        with playwright_api.sync_playwright() as playwright, \
                offline_page(playwright) as (page, blocked):
            yield page, base, blocked
    finally:
        httpd.shutdown()
        httpd.server_close()


def run_all(page: Any) -> dict[str, Any]:
    page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_TIMEOUT)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(f"() => {{ const s = ({NOTEBOOK_STATE})();"
                           " return s.unrun === 0 && s.kernel === 'idle'; }",
                           timeout=KERNEL_TIMEOUT)
    return page.evaluate(NOTEBOOK_STATE)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_the_browser_kernel(lite: Any, name: str) -> None:
    page, base, blocked = lite
    before, after, slider, key = (*SLIDER_CHECKS[name], 0, "ArrowRight")[:4]
    page.goto(base.format(path=name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    note = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model"
                         ".cells.get(1).sharedModel.getSource()")
    assert "Where your work is kept." in note

    state = run_all(page)
    assert state["unrun"] == 0, state
    errors = page.locator(ERRORS)
    assert errors.count() == 0, f"a cell failed: {errors.first.inner_text()[:800]}"
    page.get_by_text(before).first.wait_for(timeout=60_000)

    handle = page.locator(".widget-slider .noUi-handle").nth(slider)
    handle.focus()
    handle.press(key)
    page.get_by_text(after).first.wait_for(timeout=60_000)
    screenshot(page, f"lite-{Path(name).stem}")
    assert not blocked, f"the page tried to reach the network: {blocked[:5]}"


def test_saved_work_survives_a_reload(lite: Any) -> None:
    """A student's edit, saved, is still there after a reload (the browser's storage)."""
    page, base, blocked = lite
    name = NOTEBOOKS[0]
    page.goto(base.format(path=name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    mark = "My prediction: the silence breaks within a day."
    page.evaluate("""(mark) => { const panel = window.jupyterapp.shell.currentWidget;
      panel.content.model.sharedModel.insertCell(0, {cell_type: 'markdown', source: mark});
      return window.jupyterapp.commands.execute('docmanager:save'); }""", mark)
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
                           timeout=60_000)
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    source = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model"
                           ".cells.get(0).sharedModel.getSource()")
    assert source == mark
    assert not blocked, f"the page tried to reach the network: {blocked[:5]}"
