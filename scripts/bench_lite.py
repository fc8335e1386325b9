"""Print the JupyterLite edition's size and speed figures (build/lite in headless Chromium).

    python3 scripts/bench_lite.py [NOTEBOOK ...]   default: notebooks 01 and 02

- site size: every file of build/lite;
- first visit: the bytes a browser with an empty cache fetches to open the notebook and
  start its kernel (files as stored; a host that compresses sends less);
- kernel ready: from opening the page to the Pyodide kernel being idle;
- run all: every cell of the notebook, in the browser kernel;
- widget redraw: from a key press on a slider (or a choice in a drop-down) to the changed
  text and chart on the page, for notebook 01's allies slider and notebook 02's rule
  selector and year slider.

Targets (what a student on a campus network can wait for): first visit < 45 MB, kernel
ready < 30 s, redraw < 1.5 s.
Needs Debian's /usr/bin/chromium (or $COURSE_CHROMIUM) and Playwright; no browser is
downloaded, and every request that leaves 127.0.0.1 is refused and counted (Chromium's
own service calls apart, see scripts/lite_browser.py).
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import lite_browser as lb
from playwright.sync_api import sync_playwright

from editions import lite

DEFAULT = ["01-consensus-and-silence.ipynb", "02-decision-rules-and-voting-power.ipynb"]
#: Each notebook's widgets: (what, the text before, the text after, how to move it).
WIDGETS = {
    "01-consensus-and-silence.ipynb": [
        ("allies slider", "among 32 allies", "among 33 allies", lb.slider(0, "ArrowRight"))],
    "02-decision-rules-and-voting-power.ipynb": [
        ("rule selector", "Consensus (NATO's rule), 32 allies in 2024",
         "Weighted by population, 32 allies in 2024",
         lb.choice("Rule", "Weighted by population")),
        ("year slider", "32 allies in 2024", "31 allies in 2023", lb.slider(1, "ArrowLeft"))],
}


def report(name: str, value: float, unit: str, target: float | None = None) -> None:
    verdict = "    " if target is None else ("ok  " if value < target else "SLOW")
    goal = "" if target is None else f" (target < {target:g})"
    print(f"{verdict} lite: {name:52} {value:9.1f} {unit:3}{goal}", flush=True)


def site_bytes(site: Path) -> int:
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def measure(page: object, base: str, site: Path, name: str, fetched: set[str]) -> None:
    fetched.clear()
    report(f"{name[:2]} kernel ready", lb.open_notebook(page, base, name), "s", 30)
    files = [site / unquote(path).lstrip("/") for path in fetched]
    download = sum(f.stat().st_size for f in files if f.is_file())
    report(f"{name[:2]} first visit download", download / 1e6, "MB", 45)
    report(f"{name[:2]} run all cells", lb.run(page, everything=True), "s")
    for what, before, after, act in WIDGETS.get(name, []):
        report(f"{name[:2]} widget redraw: {what}", lb.redraw(page, before, after, act),
               "s", 1.5)


def main(names: list[str]) -> int:
    site = lite.OUT
    if not (site / "index.html").exists():
        print("     lite: build/lite is not built (`python3 course.py lite`): no figures")
        return 0
    if lite.built_from() != lite.inputs_digest():
        try:
            lite.build()  # from the cached inputs
        except (lite.BuildError, lite.subprocess.CalledProcessError) as error:
            print(f"     lite: build/lite is out of date and could not be rebuilt: {error}")
            return 1
    report("site size", site_bytes(site) / 1e6, "MB")
    httpd, proxy = lite.server(site), lb.refusing_proxy()
    for server in (httpd, proxy):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/lab/index.html?path={{path}}"
    fetched: set[str] = set()
    seen: list[str] = []

    def watch(request: object) -> None:
        url = request.url
        if url.startswith("http://127.0.0.1"):
            fetched.add(urlparse(url).path)
        elif not url.startswith(("data:", "blob:", "ws://127.0.0.1")):
            seen.append(url)

    with sync_playwright() as playwright:
        for name in names or DEFAULT:
            # A fresh browser per notebook: an empty cache, as on a first visit.
            browser = playwright.chromium.launch(
                executable_path=str(lb.CHROMIUM),
                args=[*lb.CHROMIUM_FLAGS, *lb.offline_flags(proxy)])
            context = browser.new_context(viewport={"width": 1280, "height": 1600})
            context.on("request", watch)
            measure(context.new_page(), base, site, name, fetched)
            browser.close()
            time.sleep(0.5)  # let the proxy note the last refusals
    for server in (httpd, proxy):
        server.shutdown()
        server.server_close()
    blocked = [*seen, *lb.site_requests(proxy.refused)]
    own = len(proxy.refused) - len(lb.site_requests(proxy.refused))
    print(f"     lite: requests from the site that left 127.0.0.1 (must be none): "
          f"{len(blocked)}; Chromium's own service calls refused: {own}")
    for line in blocked[:10]:
        print(f"     lite:   {line}")
    return 1 if blocked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
