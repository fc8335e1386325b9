"""Print the JupyterLite edition's size and speed figures (build/lite in headless Chromium).

    python3 scripts/bench_lite.py [NOTEBOOK ...]   default: notebook 01

- site size: every file of build/lite;
- first visit: the bytes a browser with an empty cache fetches to open the notebook and
  start its kernel (files as stored; a host that compresses sends less);
- kernel ready: from opening the page to the Pyodide kernel being idle;
- run all: every cell of the notebook, in the browser kernel;
- widget redraw: from a key press on the first slider to the changed text on the page.

Targets (issue 18): first visit < 45 MB, kernel ready < 30 s, redraw < 1.5 s.
Needs Debian's /usr/bin/chromium (or $COURSE_CHROMIUM) and Playwright; no browser is
downloaded, and every request that leaves 127.0.0.1 is blocked and counted.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import build_lite  # a sibling script: scripts/ is on sys.path
from playwright.sync_api import sync_playwright

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         # Everything but 127.0.0.1 goes to a dead proxy: the network is off.
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>;127.0.0.1"]
#: The text a notebook's output shows by default and after one step of its first slider.
SLIDERS = {"01-consensus-and-silence.ipynb": ("among 32 allies", "among 33 allies"),
           "02-decision-rules-and-voting-power.ipynb": ("32 allies in 2024",
                                                        "31 allies in 2023")}
KEYS = {"02-decision-rules-and-voting-power.ipynb": (1, "ArrowLeft")}
IDLE = """() => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = p && p.sessionContext && p.sessionContext.session
            && p.sessionContext.session.kernel;
  return !!k && k.status === 'idle'; }"""
ALL_RUN = """() => { const p = window.jupyterapp.shell.currentWidget;
  const cells = [...p.content.model.cells].filter(c => c.type === 'code');
  return p.sessionContext.session.kernel.status === 'idle'
         && cells.every(c => c.executionCount !== null); }"""


def report(name: str, value: float, unit: str, target: float | None = None) -> None:
    verdict = "    " if target is None else ("ok  " if value < target else "SLOW")
    goal = "" if target is None else f" (target < {target:g})"
    print(f"{verdict} lite: {name:52} {value:9.1f} {unit:3}{goal}", flush=True)


def site_bytes(site: Path) -> int:
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def measure(page: object, base: str, site: Path, name: str, fetched: set[str]) -> None:
    fetched.clear()
    start = time.monotonic()
    page.goto(base.format(path=name))
    page.wait_for_function(IDLE, timeout=900_000)
    report(f"{name[:2]} kernel ready", time.monotonic() - start, "s", 30)
    files = [site / unquote(path).lstrip("/") for path in fetched]
    download = sum(f.stat().st_size for f in files if f.is_file())
    report(f"{name[:2]} first visit download", download / 1e6, "MB", 45)
    start = time.monotonic()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_RUN, timeout=900_000)
    report(f"{name[:2]} run all cells", time.monotonic() - start, "s")
    if name in SLIDERS:
        before, after = SLIDERS[name]
        slider, key = KEYS.get(name, (0, "ArrowRight"))
        page.get_by_text(before).first.wait_for(timeout=60_000)
        handle = page.locator(".widget-slider .noUi-handle").nth(slider)
        handle.focus()
        start = time.monotonic()
        handle.press(key)
        page.get_by_text(after).first.wait_for(timeout=60_000)
        report(f"{name[:2]} widget redraw", time.monotonic() - start, "s", 1.5)


def main(names: list[str]) -> int:
    site = build_lite.OUT
    if not (site / "index.html").exists():
        build_lite.build()
    report("site size", site_bytes(site) / 1e6, "MB")
    httpd = build_lite.server(site)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/lab/index.html?path={{path}}"
    blocked: list[str] = []
    fetched: set[str] = set()

    def watch(request: object) -> None:
        url = request.url
        if url.startswith("http://127.0.0.1"):
            fetched.add(urlparse(url).path)
        elif not url.startswith(("data:", "blob:", "ws://127.0.0.1")):
            blocked.append(url)

    with sync_playwright() as playwright:
        for name in names or ["01-consensus-and-silence.ipynb"]:
            # A fresh browser per notebook: an empty cache, as on a first visit.
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            context = browser.new_context()
            context.on("request", watch)
            page = context.new_page()
            measure(page, base, site, name, fetched)
            browser.close()
    httpd.shutdown()
    print(f"     lite: requests blocked (must be none): {len(blocked)}")
    return 1 if blocked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
