"""Drive the built JupyterLite site in headless Chromium, offline (for its test and bench).

The browser is Debian's /usr/bin/chromium (or $COURSE_CHROMIUM), driven by Playwright; no
browser is downloaded. With :func:`offline_flags`, Chromium sends everything that is not
for 127.0.0.1 (``localhost`` by name included) to :func:`refusing_proxy`, which answers
403 and records the request: the page, its workers and its service worker reach nothing
else, and every attempt is on the record. (Playwright's own routing is no use here: it
bypasses the service worker that JupyterLite's kernel reaches its files through.)

Debian's Chromium also calls a few Google services of its own with no page open at all
(seen with about:blank and these flags: its component updater and its Google-account
check; once a page has a form, autofill). Those are refused and recorded like the rest,
and :func:`site_requests` leaves them out of what the site asked for.
"""

from __future__ import annotations

import os
import socketserver
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
#: How every browser test and benchmark starts Chromium: headless, none of its own services,
#: and shared memory in /tmp (a container's /dev/shm may be 64 MB, too small for a tab).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic",
                  "--disable-dev-shm-usage"]
#: Chromium's own services (the hosts of the requests it makes with no page open).
CHROMIUM_SERVICES = frozenset({"update.googleapis.com", "accounts.google.com",
                               "content-autofill.googleapis.com"})
KERNEL_TIMEOUT = 600_000  # ms: Pyodide compiles 10 MB of WebAssembly per kernel
REDRAW_TIMEOUT = 60_000

KERNEL_IDLE = """() => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = p && p.sessionContext && p.sessionContext.session
            && p.sessionContext.session.kernel;
  return !!k && k.status === 'idle'; }"""
#: Marks the notebook's first widget cell that draws a chart (an "explore";
#: data-lite-test="widget"); returns the indices of its imports cell (the first code cell),
#: of that widget cell, and of the widget cells before it (a notebook may first collect
#: values unscored and chart them only later, as 05's forecasts do).
MARK_CELLS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [...panel.content.model.cells];
  const imports = cells.findIndex(c => c.type === 'code');
  const shows = cells.map((c, i) => [c, i]).filter(([c]) => c.type === 'code'
      && c.sharedModel.getSource().includes('widgets.show(')).map(([, i]) => i);
  const charted = shows.find(i => cells[i].sharedModel.getSource().includes('.explore,'));
  const widget = charted === undefined ? (shows.length ? shows[0] : -1) : charted;
  if (widget >= 0) panel.content.widgets[widget].node.setAttribute('data-lite-test', 'widget');
  return [imports, widget, shows.filter(i => i < widget)];
}"""
#: The first line of every page script here (and in the browser tests) that awaits the
#: page: `patience()` settles after a minute, and each await races it, so a promise the page
#: never settles cannot hang a test (whose own wait then fails with a timeout, saying where).
PATIENCE = "const patience = () => new Promise(done => setTimeout(done, 60000));"
RUN_CELLS = """async (indices) => {
  """ + PATIENCE + """
  const panel = window.jupyterapp.shell.currentWidget;
  for (const index of indices) {
    panel.content.activeCellIndex = index;
    await Promise.race([window.jupyterapp.commands.execute('notebook:run-cell'), patience()]);
  }
}"""
#: Whether the kernel is idle and the given cells (every code cell: null) have run.
RAN = """(indices) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [...panel.content.model.cells];
  const wanted = indices === null ? cells.filter(c => c.type === 'code')
                                  : indices.map(i => cells[i]);
  return !!kernel && kernel.status === 'idle'
         && wanted.every(c => c.executionCount !== null);
}"""
#: Scrolls the marked widget cell to the top of the notebook (a cell out of view is not
#: drawn: JupyterLab windows a long notebook).
SHOW_WIDGET = """async () => {
  """ + PATIENCE + """
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const index = notebook.widgets.findIndex(
    w => w.node.getAttribute('data-lite-test') === 'widget');
  notebook.activeCellIndex = index;
  await Promise.race([notebook.scrollToItem(index, 'start'), patience()]);
}"""
COUNT_MARKS = """() => [...document.querySelectorAll('.jp-Notebook .vega-embed')]
  .map(c => c.querySelectorAll('svg g.role-mark > *').length)"""
#: The widget cell's charts as drawn (SVG), to tell a redraw.
CHARTS = """() => [...document.querySelectorAll('[data-lite-test=widget] .vega-embed svg')]
  .map(svg => svg.outerHTML).join('\\n')"""
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
WIDGET_ERROR = "Error displaying widget"


class _Refuse(socketserver.StreamRequestHandler):
    """Records a request's first line ("CONNECT host:443 ...", "GET http://...") and
    answers 403."""

    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            self.server.refused.append(line)
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")


def refusing_proxy() -> socketserver.ThreadingTCPServer:
    """A proxy on 127.0.0.1 (any free port) that refuses every request; its ``refused``
    lists them. Serve it in a thread."""
    proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Refuse)
    proxy.daemon_threads = True
    proxy.refused = []
    return proxy


def offline_flags(proxy: socketserver.TCPServer) -> list[str]:
    """Chromium's flags for "everything but 127.0.0.1 goes to `proxy`" (``<-loopback>``
    drops Chromium's own exception for ``localhost``)."""
    return [f"--proxy-server=http://127.0.0.1:{proxy.server_address[1]}",
            "--proxy-bypass-list=<-loopback>;127.0.0.1",
            "--webrtc-ip-handling-policy=disable_non_proxied_udp"]  # no UDP around it


def host(line: str) -> str:
    """The host a proxy request line is for."""
    target = line.split()[1] if len(line.split()) > 1 else line
    return target.split("://")[-1].split("/")[0].rsplit(":", 1)[0].lower()


def site_requests(refused: list[str]) -> list[str]:
    """The refused requests that were not Chromium's own service calls."""
    return [line for line in refused if host(line) not in CHROMIUM_SERVICES]


def open_notebook(page: Any, base: str, name: str) -> float:
    """Opens a notebook of the site; returns the seconds until its kernel was idle."""
    start = time.monotonic()
    page.goto(base.format(path=name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_TIMEOUT)
    return time.monotonic() - start


def run(page: Any, everything: bool) -> float:
    """Runs every cell (`everything`), or the imports cell and the first widget cell,
    which it marks and scrolls into view; returns the seconds the cells took."""
    imports, widget, before = page.evaluate(MARK_CELLS)
    if imports < 0 or widget < 0:
        raise AssertionError("no imports cell or no widget cell")
    start = time.monotonic()
    if everything:
        page.evaluate("() => { window.jupyterapp.commands.execute("
                      "'notebook:run-all-cells'); }")
        page.wait_for_function(RAN, arg=None, timeout=KERNEL_TIMEOUT)
    else:
        page.evaluate(RUN_CELLS, [imports, *before, widget])
        page.wait_for_function(RAN, arg=[imports, *before, widget], timeout=KERNEL_TIMEOUT)
    seconds = time.monotonic() - start
    page.evaluate(SHOW_WIDGET)
    return seconds


def redraw(page: Any, before: str, after: str, act: Callable[[Any], None]) -> float:
    """Waits for `before` in the widget cell, does `act` to it, and waits for `after` and
    a changed chart there; returns the seconds from the act to the redraw."""
    cell = page.locator("[data-lite-test=widget]")
    cell.get_by_text(before).first.wait_for(timeout=REDRAW_TIMEOUT)
    charts = page.evaluate(CHARTS)
    start = time.monotonic()
    act(cell)
    cell.get_by_text(after).first.wait_for(timeout=REDRAW_TIMEOUT)
    if charts:
        page.wait_for_function(f"(old) => ({CHARTS})() !== old", arg=charts,
                               timeout=REDRAW_TIMEOUT)
    return time.monotonic() - start


def slider(index: int, key: str) -> Callable[[Any], None]:
    """Moves the cell's `index`-th slider one step with a key, as a keyboard user does."""
    def act(cell: Any) -> None:
        handle = cell.locator(".widget-slider .noUi-handle").nth(index)
        handle.focus()
        handle.press(key)
    return act


def choice(label: str, option: str) -> Callable[[Any], None]:
    """Chooses `option` in the cell's drop-down labelled `label`."""
    def act(cell: Any) -> None:
        cell.locator(".widget-dropdown", has_text=label).locator("select").select_option(
            label=option)
    return act
