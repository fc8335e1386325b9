"""No accessibility violation that axe-core finds, on every page a student or a class sees.

axe-core (pinned in tests/axe-lock.json, fetched once with npm into .cache/axe and checked
against its sha256 and the npm registry's integrity) runs in one headless Chromium on:

* every page of the static site: the course map, the six notebook pages (and the answers
  of their "Predict, then see" boxes, once shown) and the readings;
* every slide of every deck, as the projector shows it: reveal.js hides all slides but the
  current one, so each slide is shown in turn and checked with the deck's controls;
* the live council's three pages (Secretary General, projector, seat), served on
  127.0.0.1 as `python3 course.py council` serves them, before the first draft, in a round
  with a broken silence, and after the council has decided;
* the class poll's four pages (join, phone, instructor, projector), before a vote, with
  forecasts open, and with a forecast resolved.

A failure lists each violation with its rule, the elements it names and the page. Every
interactive element of these pages must also show where the keyboard's focus is (an
outline when focused from the keyboard).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import editions.notebooks
import editions.site
import editions.slides
from tests.browser import (
    ARTIFACTS,
    BLOCK_FLAGS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    record_requests,
    require_chromium,
)

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.browser, pytest.mark.record]

ROOT = Path(__file__).resolve().parent.parent
LOCK = Path(__file__).resolve().parent / "axe-lock.json"
CACHE = ROOT / ".cache" / "axe"
#: The success criteria of WCAG 2.0 and 2.1, levels A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Parts of pages that no builder of the course writes and no CSS of the course can fix,
#: each with its reason. Empty: every violation found so far had a cause the course fixes.
EXCLUDED: list[str] = []


def unavailable(reason: str) -> None:
    """Skip (or, where COURSE_REQUIRE_BROWSER=1, fail) when axe-core cannot be had."""
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_integrity(data: bytes) -> str:
    """The integrity the npm registry records for a package (``sha512-`` and base64)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def axe_source() -> str:
    """axe-core's script, from the cached npm package (fetched with npm the first time),
    after checking the package against both pinned hashes."""
    entry = json.loads(LOCK.read_text())["axe_core"]
    tarball = CACHE / entry["file"]
    if not tarball.exists():
        if shutil.which("npm") is None:
            unavailable(f"no npm to fetch {entry['npm']} with, and no {tarball}")
        CACHE.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(["npm", "pack", "--silent", entry["npm"]], cwd=CACHE, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            unavailable(f"npm could not fetch {entry['npm']} (offline?): {error}")
    data = tarball.read_bytes()
    if sha256(data) != entry["sha256"] or npm_integrity(data) != entry["npm_integrity"]:
        tarball.unlink()
        pytest.fail(f"{tarball.name}: sha256 or npm integrity differs from {LOCK.name} "
                    "(removed it)")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(entry["member"])
        assert member is not None, entry["member"]
        return member.read().decode("utf-8")


#: Runs axe on `include` (selectors; the whole page when empty), WCAG 2.0/2.1 A and AA
#: only, and returns each violation as [rule, impact, [[target, why it fails], ...]].
#: `preload` (reading every style sheet, for the rule on orientation locks) is about a third
#: of a run's time on a deck; a page's first run has it, later runs need it not.
RUN_AXE = """async ([include, exclude, tags, preload]) => {
  const context = {exclude: exclude.map((s) => [s])};
  if (include.length) { context.include = include.map((s) => [s]); }
  const result = await axe.run(context, {runOnly: {type: 'tag', values: tags}, preload,
                                         resultTypes: ['violations']});
  return result.violations.map((v) => [v.id, v.impact,
    v.nodes.map((n) => [n.target.join(' '), n.failureSummary || ''])]);
}"""


#: Shows each slide of a deck after the first in turn, as the projector would, and runs
#: axe on it and the deck's controls (which change as the deck moves on), in one call.
#: Returns [h, v, violations] for each slide. Most of the time goes to the contrast rule on
#: slides of highlighted code (a few hundred ms for such a slide).
RUN_AXE_SLIDES = """async ([exclude, tags]) => {
  const found = [];
  for (const slide of Reveal.getSlides().slice(1)) {
    const at = Reveal.getIndices(slide);
    Reveal.slide(at.h, at.v);
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    const result = await axe.run(
      {include: [['.reveal .slides section.present'], ['.reveal .controls']],
       exclude: exclude.map((s) => [s])},
      {runOnly: {type: 'tag', values: tags}, preload: false, resultTypes: ['violations']});
    found.push([at.h, at.v || 0, result.violations.map((v) => [v.id, v.impact,
      v.nodes.map((n) => [n.target.join(' '), n.failureSummary || ''])])]);
  }
  return found;
}"""


class Axe:
    """One Chromium for every page; collects every violation with the page it is on."""

    def __init__(self, browser: Any, source: str) -> None:
        self.browser, self.source = browser, source
        self.blocked: list[str] = []
        self.reset()

    def reset(self) -> None:
        """Forget the violations found so far (each test reports its own)."""
        self.found: list[str] = []
        self.counts: dict[tuple[str, str], int] = {}

    def context(self, **options: Any) -> Any:
        context = self.browser.new_context(**options)
        self.blocked += record_requests(context)
        return context

    def check(self, page: Any, where: str, surface: str, include: tuple[str, ...] = (),
              preload: bool = True) -> None:
        self.load(page)
        self.record(where, surface, page.evaluate(
            RUN_AXE, [list(include), EXCLUDED, TAGS, preload]))

    def check_slides(self, page: Any, deck: str) -> int:
        """Every slide of the deck but the first, each checked as it is shown."""
        self.load(page)
        slides = page.evaluate(RUN_AXE_SLIDES, [EXCLUDED, TAGS])
        for h, v, violations in slides:
            self.record(f"slides {deck} slide {h}/{v}", "slides", violations)
        return len(slides)

    def load(self, page: Any) -> None:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.source)

    def record(self, where: str, surface: str, violations: list[Any]) -> None:
        for rule, impact, nodes in violations:
            self.counts[(surface, rule)] = self.counts.get((surface, rule), 0) + len(nodes)
            why: dict[str, list[str]] = {}  # the nodes that fail for the same reason
            for target, summary in nodes:
                why.setdefault(" ".join(summary.split())[:300], []).append(target)
            for summary, targets in why.items():
                shown = ", ".join(targets[:3]) + (f" and {len(targets) - 3} more"
                                                   if len(targets) > 3 else "")
                self.found.append(f"{where}: {rule} ({impact}) on {shown}\n    {summary}")


@pytest.fixture(scope="module")
def axe() -> Iterator[Axe]:
    require_chromium()
    source = axe_source()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=[*CHROMIUM_FLAGS, *BLOCK_FLAGS])
        try:
            yield Axe(browser, source)
        finally:
            browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    editions.site.build_site(out)
    return out


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("slides")
    editions.slides.build_slides(out)
    return out


def report(axe: Axe) -> str:
    counts = "; ".join(f"{surface} {rule}: {n}"
                       for (surface, rule), n in sorted(axe.counts.items()))
    return f"{len(axe.found)} violations ({counts}):\n" + "\n".join(axe.found)


#: Shows every "Predict, then see" answer of a site page, as a student who predicted would.
SHOW_ANSWERS = """() => {
  document.querySelectorAll('.course-reveal').forEach((box) => {
    const text = box.querySelector('textarea');
    if (text) { text.value = 'a prediction'; }
    const choice = box.querySelector('input[type=radio]');
    if (choice) { choice.checked = true; }
    box.querySelector('button').click();
  });
  return document.querySelectorAll('.course-reveal-shown').length;
}"""

#: Charts still to draw (live figures not yet drawn, or drawing).
CHARTS_PENDING = """() => document.querySelectorAll(
  'figure.course-chart[data-live], .course-chart-live:empty').length === 0"""


def test_the_site_has_no_axe_violation(site: Path, axe: Axe) -> None:
    pages = [site / "index.html", *sorted(site.glob("[0-9][0-9]-*.html")),
             *sorted((site / "seeds").glob("*.html"))]
    assert len(pages) == 1 + len(editions.notebooks.course_notebooks()) + len(
        list((ROOT / "seeds").glob("*.md")))
    axe.reset()
    page = axe.context().new_page()
    answers = 0
    for path in pages:
        where = f"site {path.relative_to(site).as_posix()}"
        page.goto(path.as_uri())
        page.wait_for_function(CHARTS_PENDING, timeout=60_000)
        axe.check(page, where, "site")
        shown = page.evaluate(SHOW_ANSWERS)
        answers += shown
        if shown:
            page.wait_for_function(CHARTS_PENDING, timeout=60_000)
            axe.check(page, where + " (answers shown)", "site",
                      include=(".course-reveal-shown",))
    page.context.close()
    assert answers > 5, "the answers of the prediction boxes were not shown"
    assert not axe.found, report(axe)
    assert not axe.blocked, axe.blocked[:5]


def test_every_slide_has_no_axe_violation(slides: Path, axe: Axe) -> None:
    axe.reset()
    page = axe.context(viewport={"width": 1280, "height": 720}).new_page()
    for path in editions.notebooks.course_notebooks():
        deck = slides / f"{path.stem}.slides.html"
        page.goto(deck.as_uri())
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=60_000)
        # The whole page on the first slide (the page's language and title, the deck's
        # controls and style sheets), then each slide as the projector shows it.
        axe.check(page, f"slides {deck.name} slide 0/0", "slides")
        assert axe.check_slides(page, deck.name) > 10, deck.name
    page.context.close()
    assert not axe.found, report(axe)
    assert not axe.blocked, axe.blocked[:5]


#: The focused element, and whether it shows an outline of at least 2 px (null at the end
#: of the page, where focus leaves the document).
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) { return null; }
  const style = getComputedStyle(e);
  const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '') +
    ' "' + (e.textContent || e.value || '').trim().slice(0, 40) + '"';
  return [name, style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2];
}"""


def unfocused(page: Any, where: str, limit: int = 400) -> tuple[int, list[str]]:
    """Tabs through a page from its top, as a keyboard user does: how many elements took
    the focus, and those that showed no outline when they had it."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                  "window.scrollTo(0, 0); }")
    seen: list[str] = []
    missing: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUSED)
        if found is None or (seen and found[0] == seen[0]):
            break
        seen.append(found[0])
        if not found[1]:
            missing.append(f"{where}: {found[0]}")
    return len(seen), missing


def test_the_keyboard_focus_is_always_visible(site: Path, slides: Path, axe: Axe) -> None:
    page = axe.context(viewport={"width": 1280, "height": 720}).new_page()
    missing: list[str] = []
    for path in [site / "index.html", site / "05-scenarios-and-forecasts.html",
                 next((site / "seeds").glob("*.html"))]:
        page.goto(path.as_uri())
        count, bad = unfocused(page, f"site {path.name}")
        assert count >= 3, f"{path.name}: only {count} elements took the keyboard's focus"
        missing += bad
    deck = slides / "01-consensus-and-silence.slides.html"
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=60_000)
    missing += unfocused(page, f"slides {deck.name}", limit=40)[1]
    page.context.close()
    assert not missing, "no visible focus on:\n" + "\n".join(missing)


def test_the_site_at_200_percent_zoom(site: Path, axe: Axe) -> None:
    """Every notebook page and the course map as a 1280 px wide window shows them at 200%
    zoom (half as many CSS pixels, each drawn twice as large): no axe violation there
    either (a line too long for the window must not need a scroll bar the keyboard cannot
    reach), and screenshots of the map and of notebook 01 for a person to look at, in
    build/screenshots/a11y-*.png."""
    axe.reset()
    page = axe.context(viewport={"width": 640, "height": 800},
                       device_scale_factor=2).new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for path in (site / "index.html", *sorted(site.glob("[0-9][0-9]-*.html"))):
        page.goto(path.as_uri())
        page.wait_for_function(CHARTS_PENDING, timeout=60_000)
        axe.check(page, f"site at 200% {path.name}", "site at 200%")
        if path.stem in ("index", "01-consensus-and-silence"):
            page.screenshot(path=str(ARTIFACTS / f"a11y-{path.stem}.png"))
            page.evaluate("() => window.scrollTo(0, document.body.scrollHeight / 3)")
            page.screenshot(path=str(ARTIFACTS / f"a11y-{path.stem}-further.png"))
    page.context.close()
    assert not axe.found, report(axe)


def test_the_checks_find_what_they_look_for(axe: Axe) -> None:
    """On a page made to fail, axe names the three faults the course's pages had (faint
    text, a link told by colour alone, a drawing without a text alternative), and the
    keyboard walk finds a link with no visible focus."""
    axe.reset()
    page = axe.context().new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Faults</title></head><body><main>'
        '<p style="color:#b0b0b0">Faint text.</p>'
        '<p style="color:#212121">Some text with <a href="#x" style="color:#0d47a1;'
        'text-decoration:none;outline:none">a link</a> in it.</p>'
        '<svg role="img" width="20" height="20"><rect width="20" height="20"/></svg>'
        "</main></body></html>")
    axe.check(page, "faults", "faults")
    assert {rule for _, rule in axe.counts} == {"color-contrast", "link-in-text-block",
                                                "svg-img-alt"}
    assert unfocused(page, "faults")[1] == ['faults: a "a link"']
    page.context.close()


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from council.harness import Server

    require_chromium()
    running = Server(tmp_path_factory.mktemp("council-axe") / "s.sqlite",
                     "--seats", "4").start()
    yield running
    running.stop()


def test_the_council_pages_have_no_axe_violation(council: Any, axe: Axe) -> None:
    from playwright.sync_api import expect

    # axe is added to each page by Playwright: the pages' Content-Security-Policy allows
    # only their own scripts, so the test lets Chromium bypass it (the pages' own scripts
    # still run as served).
    axe.reset()
    pages = {}
    for name, key in (("sg", "sg"), ("projector", "projector"), ("seat", "seat1")):
        page = axe.context(bypass_csp=True).new_page()
        page.goto(council.url(name, key))
        pages[name] = page
    expect(pages["seat"].locator("#ally")).to_contain_text("(seat 1)", timeout=30_000)
    expect(pages["projector"].locator("#qr figure")).to_have_count(3, timeout=30_000)
    expect(pages["sg"].locator("#seat-table tbody tr")).to_have_count(4)
    for name, page in pages.items():
        axe.check(page, f"council {name} (before the first draft)", "council")

    sg, seat, projector = pages["sg"], pages["seat"], pages["projector"]
    sg.fill("#seconds", "600")
    sg.click("#circulate")
    seat.fill("#reason", "The draft goes too far for our parliament.")
    seat.click("#break")
    expect(projector.locator("#objections li")).to_have_count(1, timeout=30_000)
    projector.wait_for_function(
        "() => document.getElementById('chart').naturalWidth > 0", timeout=30_000)
    for name, page in pages.items():
        axe.check(page, f"council {name} (a round, silence broken)", "council")

    sg.click("#deadlock")
    expect(projector.locator("#full-chart-line")).to_be_visible(timeout=30_000)
    for name, page in pages.items():
        axe.check(page, f"council {name} (decided)", "council")
    missing = [line for name in ("sg", "projector", "seat") for line in
               unfocused(pages[name], f"council {name}")[1]]
    for page in pages.values():
        page.context.close()
    assert not axe.found, report(axe)
    assert not missing, "no visible focus on:\n" + "\n".join(missing)
    assert not axe.blocked, axe.blocked[:5]


@pytest.fixture(scope="module")
def poll_05(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from council.harness import PollServer

    require_chromium()
    running = PollServer(tmp_path_factory.mktemp("poll-axe") / "p.sqlite", "05").start()
    yield running
    running.stop()


def test_the_poll_pages_have_no_axe_violation(poll_05: Any, axe: Axe) -> None:
    """The class poll's four pages (join, phone, instructor, projector) before a vote,
    during one, and with a forecast resolved and a league shown."""
    from playwright.sync_api import expect

    axe.reset()
    join = axe.context(bypass_csp=True).new_page()
    join.goto(f"{poll_05.base}/join?t={poll_05.token('join')}")
    axe.check(join, "poll join", "poll")
    join.fill("#name", "Ana")
    join.click("#join-button")
    join.wait_for_url("**/answer?t=*")
    pages = {"seat": join}
    for name in ("host", "projector"):
        page = axe.context(bypass_csp=True).new_page()
        page.goto(poll_05.url(name, name))
        pages[name] = page
    expect(pages["projector"].locator("#join-text")).to_contain_text("1 phone joined",
                                                                     timeout=30_000)
    for name, page in pages.items():
        axe.check(page, f"poll {name} (before a vote)", "poll")
    pages["host"].click("#open-forecasts")
    expect(join.locator("#answer-box input")).to_have_count(10, timeout=30_000)
    box = join.locator("[data-question='suspend_russia_2015']")
    box.locator("input").fill("70")
    box.locator("button").click()
    expect(box.locator(".mine")).to_contain_text("Your answer: 70%", timeout=30_000)
    for name, page in pages.items():
        axe.check(page, f"poll {name} (forecasts open)", "poll")
    pages["host"].click("#close")
    pages["host"].click("tr:has-text('suspend its practical') button:has-text('Yes')")
    expect(pages["projector"].locator("#league li")).to_have_count(1, timeout=30_000)
    expect(join.locator("#scores-box")).to_be_visible(timeout=30_000)
    for name, page in pages.items():
        axe.check(page, f"poll {name} (a forecast resolved)", "poll")
    missing = [line for name, page in pages.items() for line in
               unfocused(page, f"poll {name}")[1]]
    for page in pages.values():
        page.context.close()
    assert not axe.found, report(axe)
    assert not missing, "no visible focus on:\n" + "\n".join(missing)
    assert not axe.blocked, axe.blocked[:5]
