"""fleece.requests against requests: sequential GETs to a local keep-alive server.

Run: uv run python benchmarks/http_calls.py

(Not named http.py: a script's folder comes first on sys.path, so a benchmarks/http.py
would stand in for the standard library's `http` package in every script here.)

- module-level: 200 sequential `fleece.requests.get` vs `requests.get` (which opens a
  new connection, and a new Session, for every call; fleece reuses its thread's).
- Session: 200 sequential `session.get` on a `fleece.requests.Session` vs a
  `requests.Session` (both reuse the connection; this is fleece's own overhead).

The server is an HTTP/1.1 keep-alive server on 127.0.0.1 with Nagle's algorithm
disabled, so that delayed ACKs do not add ~40 ms per reply. Each figure is the median
of the repeats, fleece and requests measured alternately.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from fleece import requests as fleece_requests

CALLS = 200
REPEATS = 7
BODY = b'{"ok": true}'


class KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:
        pass


def seconds_for(get: Callable[[str], object], url: str) -> float:
    start = time.perf_counter()
    for _ in range(CALLS):
        get(url)
    return time.perf_counter() - start


def compare(
    fleece_get: Callable[[str], object], peer_get: Callable[[str], object], url: str
) -> tuple[float, float]:
    """Median seconds of ``CALLS`` GETs for each, measured alternately."""
    seconds_for(fleece_get, url)
    seconds_for(peer_get, url)
    fleece_runs, peer_runs = [], []
    for _ in range(REPEATS):
        fleece_runs.append(seconds_for(fleece_get, url))
        peer_runs.append(seconds_for(peer_get, url))
    return statistics.median(fleece_runs), statistics.median(peer_runs)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    rows = []
    try:
        fleece_s, peer_s = compare(fleece_requests.get, requests.get, url)
        rows.append((f"{CALLS} x get(), module-level [ms]", fleece_s, peer_s))
        with fleece_requests.Session() as ours, requests.Session() as theirs:
            fleece_s, peer_s = compare(ours.get, theirs.get, url)
        rows.append((f"{CALLS} x Session.get() [ms]", fleece_s, peer_s))
    finally:
        server.shutdown()
        server.server_close()
    print("fleece.requests vs requests (peer)")
    print(f"{'metric':<34} | {'fleece':>8} | {'peer':>8} | {'ratio':>5}")
    print(f"{'-' * 34}-|-{'-' * 8}-|-{'-' * 8}-|-{'-' * 5}")
    for metric, fleece_value, peer_value in rows:
        print(
            f"{metric:<34} | {fleece_value * 1000:8.1f} | {peer_value * 1000:8.1f} | "
            f"{fleece_value / peer_value:5.2f}"
        )


if __name__ == "__main__":
    main()
