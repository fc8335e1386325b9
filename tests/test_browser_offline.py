"""The browser tests' network block (tests.browser.offline_page) really blocks.

A page served from 127.0.0.1 asks for a file from the same server, the same server as
"localhost", an address elsewhere, an address that merely starts like 127.0.0.1, and a
WebSocket to another loopback address; only the first may arrive, the others must fail and
be recorded. A WebRTC connection's STUN packets to another address must not be sent at all.
Without Chromium's block, "localhost" would be reached and the STUN packet would arrive.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import offline_page, require_chromium

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.browser, pytest.mark.record]

PAGE = b"""<!doctype html><title>probe</title><script>
async function get(url) {  // (gives up after 10 s, as the WebSocket below: never hangs)
  try { await fetch(url, {mode: 'no-cors', signal: AbortSignal.timeout(10000)});
        return 'arrived'; }
  catch (e) { return 'failed'; }
}
window.results = (async () => ({
  same: await get('/data.txt'),
  localhost: await get('http://localhost:' + location.port + '/data.txt'),
  elsewhere: await get('http://192.0.2.1/cdn/vega.js'),
  lookalike: await get('http://127.0.0.10:' + location.port + '/data.txt'),
  socket: await new Promise(done => {
    const ws = new WebSocket('ws://127.0.0.2:' + location.port + '/ws');
    ws.onopen = () => done('arrived'); ws.onerror = () => done('failed');
    setTimeout(() => done('no answer'), 10000);
  }),
}))();
function stun(port) {
  const peer = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.2:' + port}]});
  peer.createDataChannel('x');
  peer.createOffer().then(offer => peer.setLocalDescription(offer));
  return new Promise(done => setTimeout(() => done('sent'), 1500));
}
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


@pytest.fixture
def probe_page() -> Iterator[tuple[Any, list[str], int]]:
    """The probe page open in an offline page: (page, blocked URLs, the server's port)."""
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with playwright_api.sync_playwright() as playwright, \
                offline_page(playwright) as (page, blocked):
            page.goto(f"http://127.0.0.1:{httpd.server_port}/")
            yield page, blocked, httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_only_127_0_0_1_is_reached_and_the_rest_is_recorded(probe_page: tuple) -> None:
    page, blocked, port = probe_page
    results = page.evaluate("() => window.results")
    assert results == {"same": "arrived", "localhost": "failed", "elsewhere": "failed",
                       "lookalike": "failed", "socket": "failed"}
    assert sorted(blocked) == sorted([
        "http://192.0.2.1/cdn/vega.js", f"http://localhost:{port}/data.txt",
        f"http://127.0.0.10:{port}/data.txt", f"ws://127.0.0.2:{port}/ws"])


def test_webrtc_sends_nothing_elsewhere(probe_page: tuple) -> None:
    page, _, _ = probe_page
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        try:
            listener.bind(("127.0.0.2", 0))
        except OSError:
            pytest.skip("this system has no loopback address 127.0.0.2 to stand for elsewhere")
        listener.settimeout(0.5)
        page.evaluate("(port) => stun(port)", listener.getsockname()[1])
        with pytest.raises(TimeoutError):
            listener.recvfrom(512)
