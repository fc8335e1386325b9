"""The course on a real JupyterHub, as the README's recipe sets it up, on this machine only.

The test starts JupyterHub (tests/hub/jupyterhub_config.py: everything on 127.0.0.1, a
dummy login, each user's JupyterLab a local process) with its proxy, configurable-http-proxy
(pinned with npm's integrity hashes in tests/hub/package-lock.json, installed once with
`npm ci` into .cache/hub). The hub's "image" is the environment running this test: the
test checks that it holds what the README's recipe installs in one (every pin of the locks
the recipe names, and the course) and runs the recipe's last step (JupyterLab's settings).
The course's repository is a bare repository holding the committed HEAD of this checkout as
`main` and, as `python3 course.py student --branch` makes it, the student edition as
`student`; the README's nbgitpuller link names it by a file:// URL, so nothing comes from
the network.

Two users open the README's link in headless Chromium, log in and land in JupyterLab on the
start notebook of their own pulled copy, the student edition (no solution, no answer key).
Then notebook 01 runs, cell by cell, in each user's own server, through the Jupyter server's
REST API and the kernel's websocket: every cell runs, nothing on stderr, and every cell the
student edition keeps as it is gives the stored outputs. The second user's server runs under
`ulimit -v 3000000`, as a hub that limits memory by address space runs it: there the charts
keep their spec and say why they have no static image (vl-convert cannot start its engine
under that limit: utils/charts.py).

It costs 40 s on a quiet 2-core machine (the hub, two JupyterLabs in Chromium, notebook 01
twice; 2 to 3 minutes while other work shares the cores), so it runs where COURSE_HUB=1 (.ci/run
sets it, after `course.setup("hub")` installs requirements-hub.lock) and is skipped, saying
so, elsewhere. Every process it starts (the hub, the proxy, the users' servers and kernels)
is stopped at the end, passed or failed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

import course
import editions.student
from tests.browser import (
    BLOCK_FLAGS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    ROOT,
    free_port,
    record_requests,
    require_chromium,
    screenshot,
)
from tests.test_browser_lite import comparable, differences
from utils.charts import NO_ROOM_NOTE

pytestmark = pytest.mark.browser

ENABLED = os.environ.get("COURSE_HUB") == "1"
HUB_DIR = Path(__file__).resolve().parent / "hub"
CACHE = ROOT / ".cache" / "hub"
README = ROOT / "README.md"
#: The README's link, with the placeholders a campus fills in.
LINK = re.compile(r"`(https://<hub>/hub/user-redirect/git-pull\?[^`]+)`")
#: The README's install line for the hub's image.
IMAGE = re.compile(r"`(pip install [^`]*-r requirements\.lock[^`]*)`")
NOTEBOOK = "notebooks/01-consensus-and-silence.ipynb"
#: The two users, and the address-space limit (KiB, as `ulimit -v` takes it) of each server.
USERS = {"alice": None, "bob": 3_000_000}
VEGALITE = "application/vnd.vegalite.v5+json"


def require_hub() -> None:
    """Skip unless COURSE_HUB=1; there, fail when something the hub needs is missing."""
    if not ENABLED:
        pytest.skip("the course on a real JupyterHub runs in CI only (40 s or more): set "
                    "COURSE_HUB=1 after `python3 -c \"import course; course.setup('hub')\"`")
    require_chromium()
    for tool in ("jupyterhub", "nbgitpuller"):
        try:
            metadata.version(tool)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{tool} is not installed: run `python3 -c \"import course; "
                        f"course.setup('hub')\"` (requirements-hub.lock)")
    if shutil.which("npm") is None or shutil.which("git") is None:
        pytest.fail("the hub test needs npm (for its proxy) and git (for nbgitpuller)")


def recipe() -> tuple[str, str]:
    """The README's nbgitpuller link and its install line for the hub's image."""
    text = README.read_text("utf-8")
    links, images = LINK.findall(text), IMAGE.findall(text)
    assert len(links) == 1 and len(images) == 1, "the README's hub recipe is not one link " \
                                                 "and one install line"
    return links[0], images[0]


def proxy() -> Path:
    """configurable-http-proxy, installed with `npm ci` from the pinned lock (once)."""
    binary = CACHE / "node_modules" / ".bin" / "configurable-http-proxy"
    lock = (HUB_DIR / "package-lock.json").read_bytes()
    if binary.exists() and (CACHE / "package-lock.json").read_bytes() == lock:
        return binary
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HUB_DIR / name, CACHE / name)
    subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=CACHE,
                   check=True, capture_output=True, timeout=300)
    return binary


def course_repository(where: Path) -> Path:
    """A bare repository holding this checkout's HEAD as `main` and its student edition as
    `student`, as `python3 course.py student --branch` makes it (nbgitpuller's source)."""
    bare = where / "alliance-decisions"  # no `.git`: nbgitpuller names the copy after it
    subprocess.run(["git", "init", "--quiet", "--bare", bare], check=True)
    # A CI checkout may be shallow; the copy then has the same one commit.
    subprocess.run(["git", "-C", bare, "config", "receive.shallowUpdate", "true"], check=True)
    subprocess.run(["git", "-C", ROOT, "push", "--quiet", bare, "HEAD:refs/heads/main"],
                   check=True)
    editions.student.commit_student_edition(bare)
    return bare


def request(url: str, token: str, method: str = "GET", body: Any = None) -> Any:
    """A JSON request to the hub or a user's server, with an API token."""
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(call, timeout=120) as response:
        text = response.read()
    return json.loads(text) if text else None


def process_tree(pid: int) -> list[Any]:
    """A process and all its descendants (the proxy, users' servers, their kernels)."""
    import psutil
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@contextmanager
def jupyterhub(state: Path) -> Iterator[dict[str, Any]]:
    """A running hub; yields its URL and the token of the test's service (an admin). Stops
    the hub, and kills whatever it started that outlives it, even when the test fails."""
    import psutil

    hub = {"url": f"http://127.0.0.1:{free_port()}", "token": secrets.token_hex(16)}
    env = {**os.environ, "COURSE_HUB_STATE": str(state),
           "COURSE_HUB_PORT": hub["url"].rsplit(":", 1)[1],
           "COURSE_HUB_API_PORT": str(free_port()), "COURSE_HUB_PROXY_API_PORT": str(free_port()),
           "COURSE_HUB_PROXY": str(proxy()), "COURSE_HUB_SERVICE_TOKEN": hub["token"],
           "COURSE_HUB_LIMITS": " ".join(f"{u}:{k}" for u, k in USERS.items() if k),
           # the users' servers are the image's (this environment's) Python
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    def stopped(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    # A test run stopped by SIGTERM (a CI job's timeout, say) still runs the clean-up below.
    previous = signal.signal(signal.SIGTERM, stopped)
    log = (state / "jupyterhub.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", HUB_DIR / "jupyterhub_config.py"],
        cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT)
    seen: dict[int, Any] = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                request(f"{hub['url']}/hub/api/", hub["token"])
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("JupyterHub did not start:\n"
                                + (state / "jupyterhub.log").read_text()[-3000:])
                time.sleep(0.5)
        hub["seen"] = seen
        hub["watch"] = lambda: seen.update((p.pid, p) for p in process_tree(process.pid))
        yield hub
    finally:
        seen.update((p.pid, p) for p in process_tree(process.pid))
        process.send_signal(signal.SIGTERM)  # the hub stops its proxy and users' servers
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        for leftover in seen.values():
            with suppress(psutil.NoSuchProcess):
                leftover.kill()
        signal.signal(signal.SIGTERM, previous)


def open_link(browser: Any, link: str, user: str) -> tuple[Any, list[str]]:
    """A new user follows the link: logs in, the hub starts their server, nbgitpuller pulls
    the course, JupyterLab opens the start notebook. Returns the page and the requests that
    left 127.0.0.1 (blocked)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    blocked = record_requests(context)
    page = context.new_page()
    page.goto(link)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "any password")
    page.click("[type=submit]")
    page.wait_for_url("**/lab/tree/**", timeout=240_000)
    page.locator(".jp-Notebook .jp-RenderedMarkdown h1").first.wait_for(timeout=120_000)
    return page, blocked


def run_notebook(server: str, token: str, path: str) -> list[dict[str, Any]]:
    """Run a notebook of a user's server cell by cell in a new kernel there (the REST API
    and the kernel's websocket, as JupyterLab does); returns its code cells, each with its
    source, the outputs it gave and its reply's status."""
    import websocket

    notebook = request(f"{server}/api/contents/{path}", token)["content"]
    session = request(f"{server}/api/sessions", token, "POST", {
        "path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}})
    channels = websocket.create_connection(
        f"ws{server[4:]}/api/kernels/{session['kernel']['id']}/channels",
        header=[f"Authorization: token {token}"], timeout=300)
    cells, session_id = [], uuid.uuid4().hex
    try:
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            message_id = uuid.uuid4().hex
            channels.send(json.dumps({
                "header": {"msg_id": message_id, "session": session_id, "username": "test",
                           "msg_type": "execute_request", "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": cell["source"], "silent": False, "store_history": True,
                            "user_expressions": {}, "allow_stdin": False,
                            "stop_on_error": True}}))
            outputs, status, idle = [], None, False
            while status is None or not idle:
                message = json.loads(channels.recv())
                kind, content = message["msg_type"], message["content"]
                # The server says so when the kernel dies (no reply would ever come).
                assert not (kind == "status" and content["execution_state"] in (
                    "restarting", "dead")), f"the kernel died in cell {cell.get('id')}"
                if message.get("parent_header", {}).get("msg_id") != message_id:
                    continue
                if kind == "execute_reply":
                    status = content["status"]
                elif kind == "status":
                    idle = content["execution_state"] == "idle"
                elif kind == "stream" and outputs and outputs[-1].get("name") == \
                        content["name"]:  # one output, as JupyterLab and nbclient show it
                    outputs[-1]["text"] += content["text"]
                elif kind in ("display_data", "execute_result", "stream", "error"):
                    outputs.append({"output_type": kind, **content})
            cells.append({"id": cell.get("id"), "source": cell["source"],
                          "outputs": outputs, "status": status})
    finally:
        channels.close()
        request(f"{server}/api/sessions/{session['id']}", token, "DELETE")
    return cells


def without_room(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored outputs as a server without room for vl-convert gives them: every chart's
    text says why it has no static image (the images themselves are not compared)."""
    return [{**output, "data": {**output["data"], "text/plain": "".join(
                output["data"]["text/plain"]) + "\n" + NO_ROOM_NOTE}}
            if VEGALITE in output.get("data", {}) else output for output in outputs]


def test_the_readme_recipe_on_a_real_hub(tmp_path: Path) -> None:
    require_hub()
    playwright_api = pytest.importorskip("playwright.sync_api")
    link, image = recipe()

    # The hub's image: this environment must hold what the recipe installs in one.
    locks = re.findall(r"-r (\S+\.lock)", image)
    assert "requirements-hub.lock" in locks, image
    wrong = []
    for lock in locks:
        for line in course.lock_pins((ROOT / lock).read_text()):
            pin = Requirement(line)
            if pin.marker is None or pin.marker.evaluate():
                (spec,) = pin.specifier
                if metadata.version(pin.name) != spec.version:
                    wrong.append(f"{pin.name}: {metadata.version(pin.name)} not {spec}")
    assert not wrong, f"this environment is not the recipe's image: {wrong}"
    assert metadata.version("alliance-decisions")  # the course itself
    settings = "python3 course.py lab-settings"
    assert image.endswith(f"&& {settings}"), image
    subprocess.run([sys.executable, *settings.split()[1:]], cwd=ROOT, check=True,
                   capture_output=True)

    bare = course_repository(tmp_path)
    state = tmp_path / "hub"
    state.mkdir()
    with jupyterhub(state) as hub:
        link = (link.replace("https://<hub>", hub["url"])
                .replace("<https URL of this repository>", bare.as_uri())
                .replace("<repository name>", bare.name))
        assert "<" not in link and "&branch=student&" in link, link
        expected = json.loads((ROOT / NOTEBOOK).read_text("utf-8"))
        stored = {c.get("id"): {"source": "".join(c["source"]), "outputs": c["outputs"],
                                "tags": c["metadata"].get("tags", [])}
                  for c in expected["cells"] if c["cell_type"] == "code"}
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=[*CHROMIUM_FLAGS, *BLOCK_FLAGS])
            try:
                for user, limit in USERS.items():
                    page, blocked = open_link(browser, link, user)
                    hub["watch"]()
                    screenshot(page, f"hub-{user}-1366x768")
                    assert page.url.endswith(
                        f"/user/{user}/lab/tree/{bare.name}/notebooks/00-start-here.ipynb")
                    assert not blocked, f"{user}'s JupyterLab reached beyond 127.0.0.1: " \
                                        f"{blocked}"
                    # the student edition: no solution, no answer key or class plan
                    copy = state / "home" / user / bare.name
                    pulled = sorted(copy.glob("notebooks/*.ipynb"))
                    assert len(pulled) == 6 and (copy / NOTEBOOK).exists()
                    for notebook in pulled:
                        tags = {t for c in json.loads(notebook.read_text("utf-8"))["cells"]
                                for t in c["metadata"].get("tags", [])}
                        assert not tags & {"solution", "answer-key"}, notebook.name

                    token = request(f"{hub['url']}/hub/api/users/{user}/tokens",
                                    hub["token"], "POST", {"note": "course hub test",
                                                           "expires_in": 3600})["token"]
                    cells = run_notebook(f"{hub['url']}/user/{user}", token,
                                         f"{bare.name}/{NOTEBOOK}")
                    hub["watch"]()
                    # JupyterLab asked this a second after opening, when nothing stopped it.
                    assert page.get_by_text("Would you like to get notified").count() == 0
                    stderr = [o for c in cells for o in c["outputs"]
                              if o.get("name") == "stderr" or o["output_type"] == "error"]
                    assert not stderr, f"{user}: {stderr[:2]}"
                    charts = [o for c in cells for o in c["outputs"]
                              if VEGALITE in o.get("data", {})]
                    assert charts, f"{user}: notebook 01 drew no chart"
                    # As in the browser edition's test: every cell the student edition keeps
                    # as it is gives the stored outputs (the blanks to fill and the checks
                    # of the student's answers differ by design).
                    same = [c for c in cells if c["id"] in stored and c["source"] == stored[
                        c["id"]]["source"] and "check" not in stored[c["id"]]["tags"]]
                    failed = [c["id"] for c in same if c["status"] != "ok"]
                    assert len(same) >= 10 and not failed, f"{user}: cells failed: {failed}"
                    found = []
                    for cell in same:
                        want = stored[cell["id"]]["outputs"]
                        want = want if limit is None else without_room(want)
                        found += differences(comparable(want), comparable(cell["outputs"]),
                                             f"{user} {cell['id']}")
                    assert not found, found[:5]
                    if limit is None:
                        assert all("image/svg+xml" in o["data"] for o in charts)
                    else:
                        assert not any("image/svg+xml" in o["data"] for o in charts)
            finally:
                browser.close()
    import psutil
    left = [p for p in hub["seen"].values()
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert len(hub["seen"]) >= 5 and not left, f"still running: {left}"
