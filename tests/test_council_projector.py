"""The council's pages at the sizes a classroom has: the projector at 1280×720, phones at
390×844, a laptop at 1366×768, all in headless Chromium.

What is measured, not assumed: every seat's QR code is decoded by ``zbarimg`` from a
screenshot of the projector; the projector page's height (it must not scroll) and the
smallest font size of any text a person can see on it, the round chart's labels included
(16 px at least); and what each page says at each moment of a session.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from council.harness import Client, InProcessServer, Server
from tests.browser import (
    ARTIFACTS,
    BLOCK_FLAGS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    ZBARIMG,
    require_chromium,
    require_zbarimg,
)

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.browser, pytest.mark.record]
PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
MIN_FONT_PX = 16
#: Reasons a class writes: a few words to a couple of sentences.
REASONS = [
    "Not before the UN Security Council has finished its debate on Iraq.",
    "Planning now would tell Baghdad that NATO has already chosen war; we cannot accept it "
    "in this form.",
    "Too weak: Turkey asked under Article 4 and deserves defences at once.",
    "We need the text to say that planning does not mean deployment.",
    "Our parliament must see the wording first.",
]
#: Every text node a person can see, with its computed font size (px).
VISIBLE_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const style = getComputedStyle(node.parentElement);
    if (style.visibility === "hidden" || Number(style.opacity) === 0) continue;
    found.push([parseFloat(style.fontSize), node.textContent.trim().slice(0, 60)]);
  }
  return found;
}"""
#: Where each element matching a selector is, and whether its own content is cut off.
BOXES = """(selector) => [...document.querySelectorAll(selector)].map((e) => {
  const r = e.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, text: e.innerText,
          clipped: e.scrollHeight > e.clientHeight + 1};
})"""
#: Every image that is shown, whether it loaded.
IMAGES = """() => [...document.images].filter((i) => i.getClientRects().length).map((i) => ({
  src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0,
  width: i.getBoundingClientRect().width}))"""


def in_thread(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a websocket conversation on its own event loop, in its own thread (Playwright's
    synchronous API holds this thread's loop)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(make())
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def join(server: Server, seats: range) -> None:
    """Seats join from their own devices, then leave the page (they stay taken)."""
    async def play() -> None:
        for seat in seats:
            client = await Client.open(server.ws_url(f"seat{seat}"), f"device-{seat:04d}-classroom")
            await client.until(lambda m: m["type"] == "state" and "brief" in m["you"])
            client.close()
    in_thread(play)


def sg_does(server: Server, request: dict[str, Any]) -> None:
    async def play() -> None:
        sg = await Client.open(server.ws_url("sg"))
        await sg.send(request)
        message = await sg.until(lambda m: m["type"] in ("ok", "refused"))
        assert message["type"] == "ok", message
        sg.close()
    in_thread(play)


def break_silence(server: Server, seats: dict[int, str]) -> None:
    async def play() -> None:
        for seat, reason in seats.items():
            client = await Client.open(server.ws_url(f"seat{seat}"), f"device-{seat:04d}-classroom")
            await client.until(lambda m: m["type"] == "state" and "brief" in m["you"])
            await client.send({"type": "break", "reason": reason})
            message = await client.until(lambda m: m["type"] in ("ok", "refused"))
            assert message["type"] == "ok", message
            client.close()
    in_thread(play)


def wait_for(page: Any, script: str, what: str, timeout: float = 30) -> None:
    """Poll a page until `script` is true (the pages' CSP forbids Playwright's eval-based
    waits)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(script):
            return
        time.sleep(0.1)
    pytest.fail(f"{what} (after {timeout} s)")


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"council-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def smallest_text(page: Any) -> tuple[float, str]:
    sizes = page.evaluate(VISIBLE_TEXT)
    assert sizes, "no visible text at all"
    return min(sizes)


def chart_svg(page: Any) -> str:
    """The round chart the page shows, as SVG text."""
    source = page.evaluate("document.getElementById('chart').src")
    return urllib.request.urlopen(source, timeout=30).read().decode()


def chart_font_px(page: Any) -> float:
    """The smallest font size of the round chart's text as drawn on the page: the SVG's own
    sizes times the scale at which the page shows the image."""
    svg = chart_svg(page)
    width = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)', svg).group(1))
    shown = page.evaluate("document.getElementById('chart').getBoundingClientRect().width")
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)(?:px)?"', svg)]
    assert sizes, "the chart has no text"
    return min(sizes) * shown / width


def page_height(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def fits(page: Any, viewport: dict[str, int]) -> None:
    """The page shows everything without scrolling, in text of 16 px or more."""
    wait_for(page, "[...document.images].every((i) => i.complete)", "images still loading")
    height = page_height(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert height <= viewport["height"], f"the page is {height} px tall, taller than the screen"
    assert width <= viewport["width"], f"the page is {width} px wide, wider than the screen"
    size, text = smallest_text(page)
    assert size >= MIN_FONT_PX, f"text of {size} px on the projector: {text!r}"
    broken = [i for i in page.evaluate(IMAGES) if not i["loaded"]]
    assert broken == [], f"images shown that did not load: {broken}"


def decode(png: Path) -> list[str]:
    """Every QR code zbarimg finds in an image, as text."""
    done = subprocess.run([str(ZBARIMG), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                           str(png)], capture_output=True, text=True, timeout=60)
    return [line for line in done.stdout.splitlines() if line]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=[*CHROMIUM_FLAGS, *BLOCK_FLAGS])
        yield launched
        launched.close()


def open_page(browser: Any, server: Server, kind: str, key: str,
              viewport: dict[str, int]) -> Any:
    page = browser.new_context(viewport=viewport).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(server.url(kind, key))
    wait_for(page, "document.getElementById('status').textContent !== 'Connecting…'",
             f"the {kind} page did not connect")
    return page


@pytest.mark.parametrize(("card", "seats"), [("nato_csto_relations", 32),
                                             ("imagined_alliance", 40)])
def test_every_seats_qr_code_scans_from_the_projector(browser: Any, tmp_path: Path,
                                                     card: str, seats: int) -> None:
    require_zbarimg()
    from PIL import Image

    server = InProcessServer(tmp_path / "s.sqlite", "--card", card,
                             "--seats", str(seats)).start()
    try:
        page = open_page(browser, server, "projector", "projector", PROJECTOR)
        wait_for(page, f"document.querySelectorAll('#qr img').length === {seats} && "
                       "[...document.querySelectorAll('#qr img')].every((i) => i.complete)",
                 "the projector did not show a QR code per seat")
        screenshot = shot(page, f"projector-lobby-{seats}")
        figures = page.evaluate("""() => [...document.querySelectorAll('#qr figure')].map((f) => {
          const r = f.querySelector('img').getBoundingClientRect();
          return {seat: Number(f.dataset.seat), left: r.left, top: r.top, right: r.right,
                  bottom: r.bottom};
        })""")
        urls = {seat: server.url("seat", f"seat{seat}") for seat in range(1, seats + 1)}
        assert sorted(decode(screenshot)) == sorted(urls.values())
        whole = Image.open(screenshot)
        for figure in figures:  # each code alone, with a margin of the page's white
            box = tuple(round(v) for v in (figure["left"] - 8, figure["top"] - 8,
                                           figure["right"] + 8, figure["bottom"] + 8))
            assert box[2] <= PROJECTOR["width"] and box[3] <= PROJECTOR["height"], figure
            crop = tmp_path / f"qr-{figure['seat']}.png"
            whole.crop(box).save(crop)
            assert decode(crop) == [urls[figure["seat"]]], f"seat {figure['seat']}"
        assert sorted(f["seat"] for f in figures) == list(range(1, seats + 1))
        fits(page, PROJECTOR)
        assert page.errors == []
    finally:
        server.stop()


@pytest.mark.parametrize(("card", "seats"), [("nato_csto_relations", 32),
                                             ("imagined_alliance", 40)])
def test_the_projector_fits_and_says_what_is_true(browser: Any, tmp_path: Path, card: str,
                                                  seats: int) -> None:
    server = InProcessServer(tmp_path / "s.sqlite", "--card", card,
                             "--seats", str(seats)).start()
    try:
        page = open_page(browser, server, "projector", "projector", PROJECTOR)
        text = page.inner_text("body")
        assert "Waiting for the Secretary General's first draft" in text
        assert "silence hold" not in text.lower()
        assert page.evaluate("document.getElementById('chart').getClientRects().length") == 0
        fits(page, PROJECTOR)

        join(server, range(1, seats - 6))  # seven seats stay free: their codes stay up
        sg_does(server, {"type": "circulate", "wording": 2, "seconds": 900})
        wait_for(page, "document.getElementById('chart').naturalWidth > 0",
                 "the round chart did not draw")
        status = page.inner_text("#situation")
        assert re.fullmatch(r"Round 1 open: silence until \d\d:\d\d; nobody has broken it "
                            r"yet\.", status), status
        assert "silence hold" not in page.inner_text("body").lower()
        assert page.locator("#qr figure").count() >= 1
        assert chart_font_px(page) >= MIN_FONT_PX
        fits(page, PROJECTOR)
        shot(page, f"projector-round1-{seats}")

        objectors = dict(zip(range(1, 6), REASONS, strict=True))
        break_silence(server, objectors)
        wait_for(page, "document.querySelectorAll('#objections li').length === 5",
                 "the projector did not list five broken silences")
        status = page.inner_text("#situation")
        assert re.fullmatch(r"Round 1 open: silence until \d\d:\d\d; 5 allies have broken "
                            r"it\.", status), status
        fits(page, PROJECTOR)
        for box in page.evaluate(BOXES, "#objections li"):  # who, and why, in full, on screen
            assert box["top"] >= 0 and box["bottom"] <= PROJECTOR["height"], box
            assert not box["clipped"], box
        shown = page.inner_text("#objections")
        for seat, reason in objectors.items():
            assert reason in shown, f"seat {seat}'s reason is not on the projector"
        assert chart_font_px(page) >= MIN_FONT_PX
        shot(page, f"projector-broken-{seats}")

        # Eleven allies with long reasons do not fit in full: the page still does not scroll,
        # each reason keeps its first lines, and the page says they are cut.
        long_reason = ("We cannot accept this text as it stands, and we will say why at length: "
                       * 4)[:280]
        break_silence(server, dict.fromkeys(range(6, 12), long_reason))
        wait_for(page, "document.querySelectorAll('#objections li').length === 11",
                 "the projector did not list eleven broken silences")
        fits(page, PROJECTOR)
        note = page.inner_text("#objections-note")
        assert note.startswith("Reasons cut short to fit"), note
        box = page.evaluate(BOXES, "#objections-note")[0]
        assert box["top"] >= 0 and box["bottom"] <= PROJECTOR["height"], box
        names = ["United States", "Türkiye", "Hungary", "Germany", "France", "United Kingdom",
                 "Poland", "Lithuania", "Italy", "Canada", "Netherlands"]
        if card == "imagined_alliance":
            names = [f"Ally {seat}" for seat in range(1, 12)]
        shown = [b for b in page.evaluate(BOXES, "#objections li") if b["bottom"] > b["top"]]
        limit = page.evaluate(BOXES, "#broke-box")[0]["bottom"]
        for item in shown:  # on the screen and inside its box, not hidden by it
            assert item["top"] >= 0 and item["bottom"] <= min(limit, PROJECTOR["height"]), item
        for name in names:  # every ally who broke silence is named where it can be seen
            assert any(i["text"].startswith(name) for i in shown) or name in note, name
        shot(page, f"projector-many-{seats}")

        sg_does(server, {"type": "deadlock"})
        wait_for(page, "document.getElementById('outcome').textContent.length > 0",
                 "the projector did not show the outcome")
        wait_for(page, "document.getElementById('chart').complete && "
                       "document.getElementById('chart').naturalWidth > 0",
                 "the final chart did not draw")
        assert page.inner_text("#situation") == ("The council has decided: deadlock, declared "
                                                 "by the Secretary General.")
        fits(page, PROJECTOR)
        assert chart_font_px(page) >= MIN_FONT_PX
        assert page.inner_text("body").lower().count("round by round") == 1  # its heading
        assert "round by round" not in chart_svg(page).lower()  # and not the chart again
        shot(page, f"projector-over-{seats}")
        assert page.errors == []
    finally:
        server.stop()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_seat_reads_its_brief_first_and_the_truth_after(browser: Any, tmp_path: Path,
                                                          viewport: dict[str, int]) -> None:
    server = InProcessServer(tmp_path / "s.sqlite", "--seats", "12").start()
    size = f"{viewport['width']}"
    try:
        sg = open_page(browser, server, "sg", "sg", viewport)
        text = sg.inner_text("body")
        assert "Write your first draft" in text
        assert "Waiting for the Secretary General" not in text
        shot(sg, f"sg-start-{size}")

        seat = open_page(browser, server, "seat", "seat3", viewport)
        wait_for(seat, "document.getElementById('ally').textContent.includes('(seat')",
                 "the seat's brief did not arrive")
        brief = seat.evaluate(BOXES, "#brief-box")[0]
        reply = seat.evaluate(BOXES, "#reason")[0]
        assert brief["bottom"] <= reply["top"], "the reply box comes before the brief"
        assert "Waiting for the Secretary General's first draft" in seat.inner_text("body")
        shot(seat, f"seat-start-{size}")

        sg_does(server, {"type": "circulate", "wording": 4, "seconds": 900})
        wait_for(seat, "document.getElementById('draft').textContent !== 'No draft yet.'",
                 "the seat did not see the draft")
        advice = seat.inner_text("#advice")
        assert re.fullmatch(r"Silence is consent: if nobody breaks silence by \d\d:\d\d, this "
                            r"draft passes\.", advice), advice
        shot(seat, f"seat-round1-{size}")
        shot(sg, f"sg-round1-{size}")

        sg_does(server, {"type": "deadlock"})
        wait_for(seat, "document.getElementById('outcome').textContent.length > 0",
                 "the seat did not see the outcome")
        text = seat.inner_text("body")
        assert "passes at the deadline" not in text and "this draft passes" not in text
        assert "The council has decided: deadlock" in seat.inner_text("#advice")
        assert seat.is_disabled("#break")
        shot(seat, f"seat-over-{size}")
        assert seat.errors == [] and sg.errors == []
    finally:
        server.stop()
