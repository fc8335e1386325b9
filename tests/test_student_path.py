"""The student's path: the README's open command, and what JupyterLab then serves.

`python3 course.py lab` is started as the README says (with --no-browser and a port of its
own); the test walks what JupyterLab serves through its contents API, as the student's file
browser would: six course notebooks with no instructor material and no stored answer under
a prediction question, an answer place and a check under every exercise, and the readings.
Then, in Chromium at a laptop's 1366×768, each notebook's first view is photographed, and a
student answers notebook 01's Exercise 1 wrongly, twice (two hints, the second more
specific), then rightly (screenshots in build/screenshots/student-lab-*.png).
JupyterLab's autosave is off here, so the test never writes into the student's copy.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests import test_browser_lab as lab_test
from tests.browser import free_port, offline_page, require_chromium, screenshot

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "student-path-token"
EXERCISE = re.compile(r"(?m)^\*\*Exercise (\d+)")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The README's open command, running; yields a function that GETs the contents API."""
    home = tmp_path_factory.mktemp("lab-settings")
    settings = home / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    port = free_port()
    extra = ["--no-browser", f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}",
             "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra.append("--allow-root")
    log = (home / "lab.log").open("w")
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    server = subprocess.Popen([sys.executable, "course.py", "lab", *extra], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> Any:
        request = urllib.request.Request(f"{base}/api/contents/{path}?content=1",
                                         headers={"Authorization": f"token {TOKEN}"})
        return json.load(urllib.request.urlopen(request, timeout=30))

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get("")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("course.py lab did not serve: "
                                       + (home / "lab.log").read_text()[-2000:]) from None
                time.sleep(0.5)
        yield base, get
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def text(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_the_open_command_serves_the_students_own_course(served: Any) -> None:
    _, get = served
    root = {item["name"]: item["type"] for item in get("")["content"]}
    assert root == {"notebooks": "directory", "seeds": "directory", "data": "directory"}
    names = sorted(item["name"] for item in get("notebooks")["content"])
    assert len(names) == 6 and all(re.match(r"0[0-5]-", n) for n in names)
    seed = get("seeds/commentary-2011-why-nato-wont-recognize-the-csto.md")["content"]
    assert "consensus principle in its decision-making" in seed
    assert "Secretary General" in get("data/council_briefs.csv")["content"]
    exercises = 0
    for name in names:
        cells = get(f"notebooks/{name}")["content"]["cells"]
        for cell in cells:
            tags = set(cell["metadata"].get("tags", []))
            assert not tags & {"solution", "answer-key"}, (name, text(cell)[:60])
            assert not re.search(r"(?i)answer key|instructor edition only", text(cell))
            assert "exercise_rubric" not in cell["metadata"]
            if "check" in tags:
                assert cell["outputs"] == [], (name, text(cell))
        for index, cell in enumerate(cells):
            found = EXERCISE.search(text(cell)) if cell["cell_type"] == "markdown" else None
            if not found:
                continue
            exercises += 1
            key = f"{name[:2]}-{found.group(1)}"
            rest = []
            for after in cells[index + 1:]:
                if after["cell_type"] == "markdown" and re.match(r"\s*(\*\*Exercise|#)",
                                                                  text(after)):
                    break
                rest.append(after)
            assert any("answer" in c["metadata"].get("tags", []) for c in rest), key
            assert any(text(c) == f'feedback.check("{key}")' for c in rest), key
        links = re.findall(r"\]\((\.\./(?:seeds|data)/[^)]+)\)",
                           "".join(text(c) for c in cells if c["cell_type"] == "markdown"))
        for link in links:  # every reading the notebook links to opens
            assert get(link.removeprefix("../"))["content"], (name, link)
    assert exercises == 23


def test_the_extension_manager_asks_no_package_index(served: Any) -> None:
    """JupyterLab's extension manager, opened by a curious student, lists what is installed
    and searches nowhere (its default searches PyPI and GitHub)."""
    base, _ = served
    request = urllib.request.Request(f"{base}/lab/api/extensions?query=vega&page=1&per_page=30",
                                     headers={"Authorization": f"token {TOKEN}"})
    listed = json.load(urllib.request.urlopen(request, timeout=30))
    assert all(item.get("installed") for item in listed), listed[:3]


def open_in_lab(page: Any, base: str, path: str) -> None:
    lab_test.open_notebook(page, f"{base}/lab/tree/{{path}}?token={TOKEN}&reset", path)


SET_SOURCE = """([index, source]) => {
  const cell = window.jupyterapp.shell.currentWidget.content.model.cells.get(index);
  cell.sharedModel.setSource(source);
}"""

CELL_OF = """([key, tag]) => [...window.jupyterapp.shell.currentWidget.content.model.cells]
  .findIndex(c => c.getMetadata('exercise') === key
                  && (c.getMetadata('tags') || []).includes(tag))"""

LEAVE = """() => { const panel = window.jupyterapp.shell.currentWidget;
  panel.context.model.dirty = false; }"""


def test_a_student_gets_hints_then_right_in_jupyterlab(served: Any) -> None:
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    base, _ = served
    with playwright_api.sync_playwright() as playwright, \
            offline_page(playwright) as (page, blocked):
        page.set_viewport_size({"width": 1366, "height": 768})
        for name in ("00-start-here", "01-consensus-and-silence",
                     "02-decision-rules-and-voting-power", "03-out-of-area",
                     "04-csto-question", "05-scenarios-and-forecasts"):
            open_in_lab(page, base, f"notebooks/{name}.ipynb")
            page.wait_for_timeout(500)
            screenshot(page, f"student-lab-{name[:2]}-first-view")
        assert page.get_by_text("Would you like to get notified").count() == 0
        open_in_lab(page, base, "notebooks/01-consensus-and-silence.ipynb")
        answer = page.evaluate(CELL_OF, ["01-1", "answer"])
        check = page.evaluate(CELL_OF, ["01-1", "check"])
        assert 0 < answer < check
        imports = page.evaluate("() => [...window.jupyterapp.shell.currentWidget.content"
                                ".model.cells].findIndex(c => c.type === 'code')")
        page.evaluate(lab_test.RUN_CELL, [imports])
        output = page.locator(".jp-Notebook .jp-Cell").nth(check).locator(".jp-OutputArea")
        said = []
        for cost in ("0.1", "0.1", "18.75", "0.1875"):
            page.evaluate(SET_SOURCE, [answer, (
                f"cost = {cost}\npair = consensus.make_allies([0.25, 0.75], tolerance=0.0625, "
                "cost=cost)\nconsensus.negotiate(pair, \"median\").outcome")])
            page.evaluate(lab_test.RUN_CELL, [answer])
            page.evaluate(lab_test.RUN_CELL, [check])
            page.wait_for_function(
                "([i, n]) => { const c = window.jupyterapp.shell.currentWidget.content"
                ".model.cells.get(i); return c.executionCount !== null"
                " && c.executionCount >= n; }", arg=[check, 2 * len(said) + 3],
                timeout=60_000)
            output.scroll_into_view_if_needed()
            said.append(output.inner_text())
            screenshot(page, f"student-lab-01-check-{len(said)}")
        page.evaluate(LEAVE)
        assert "(hint 1 of 2)" in said[0] and "(hint 2 of 2)" in said[1]
        assert "0.0625: how much must the cost add" in said[1]
        assert "18.75% is written 0.1875" in said[2]
        assert "Right: 0.0625 + 0.1875 = 0.25" in said[3]
        assert not blocked, blocked[:3]
