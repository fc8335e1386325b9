"""Headless Chromium and a private JupyterLab for the browser tests.

The browser is Debian's /usr/bin/chromium (or $COURSE_CHROMIUM), driven by Playwright;
no browser is ever downloaded. Every request that leaves 127.0.0.1 is blocked and
recorded, so a chart that needs a CDN fails the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.scripts import script

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "screenshots"
_lite_browser = script("lite_browser")  # the one place Chromium's binary and flags are set
CHROMIUM, CHROMIUM_FLAGS = _lite_browser.CHROMIUM, _lite_browser.CHROMIUM_FLAGS


def require_chromium() -> None:
    """Skip (or, where COURSE_REQUIRE_BROWSER=1, fail) when Chromium is absent."""
    if CHROMIUM.exists():
        return
    reason = (f"no Chromium at {CHROMIUM}: install Debian's 'chromium' package or set "
              "COURSE_CHROMIUM to a Chromium binary to run the browser tests")
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


#: The QR code reader (Debian's zbar-tools) the projector's codes are checked with.
ZBARIMG = Path(shutil.which("zbarimg") or "/usr/bin/zbarimg")


def require_zbarimg() -> None:
    """Skip (or, where COURSE_REQUIRE_BROWSER=1, fail) when zbarimg is absent."""
    if ZBARIMG.exists():
        return
    reason = ("no zbarimg to read QR codes with: install Debian's 'zbar-tools' package to "
              "check that the council's codes scan")
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyterlab(workdir: Path) -> Iterator[str]:
    """A JupyterLab serving `workdir` on localhost; yields its base URL with the token."""
    port, token = free_port(), "browser-test-token"
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR",
                 "JUPYTER_RUNTIME_DIR"):
        env[name] = str(workdir / ".jupyter" / name.lower())
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={workdir}", "--LabApp.expose_app_in_browser=True",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (workdir / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("JupyterLab did not start: "
                                       + (workdir / "jupyterlab.log").read_text()) from None
                time.sleep(0.3)
        yield f"{base}/lab/tree/{{path}}?token={token}&reset"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def copy_course(destination: Path) -> Path:
    """A throwaway copy of the notebooks, so running them never touches the real files."""
    shutil.copytree(ROOT / "notebooks", destination / "notebooks")
    return destination / "notebooks"


#: Chromium's own block: every request that is not for 127.0.0.1 goes to a dead proxy (a
#: port this process holds open and never answers) and fails, and WebRTC may send no UDP
#: outside that proxy. (Routing each request through Playwright instead made every
#: JupyterLab page load seconds slower, and bypasses service workers, which JupyterLite
#: needs.)
_DEAD = socket.socket()
_DEAD.bind(("127.0.0.1", 0))  # bound, never listening: a connection to it is refused
BLOCK_FLAGS = [f"--proxy-server=http://127.0.0.1:{_DEAD.getsockname()[1]}",
               "--proxy-bypass-list=<-loopback>;127.0.0.1",
               "--webrtc-ip-handling-policy=disable_non_proxied_udp"]


def is_local(url: str) -> bool:
    """Whether a request stays on this machine: 127.0.0.1 exactly, or data in the page."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("data", "blob", "file") or (
        parts.scheme in ("http", "https", "ws", "wss") and parts.hostname == "127.0.0.1")


def record_requests(context: Any) -> list[str]:
    """The URLs of every request and WebSocket that the pages of a browser context make to
    anything but 127.0.0.1 (blocked by :data:`BLOCK_FLAGS`), as they are made."""
    blocked: list[str] = []

    def watch(url: str) -> None:
        if not is_local(url):
            blocked.append(url)

    context.on("request", lambda request: watch(request.url))
    context.on("page", lambda page: page.on("websocket", lambda ws: watch(ws.url)))
    return blocked


@contextmanager
def offline_page(playwright: Any) -> Iterator[tuple[Any, list[str]]]:
    """A Chromium page that may only load local files and talk to 127.0.0.1; yields it and
    the URLs it tried to reach elsewhere (all blocked)."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                         args=[*CHROMIUM_FLAGS, *BLOCK_FLAGS])
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 1600})
        blocked = record_requests(context)
        yield context.new_page(), blocked
    finally:
        browser.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
