"""A whole council session in Chromium: a Secretary General, a projector and 12 allies, each
in its own browser context (its own storage, as on its own device).

The session goes through a draft under silence, a broken silence (with script in the
reason, which must show as text and never run), a reload of a seat in mid-round, a second
tab for one seat, a rewording, and consensus on the reworded draft in silence.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from council.harness import Server
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
SEATS = 12
XSS = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    running = Server(tmp_path_factory.mktemp("council-browser") / "s.sqlite",
                     "--seats", str(SEATS)).start()
    yield running
    running.stop()


def test_a_class_plays_a_session_in_the_browser(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # generous: a loaded CI machine is slow
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=[*CHROMIUM_FLAGS, *BLOCK_FLAGS])
        errors: list[str] = []
        blocked: list[list[str]] = []  # per context, filled as requests are made

        def open_page(page_name: str, key: str) -> Any:
            context = browser.new_context()
            blocked.append(record_requests(context))
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server.url(page_name, key), wait_until="commit")  # the pages load together
            return page

        try:
            projector = open_page("projector", "projector")
            sg = open_page("sg", "sg")
            seats = [open_page("seat", f"seat{s}") for s in range(1, SEATS + 1)]
            for page in seats:
                expect(page.locator("#ally")).to_contain_text("(seat")
            expect(projector.locator("#qr figure")).to_have_count(0)
            expect(sg.locator("#seat-table tbody tr")).to_have_count(SEATS)

            # Round 1: the 0.6 draft under a silence long enough to act in.
            sg.select_option("#wording", "4")
            sg.fill("#seconds", "60")
            sg.click("#circulate")
            for page in (projector, *seats):
                expect(page.locator("#draft")).to_contain_text("three defensive missions")
            expect(projector.locator("#countdown")).to_contain_text("Silence ends in")

            # France breaks silence, with script in its reason.
            france = seats[0]
            france.fill("#reason", XSS)
            france.click("#break")
            expect(france.locator("#status")).to_have_text("Done.")
            expect(projector.locator("#objections li")).to_have_text(f"France: {XSS}")
            expect(france.locator("#mine")).to_have_text("You broke silence on this draft.")
            for page in (projector, sg, france):
                assert page.evaluate("window.pwned") is None
                assert page.locator("#objections img, #objections script").count() == 0

            # A reload in mid-round loses nothing; a late second tab takes the seat over.
            france.reload()
            expect(france.locator("#mine")).to_have_text("You broke silence on this draft.")
            expect(france.locator("#ally")).to_contain_text("France")
            second = france.context.new_page()
            second.goto(server.url("seat", "seat1"))
            expect(second.locator("#ally")).to_contain_text("France")
            expect(france.locator("#status")).to_contain_text("another tab")

            # Germany's link opened on another device is refused.
            thief = open_page("seat", "seat2")
            expect(thief.locator("#status")).to_contain_text("already taken on another device")
            expect(thief.locator("#ally")).to_have_text("(waiting for your seat)")

            # The Secretary General rewords: 0.4, a short silence that holds.
            sg.select_option("#wording", "2")
            sg.fill("#seconds", "3")
            sg.click("#circulate")
            for page in (projector, *seats[1:]):
                expect(page.locator("#round")).to_contain_text("Round 2")
            outcome = "consensus on a watered-down (reworded) draft"
            for page in (projector, sg, *seats[1:]):
                expect(page.locator("#outcome")).to_contain_text(outcome, timeout=15_000)
            expect(projector.locator("#chart-text")).to_have_text(
                "Drafts: 0.60 (1 broke silence), 0.40 (silence held)")
            expect(projector.locator("#chart")).to_have_attribute("src", re.compile("v="))
            for _ in range(300):  # polled from here: the page's CSP forbids eval
                if projector.evaluate("document.getElementById('chart').naturalWidth") > 100:
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the projector's round chart did not draw")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            projector.screenshot(path=str(Path(ARTIFACTS) / "council-projector.png"),
                                 full_page=True)
            assert errors == []
            elsewhere = [url for urls in blocked for url in urls]
            assert elsewhere == [], f"a page tried to reach the network: {elsewhere[:5]}"
        finally:
            browser.close()
    assert [kind for kind, _, _ in server.events()] == [
        "started", *["joined"] * SEATS, "circulated", "broke_silence", "circulated", "closed"]
