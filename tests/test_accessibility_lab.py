"""No axe-core violation in the course's own content as JupyterLab and the browser edition
(JupyterLite) show it, and JupyterLab's own chrome reported beside it.

One Chromium, one JupyterLab (a copy of the six notebooks) and, once ``build/lite`` can be
built, one static server for the browser edition. In JupyterLab every notebook is opened as
stored (all its cells drawn, JupyterLab's windowing off) and its imports and first widgets
are run, so live controls and a live redraw are checked too; axe-core (the pinned copy of
tests/test_accessibility_axe.py, WCAG 2.0 and 2.1, A and AA) then runs on

* the course's area: rendered Markdown and every output (tables, charts, text
  alternatives, messages, widgets): a violation there fails the test, naming rule, element
  and notebook;
* everything else on the page (menus, toolbars, the file browser, cell prompts, the code
  editor): JupyterLab's own chrome, which the course does not write, the same around every
  notebook (checked around the first). It is not hidden: each rule it breaks is printed and
  written to ``build/a11y/<surface>-chrome.txt``.

The browser edition shows every notebook of the student edition as stored, and runs
notebook 01's widget in its Python (about 30 s).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

import editions.lite
import editions.site
import editions.slides
from tests.browser import (
    ARTIFACTS,
    BLOCK_FLAGS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    copy_course,
    jupyterlab,
    require_chromium,
)
from tests.scripts import script
from tests.test_accessibility_axe import EXCLUDED, RUN_AXE, TAGS, Axe, axe_source, report
from tests.test_browser_lab import (
    KERNEL_IDLE_AND_RAN,
    RUN_WIDGET,
    SWITCH_TO,
    open_notebook,
)

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.browser, pytest.mark.record(extra=["build/lite"])]
lb = script("lite_browser")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
REPORTS = ROOT / "build" / "a11y"
#: What the course writes into a notebook's page: its rendered Markdown and its outputs.
COURSE_AREA = [".jp-Notebook .jp-MarkdownOutput", ".jp-Notebook .jp-OutputArea-output"]
#: JupyterLab draws every cell (not only those in view), so that axe sees the whole notebook.
ALL_CELLS = {"windowingMode": "none"}
VEGALITE = "application/vnd.vegalite.v5+json"
#: A 1366×768 laptop at 200% zoom: half as many CSS pixels, each drawn twice as large.
ZOOM_200 = {"viewport": {"width": 683, "height": 384}, "device_scale_factor": 2}

#: Whether every stored chart of the notebook on screen has drawn its marks.
CHARTS_DRAWN = """(count) => {
  const charts = [...document.querySelectorAll('.jp-Notebook .vega-embed')];
  return charts.length >= count
    && charts.every(c => c.querySelectorAll('svg g.role-mark > *').length > 0);
}"""


def chart_count(path: Path) -> int:
    notebook = nbformat.read(path, as_version=4)
    return sum(VEGALITE in out.get("data", {}) for cell in notebook.cells
               for out in cell.get("outputs", []))


def zoom_shot(page: Any, name: str) -> None:
    """A screenshot at 200% zoom, for a person to look at (build/screenshots/zoom200-*)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"zoom200-{name}.png"))


class Findings:
    """axe's findings on one surface: the course's area (must be none) and the chrome."""

    def __init__(self, axe: Axe, surface: str) -> None:
        self.axe, self.surface = axe, surface
        self.chrome: dict[str, set[str]] = {}

    def check(self, page: Any, where: str, chrome: bool = False) -> None:
        """axe on the course's area (recorded as violations), then, with `chrome`, on the
        rest of the page (JupyterLab's own, the same around every notebook)."""
        self.axe.load(page)
        found = page.evaluate(RUN_AXE, [COURSE_AREA, EXCLUDED, TAGS, True])
        self.axe.record(f"{self.surface} {where}", self.surface, found)
        if not chrome:
            return
        for rule, impact, nodes in page.evaluate(
                RUN_AXE, [[], [*EXCLUDED, *COURSE_AREA], TAGS, False]):
            self.chrome.setdefault(f"{rule} ({impact})", set()).update(
                target for target, _ in nodes)

    def write_chrome(self) -> str:
        lines = [f"{rule}: {len(targets)} element(s), e.g. {', '.join(sorted(targets)[:3])}"
                 for rule, targets in sorted(self.chrome.items())]
        text = (f"JupyterLab's own chrome on {self.surface} (not the course's content): "
                f"{len(lines)} axe rule(s) broken\n" + "\n".join(lines) + "\n")
        REPORTS.mkdir(parents=True, exist_ok=True)
        (REPORTS / f"{self.surface}-chrome.txt").write_text(text, encoding="utf-8")
        print(text)
        return text


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, Axe]]:
    require_chromium()
    source = axe_source()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=[*CHROMIUM_FLAGS, *BLOCK_FLAGS])
        try:
            yield chromium, Axe(chromium, source)
        finally:
            chromium.close()


def test_the_course_in_jupyterlab_has_no_axe_violation(
        browser: tuple[Any, Axe], tmp_path: Path) -> None:
    _, axe = browser
    axe.reset()
    copy_course(tmp_path)
    settings = (tmp_path / ".jupyter" / "jupyterlab_settings_dir" / "@jupyterlab"
                / "notebook-extension" / "tracker.jupyterlab-settings")
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps(ALL_CELLS))
    # No question about Jupyter news over the notebook, as `course.py lab` sets it up.
    quiet = settings.parent.parent / "apputils-extension" / "notification.jupyterlab-settings"
    quiet.parent.mkdir(parents=True)
    quiet.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    findings = Findings(axe, "jupyterlab")
    started = time.monotonic()
    with jupyterlab(tmp_path) as url:
        page = axe.context(viewport={"width": 1366, "height": 768}).new_page()
        for path in NOTEBOOKS:
            open_notebook(page, url, f"notebooks/{path.name}")
            page.wait_for_function(CHARTS_DRAWN, arg=chart_count(path), timeout=60_000)
            # Every stored output is drawn; the widget cells then run, so one check sees the
            # stored outputs and the live controls and redrawn outputs together.
            ran = page.evaluate(RUN_WIDGET)
            page.wait_for_function(KERNEL_IDLE_AND_RAN, arg=ran, timeout=120_000)
            page.wait_for_selector(".jp-Notebook .widget-slider [role=slider][aria-label]",
                                   timeout=30_000)
            page.wait_for_function(CHARTS_DRAWN, arg=chart_count(path), timeout=60_000)
            findings.check(page, f"{path.name} (widgets live)", chrome=path == NOTEBOOKS[0])
        page.context.close()
        zoomed = axe.context(**ZOOM_200).new_page()
        open_notebook(zoomed, url, f"notebooks/{NOTEBOOKS[1].name}")
        zoomed.wait_for_function(CHARTS_DRAWN, arg=1, timeout=60_000)
        zoom_shot(zoomed, "lab-notebook")
        # As a student at 200% would: the file browser closed, at the first chart.
        zoomed.evaluate("() => window.jupyterapp.commands.execute("
                        "'application:toggle-left-area')")
        zoomed.locator(".jp-Notebook .course-chart-text").first.scroll_into_view_if_needed()
        zoom_shot(zoomed, "lab-notebook-chart")
        zoomed.context.close()
    seconds = time.monotonic() - started
    print(f"axe in JupyterLab, six notebooks: {seconds:.0f} s")
    findings.write_chrome()
    assert not axe.found, report(axe)
    assert not axe.blocked, axe.blocked[:5]


def test_the_course_in_the_browser_edition_has_no_axe_violation(
        browser: tuple[Any, Axe]) -> None:
    from tests.test_browser_lite import NOTEBOOKS_ALL as LITE_NOTEBOOKS
    from tests.test_browser_lite import built_site

    _, axe = browser
    axe.reset()
    httpd = editions.lite.server(built_site())
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/lab/index.html?path={{path}}"
    findings = Findings(axe, "jupyterlite")
    started = time.monotonic()
    try:
        page = axe.context(viewport={"width": 1366, "height": 768}).new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?"
        assert len(LITE_NOTEBOOKS) == len(NOTEBOOKS), LITE_NOTEBOOKS
        # Notebook 01 last, the only one whose Python is waited for: opening each of the
        # others in the same page shuts the previous one's Python down as it starts.
        widget = next(name for name in LITE_NOTEBOOKS if name.startswith("01-"))
        for name in [*(n for n in LITE_NOTEBOOKS if n != widget), widget]:
            if page.evaluate("() => !!window.jupyterapp"):
                page.evaluate(SWITCH_TO, name)
            else:
                page.goto(base.format(path=name))
            page.wait_for_function(
                "(path) => { const p = window.jupyterapp && window.jupyterapp.shell"
                ".currentWidget; return !!p && !!p.context && p.context.path === path; }",
                arg=name, timeout=120_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.wait_for_function(CHARTS_DRAWN, arg=1, timeout=120_000)
            findings.check(page, f"{name} (as stored)", chrome=name == widget)
        page.wait_for_function(lb.KERNEL_IDLE, timeout=lb.KERNEL_TIMEOUT)
        lb.run(page, everything=False)
        page.wait_for_selector(".jp-Notebook .widget-slider [role=slider][aria-label]",
                               timeout=60_000)
        findings.check(page, f"{widget} (widgets live)")
        page.context.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    print(f"axe in JupyterLite, six notebooks and one live widget: "
          f"{time.monotonic() - started:.0f} s")
    findings.write_chrome()
    assert not axe.found, report(axe)
    assert not axe.blocked, axe.blocked[:5]


def test_the_area_checked_is_the_course_s_own(browser: tuple[Any, Axe]) -> None:
    """On a page made like JupyterLab's, a fault in an output is the course's (it fails the
    test) and a fault in a toolbar is chrome (it is reported): the split works both ways."""
    _, axe = browser
    axe.reset()
    page = axe.context().new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Lab</title></head><body><main>'
        '<div class="jp-Toolbar"><button style="color:#bbbbbb">Run</button></div>'
        '<div class="jp-Notebook"><div class="jp-OutputArea-output">'
        '<div class="widget-slider"><div role="slider" tabindex="0" aria-valuenow="3" '
        'aria-valuemin="0" aria-valuemax="9"></div></div></div></div></main></body></html>')
    findings = Findings(axe, "faults")
    findings.check(page, "page", chrome=True)
    page.context.close()
    assert {rule for _, rule in axe.counts} == {"aria-input-field-name"}
    assert set(findings.chrome) == {"color-contrast (serious)"}


def test_screenshots_at_200_percent_zoom(browser: tuple[Any, Axe],
                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    """A site page, a slide and a council seat page at 200% zoom (JupyterLab's is taken by
    the Lab test): nothing may need a sideways scroll, and a person looks at the images."""
    from council.harness import Server

    _, axe = browser
    out = tmp_path_factory.mktemp("zoom")
    editions.site.build_site(out / "site")
    editions.slides.build_slides(out / "slides")
    page = axe.context(**ZOOM_200).new_page()
    wide = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    page.goto((out / "site" / "01-consensus-and-silence.html").as_uri())
    page.locator(".course-chart-text").first.scroll_into_view_if_needed()
    zoom_shot(page, "site-page")
    assert page.evaluate(wide) <= 1, "the site page scrolls sideways at 200%"
    page.goto((out / "slides" / "01-consensus-and-silence.slides.html").as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=60_000)
    page.evaluate("""() => { const slide = Reveal.getSlides().find(
        s => s.querySelector('.course-chart-text'));
      const at = Reveal.getIndices(slide); Reveal.slide(at.h, at.v); }""")
    page.wait_for_timeout(500)  # the slide's transition
    zoom_shot(page, "slide")
    council = Server(out / "s.sqlite", "--seats", "2").start()
    try:
        page.goto(council.url("seat", "seat1"))
        page.locator("#ally").filter(has_text="(seat 1)").wait_for(timeout=30_000)
        zoom_shot(page, "council-seat")
        assert page.evaluate(wide) <= 1, "the seat page scrolls sideways at 200%"
    finally:
        council.stop()
        page.context.close()
