"""The course with a keyboard and no mouse: Tab, the arrow keys, Enter, Space and typing.

* Notebook 01's widget section in JupyterLab: every control is reached with Tab, moved with
  the arrow keys, and its redraw read back (the text alternatives' live sentences change).
* A "Predict, then see" box on the static site: a prediction typed, the button pressed with
  Enter, the answer read.
* A whole round of the live council: the Secretary General circulates a draft, an ally
  breaks silence with a reason, the Secretary General rewords, the silence holds and the
  council decides; every step from the pages' own controls, reached with Tab.

Wherever the keyboard's focus lands on the course's controls, it must show (an outline of
at least 2 px); screenshots of focused controls go to build/screenshots/keyboard-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import editions.site
from tests.browser import (
    ARTIFACTS,
    BLOCK_FLAGS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    copy_course,
    jupyterlab,
    record_requests,
    require_chromium,
)
from tests.test_accessibility_axe import FOCUSED
from tests.test_browser_lab import KERNEL_IDLE_AND_RAN, RUN_WIDGET, open_notebook

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.browser, pytest.mark.record]

#: Whether the focused element matches a selector.
FOCUS_ON = "(selector) => !!document.activeElement && document.activeElement.matches(selector)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=[*CHROMIUM_FLAGS, *BLOCK_FLAGS])
        try:
            yield chromium
        finally:
            chromium.close()


def tab_to(page: Any, selector: str, within: str = "body", limit: int = 120) -> list[str]:
    """Presses Tab until the element matching `selector` has the focus; returns the focused
    elements inside `within` (the course's part of the page) that showed no outline."""
    missing = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUSED)
        inside = page.evaluate("(within) => !!document.activeElement"
                               " && !!document.activeElement.closest(within)", within)
        if found and inside and not found[1]:
            missing.append(found[0])
        if page.evaluate(FOCUS_ON, selector):
            return missing
    raise AssertionError(f"Tab never reached {selector}")


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"keyboard-{name}.png"))


# --- notebook 01's widget section in JupyterLab -------------------------------------------

NOTEBOOK = "01-consensus-and-silence.ipynb"
#: Each control of the section in Tab order: its label, the key that moves it, and a text
#: that the widget's outputs show after the move (hand-read from the model's outputs:
#: one more ally gives "among 33 allies"; one more round "after 6 round(s)").
CONTROLS = [
    ("Allies", "ArrowRight", "among 33 allies"),
    ("Spread", "ArrowRight", None),
    ("Tolerance", "ArrowRight", None),
    ("Cost of breaking silence", "ArrowLeft", None),
    ("First draft at", "ArrowDown", None),
    ("Rounds allowed", "ArrowRight", "after 6 round(s)"),
    ("Random seed", "ArrowRight", None),
]
#: What the widget cell shows below its controls (its redrawn outputs), as text.
WIDGET_OUTPUTS = """(index) => [...window.jupyterapp.shell.currentWidget.content.widgets[index]
  .node.querySelectorAll('.jp-OutputArea-output')]
  .filter(o => !o.querySelector('.jupyter-widgets')).map(o => o.innerText).join('\\n')"""
#: Gives the keyboard's focus to the widget cell as JupyterLab does when a cell is selected
#: (command mode), so that Tab goes on from there into its outputs.
SELECT_CELL = """(index) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  notebook.activeCellIndex = index;
  notebook.mode = 'command';
  notebook.activeCell.node.focus();
}"""


@pytest.fixture(scope="module")
def lab_page(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    workdir = tmp_path_factory.mktemp("keyboard-lab")
    copy_course(workdir)
    with jupyterlab(workdir) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        blocked = record_requests(context)
        page = context.new_page()
        open_notebook(page, url, f"notebooks/{NOTEBOOK}")
        yield page
        context.close()
        assert not blocked, blocked[:5]


def test_notebook_01_s_widget_with_the_keyboard_only(lab_page: Any) -> None:
    page = lab_page
    ran = page.evaluate(RUN_WIDGET)
    page.wait_for_function(KERNEL_IDLE_AND_RAN, arg=ran, timeout=120_000)
    widget = ran[-1]
    page.wait_for_selector(".widget-slider [role=slider][aria-label]", timeout=30_000)
    page.evaluate(SELECT_CELL, widget)
    area = f".jp-Notebook .jp-Cell:nth-child({widget + 1}) .jp-OutputArea"
    missing: list[str] = []
    moved = []
    for label, key, expected in CONTROLS:
        control = (f'[role=slider][aria-label="{label}"]' if key != "ArrowDown"
                   else "select")
        missing += tab_to(page, f"{area} {control}", within=".jp-OutputArea")
        named = page.evaluate("() => document.activeElement.getAttribute('aria-label')"
                              " || (document.activeElement.labels || [])[0]?.textContent")
        assert named == label, f"the control reached is named {named!r}, not {label!r}"
        before = page.evaluate(WIDGET_OUTPUTS, widget)
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"([index, old]) => ({WIDGET_OUTPUTS})(index) !== old",
                                   arg=[widget, before], timeout=30_000)
        except Exception as error:
            raise AssertionError(f"{label}: no redraw after {key}: {before[:300]}") from error
        after = page.evaluate(WIDGET_OUTPUTS, widget)
        if expected:
            assert expected in after, f"{label}: {expected!r} not in the redrawn outputs"
        moved.append(label)
        if label == "Allies":
            shot(page, "lab-slider-focused")
    assert moved == [label for label, _, _ in CONTROLS]
    # The redraws are announced: the live region under the negotiation's chart speaks of
    # the 33 allies the first key press made.
    statuses = page.locator(f"{area} [role=status][aria-live=polite]").all_inner_texts()
    assert len(statuses) == 2 and statuses[1].startswith("33 allies on a policy scale"), \
        statuses
    assert not missing, "no visible focus on:\n" + "\n".join(missing)


# --- a prediction box on the site ----------------------------------------------------------

def test_a_prediction_box_with_the_keyboard_only(browser: Any, tmp_path: Path) -> None:
    site = tmp_path / "site"
    editions.site.build_site(site)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    blocked = record_requests(context)
    page = context.new_page()
    page.goto((site / "05-scenarios-and-forecasts.html").as_uri())
    box = page.locator(".course-reveal").first
    missing = tab_to(page, ".course-reveal textarea, .course-reveal input[type=radio]")
    shot(page, "site-prediction-focused")
    if page.evaluate(FOCUS_ON, ".course-reveal textarea"):
        page.keyboard.type("Formal ties will not come.")
    else:
        page.keyboard.press("Space")  # picks the focused choice
    missing += tab_to(page, ".course-reveal button")
    assert box.locator(".course-reveal-shown").count() == 0
    page.keyboard.press("Enter")
    box.locator(".course-reveal-shown").wait_for(timeout=30_000)
    assert box.locator(".course-reveal-message").inner_text() == (
        "Your prediction is recorded. The answer:")
    assert box.locator(".course-reveal-shown").inner_text().strip()
    context.close()
    assert not missing, "no visible focus on:\n" + "\n".join(missing)
    assert not blocked, blocked[:5]


# --- a council round -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from council.harness import Server

    require_chromium()
    running = Server(tmp_path_factory.mktemp("council-keyboard") / "s.sqlite",
                     "--seats", "2").start()
    yield running
    running.stop()


def select_all_and_type(page: Any, text: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_a_council_round_with_the_keyboard_only(browser: Any, council: Any) -> None:
    from playwright.sync_api import expect

    pages = {}
    for name, key in (("projector", "projector"), ("sg", "sg"), ("seat", "seat1"),
                      ("other", "seat2")):
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        pages[name] = context.new_page()
        pages[name].goto(council.url(name if name != "other" else "seat", key))
    sg, seat, projector = pages["sg"], pages["seat"], pages["projector"]
    expect(seat.locator("#ally")).to_contain_text("(seat 1)", timeout=30_000)
    expect(sg.locator("#seat-table tbody tr")).to_have_count(2, timeout=30_000)
    missing: list[str] = []

    # The Secretary General circulates the 0.6 draft under a minute's silence.
    missing += tab_to(sg, "#wording")
    sg.keyboard.press("End")  # the last wording: the boldest draft
    missing += tab_to(sg, "#seconds")
    select_all_and_type(sg, "60")
    missing += tab_to(sg, "#circulate")
    shot(sg, "council-sg-focused")
    sg.keyboard.press("Enter")
    expect(seat.locator("#round")).to_contain_text("Round 1", timeout=30_000)

    # The first ally breaks silence with a reason.
    missing += tab_to(seat, "#reason")
    seat.keyboard.type("Our parliament cannot accept this text.")
    missing += tab_to(seat, "#break")
    shot(seat, "council-seat-focused")
    seat.keyboard.press("Space")
    expect(seat.locator("#mine")).to_have_text("You broke silence on this draft.",
                                               timeout=30_000)
    expect(projector.locator("#objections li")).to_have_count(1, timeout=30_000)

    # The Secretary General rewords (the first wording, the mildest) with a short silence.
    missing += tab_to(sg, "#wording")
    sg.keyboard.press("Home")
    missing += tab_to(sg, "#seconds")
    select_all_and_type(sg, "3")
    missing += tab_to(sg, "#circulate")
    sg.keyboard.press("Enter")
    for page in (projector, sg, seat):
        expect(page.locator("#outcome")).to_contain_text("consensus", timeout=30_000)
    for page in pages.values():
        page.context.close()
    assert not missing, "no visible focus on:\n" + "\n".join(missing)
    kinds = [kind for kind, _, _ in council.events()]
    assert kinds[-4:] == ["circulated", "broke_silence", "circulated", "closed"], kinds
