"""A class poll played in Chromium: the instructor on a laptop (1366×768), the projector
(1280×720), and phones (390×844), each phone a browser context of its own.

The phones find the poll as a student's does: by decoding the projector's QR code from a
screenshot (zbarimg), opening that link, typing a name and tapping an answer. Measured at
each step: the projector fits its screen without scrolling, its smallest text is 16 px or
more, its images loaded, and what it says is true at that moment. Screenshots of every
role's page go to build/screenshots/poll-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from council.harness import PollServer
from tests.browser import ARTIFACTS, require_zbarimg
from tests.test_council_projector import (
    LAPTOP,
    PHONE,
    PROJECTOR,
    browser,  # noqa: F401 (a fixture)
    decode,
    fits,
    smallest_text,
    wait_for,
)

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.browser, pytest.mark.record]


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"poll-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def text(page: Any, element: str) -> str:
    return page.evaluate(f"document.getElementById('{element}').innerText")


def opened(browser: Any, url: str, viewport: dict[str, int]) -> Any:  # noqa: F811
    page = browser.new_context(viewport=viewport).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(url)
    return page


#: The projector's boxes whose content its overflow would hide: none may be cut.
CUT = """[...document.querySelectorAll('#question-box, #side')].filter(
  (box) => box.scrollHeight > box.clientHeight + 1).map((box) => box.id)"""


def fits_whole(page: Any) -> None:
    """The projector fits its screen (see tests/test_council_projector.py), and no box of
    it hides part of its content."""
    fits(page, PROJECTOR)
    assert page.evaluate(CUT) == [], "content cut off on the projector"


def connected(page: Any) -> Any:
    wait_for(page, "document.getElementById('situation').textContent !== 'Connecting…'",
             "the page did not connect")
    return page


@pytest.fixture
def poll_01(tmp_path: Path) -> Iterator[PollServer]:
    running = PollServer(tmp_path / "p.sqlite", "01").start()
    yield running
    running.stop()


def phone_joins(browser: Any, link: str, name: str) -> Any:  # noqa: F811
    phone = opened(browser, link, PHONE)
    if name == "Ana":
        shot(phone, "phone-join")
    phone.fill("#name", name)
    phone.click("#join-button")
    phone.wait_for_url("**/answer?t=*")
    return connected(phone)


def test_a_class_votes_twice_and_sees_the_shift(browser: Any, poll_01: PollServer  # noqa: F811
                                                 ) -> None:
    require_zbarimg()
    projector = connected(opened(browser, poll_01.url("projector", "projector"), PROJECTOR))
    host = connected(opened(browser, poll_01.url("host", "host"), LAPTOP))
    assert text(projector, "situation") == "Scan the code to join. 0 phones joined so far."
    fits_whole(projector)
    links = decode(shot(projector, "projector-lobby"))
    assert links == [f"{poll_01.base}/join?t={poll_01.token('join')}"]

    names = ["Ana", "Ben", "Chloé", "Dmitri"]
    phones = [phone_joins(browser, links[0], name) for name in names]
    shot(phones[0], "phone-waiting")
    assert text(phones[0], "situation") == ("You have joined. Waiting for the instructor's "
                                           "first question.")
    wait_for(projector, "document.getElementById('join-text').textContent.includes('4 phones')",
             "the projector did not count the phones")
    shot(host, "host-start")

    host.click("tr:has-text('Two allies at 0.25') button:has-text('Open')")
    first = [3, 3, 0, 1]  # "Both", "Both", "Nobody", "The ally at 0.25"
    for phone, choice in zip(phones, first, strict=True):
        phone.locator("button.option").nth(choice).click()
        wait_for(phone, "document.querySelector('button.option[aria-pressed=true]') !== null",
                 "the phone did not show its answer")
    # Ana taps another option, then her first again: one answer, the last.
    phones[0].locator("button.option").nth(1).click()
    phones[0].locator("button.option").nth(3).click()
    wait_for(projector, "document.getElementById('situation').textContent.includes('4 of 4')",
             "the projector did not count 4 answers")
    assert text(projector, "situation") == "Vote 1 open: 4 of 4 phones answered."
    assert "The answer" not in text(projector, "question-box")
    fits_whole(projector)
    assert decode(shot(projector, "projector-vote1")) == links  # the code in its corner
    shot(phones[0], "phone-answered")
    assert "Your answer: Both" in text(phones[0], "answer-box")
    assert phones[0].evaluate("window.scrollY") == 0
    assert phones[0].evaluate(
        "document.querySelector('button.option').getBoundingClientRect().bottom") < 844

    host.click("#close")
    wait_for(projector, "document.getElementById('situation').textContent.startsWith("
             "'Vote 1 closed')", "vote 1 did not close")
    wait_for(phones[1], "document.getElementById('situation').textContent.startsWith("
             "'Vote 1 is closed. Discuss')", "the phone did not say the vote closed")
    host.click("#again")
    wait_for(phones[0], "document.querySelectorAll('button.option').length === 4 && "
             "document.getElementById('situation').textContent.startsWith('Vote 2')",
             "vote 2 did not open on the phone")
    for phone in phones:
        phone.locator("button.option").nth(0).click()
    wait_for(projector, "document.getElementById('situation').textContent.includes('4 of 4')",
             "the projector did not count vote 2")
    host.click("#close")
    wait_for(host, "!document.getElementById('reveal').disabled", "reveal stayed disabled")
    host.click("#reveal")
    wait_for(projector, "document.getElementById('answer').textContent !== ''",
             "the answer was not revealed")
    assert text(projector, "answer") == "The answer: Nobody"
    assert text(projector, "situation") == ("The answer is shown. Right: 1 of 4 in vote 1, "
                                            "4 of 4 in vote 2.")
    rows = projector.evaluate("[...document.querySelectorAll('#bars li:not(.head)')].map((li) => "
                              "li.innerText.replace(/\\s+/g, ' ').trim())")
    assert rows == ["Nobody ✓ 1 4", "The ally at 0.25 1 0", "The ally at 0.75 0 0", "Both 2 0"]
    fits_whole(projector)
    shot(projector, "projector-revealed")
    shot(host, "host-revealed")
    wait_for(phones[0], "document.getElementById('answer').textContent.includes('Nobody')",
             "the phone did not show the answer")
    assert text(phones[0], "yours") == "You said: vote 1: Both; vote 2: Nobody."
    shot(phones[0], "phone-revealed")
    for page in (projector, host, *phones):
        assert page.errors == []


def test_a_forecast_round_becomes_a_league(browser: Any, tmp_path: Path  # noqa: F811
                                           ) -> None:
    server = PollServer(tmp_path / "p.sqlite", "05").start()
    try:
        projector = connected(opened(browser, server.url("projector", "projector"), PROJECTOR))
        host = connected(opened(browser, server.url("host", "host"), LAPTOP))
        link = f"{server.base}/join?t={server.token('join')}"
        phones = [phone_joins(browser, link, name) for name in ("Ana", "Ben", "Chloé")]
        host.click("#open-forecasts")
        wait_for(phones[0], "document.querySelectorAll('#answer-box input').length === 10",
                 "the phone did not show ten forecast questions")
        shot(phones[0], "phone-forecasts")
        given = {"suspend_russia_2015": (90, 40, 5), "nato_summit_2013": (70, 20, 50)}
        for question, values in given.items():
            for phone, value in zip(phones, values, strict=True):
                box = phone.locator(f"[data-question='{question}']")
                box.locator("input").fill(str(value))
                box.locator("button").click()
                wait_for(phone, f"document.querySelector(\"[data-question='{question}'] "
                         f".mine\").textContent.startsWith('Your answer: {value}%')",
                         "the phone did not record its forecast")
        host.click("#close")
        host.click("tr:has-text('suspend its practical') button:has-text('Yes')")
        host.click("tr:has-text('summit meeting in 2013') button:has-text('No')")
        # The league shows three rows after the first resolution already: wait for both.
        wait_for(projector, "document.querySelectorAll('#league li').length === 3 && "
                 "document.getElementById('league').innerText.includes('Ben: 0.200')",
                 "the league did not appear with both questions resolved")
        # Ana: 90% yes, 70% no: (0.01 + 0.49) / 2 = 0.25; Ben: 40% yes, 20% no:
        # (0.36 + 0.04) / 2 = 0.2; Chloé: 5% yes, 50% no: (0.9025 + 0.25) / 2 = 0.57625.
        assert text(projector, "league").splitlines() == [
            "1. Ben: 0.200 (log 0.570)", "2. Ana: 0.250 (log 0.655)",
            "3. Chloé: 0.576 (log 1.844)"]
        fits_whole(projector)
        assert decode(shot(projector, "projector-league")) == [link]
        shot(host, "host-forecasts")
        wait_for(phones[1], "!document.getElementById('scores-box').hidden && "
                 "document.getElementById('rank').innerText.includes('0.200')",
                 "the phone did not show its scores on both questions")
        assert text(phones[1], "rank").startswith("Your mean Brier score 0.200 (log 0.570): "
                                                  "rank 1 of 3.")
        shot(phones[1], "phone-scores")
        assert smallest_text(phones[1])[0] >= 16
        for page in (projector, host, *phones):
            assert page.errors == []
    finally:
        server.stop()


def test_a_number_question_voted_twice_fits_the_projector(browser: Any,  # noqa: F811
                                                          poll_01: PollServer) -> None:
    """Ten bands of numbers, two bars each, the answer and why: still one screen."""
    from council.harness import Client
    from tests.test_council_projector import in_thread

    seats = [poll_01.join(f"Student {n}")[1] for n in range(1, 31)]
    projector = connected(opened(browser, poll_01.url("projector", "projector"), PROJECTOR))

    def vote(number: int, values: list[int]) -> Any:
        async def play() -> None:
            host = await Client.open(poll_01.ws_url("host"))
            request = ({"type": "open", "question": "01-pair-reluctant"} if number == 1
                       else {"type": "again"})
            await host.send(request)
            await host.until(lambda m: m["type"] == "ok")
            for token, value in zip(seats, values, strict=True):
                phone = await Client.open(poll_01.seat_ws(token))
                await phone.send({"type": "answer", "question": "01-pair-reluctant",
                                  "vote": number, "value": value})
                await phone.until(lambda m: m["type"] == "ok")
                phone.close()
            await host.send({"type": "close"})
            await host.until(lambda m: m["type"] == "ok")
            host.close()
        return play

    in_thread(vote(1, [5, 6, 5, 4, 10, 6, 5, 1, 6, 5] * 3))
    in_thread(vote(2, [6, 6, 6, 5, 6, 6, 6, 6, 7, 6] * 3))

    async def reveal() -> None:
        host = await Client.open(poll_01.ws_url("host"))
        await host.send({"type": "reveal"})
        await host.until(lambda m: m["type"] == "ok")
        host.close()

    in_thread(lambda: reveal())
    wait_for(projector, "document.getElementById('answer').textContent === 'The answer: 6'",
             "the answer was not revealed")
    assert text(projector, "legend") == ("vote 1: 30 answers, median 5 · vote 2: 30 answers, "
                                         "median 6")
    assert projector.evaluate("[...document.querySelectorAll('#bars li:not(.head) .label')]"
                              ".map((e) => e.textContent)") == [
        "1", "2", "3", "4", "5", "6 ✓", "7", "8", "9", "10"]
    fits_whole(projector)
    shot(projector, "projector-number")
    assert projector.errors == []
