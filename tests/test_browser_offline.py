"""The browser tests' network block (tests.browser.offline_page) really blocks.

A page served from 127.0.0.1 asks for three things: a file from the same server, the same
server as "localhost", and an address elsewhere. Only the first may arrive; the other two
must fail and be recorded. Without Chromium's block, "localhost" would be reached.
"""

from __future__ import annotations

import http.server
import threading
from typing import Any

import pytest

from tests.browser import offline_page, require_chromium

pytestmark = pytest.mark.browser

PAGE = b"""<!doctype html><title>probe</title><script>
async function get(url) {
  try { await fetch(url, {mode: 'no-cors'}); return 'arrived'; }
  catch (e) { return 'failed'; }
}
window.results = (async () => ({
  same: await get('/data.txt'),
  localhost: await get('http://localhost:' + location.port + '/data.txt'),
  elsewhere: await get('http://192.0.2.1/cdn/vega.js'),
}))();
</script>"""


class Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGE if self.path == "/" else b"local data"
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if self.path == "/" else "text/plain")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_only_127_0_0_1_is_reached_and_the_rest_is_recorded() -> None:
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with playwright_api.sync_playwright() as playwright, \
                offline_page(playwright) as (page, blocked):
            page.goto(f"http://127.0.0.1:{httpd.server_port}/")
            results = page.evaluate("() => window.results")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert results == {"same": "arrived", "localhost": "failed", "elsewhere": "failed"}
    assert sorted(blocked) == ["http://192.0.2.1/cdn/vega.js",
                               f"http://localhost:{httpd.server_port}/data.txt"]
