"""fleece.requests against requests: sequential GETs to a local keep-alive server.

Run: uv run python benchmarks/http_calls.py

(Not named http.py: a script's folder comes first on sys.path, so a benchmarks/http.py
would stand in for the standard library's `http` package in every script here.)

- module-level: 200 sequential `fleece.requests.get` vs `requests.get` (which opens a
  new connection, and a new Session, for every call; fleece reuses its thread's).
- Session: 200 sequential `session.get` on a `fleece.requests.Session` vs a
  `requests.Session` (both reuse the connection; this is fleece's own overhead).

The server is an HTTP/1.1 keep-alive server on 127.0.0.1 with Nagle's algorithm
disabled, so that delayed ACKs do not add ~40 ms per reply; it runs in a child process
(this script with --serve) so that it does not share the client's GIL. Each figure is
the median of the repeats, fleece and requests measured alternately.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from fleece import requests as fleece_requests

CALLS = 200
REPEATS = 9
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


def timed(get: Callable[[str], object], url: str) -> tuple[float, float]:
    """Wall and client-CPU seconds of ``CALLS`` sequential GETs."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(CALLS):
        get(url)
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(
    fleece_get: Callable[[str], object], peer_get: Callable[[str], object], url: str
) -> list[tuple[str, float, float]]:
    """Median wall and CPU seconds for each, measured alternately."""
    timed(fleece_get, url)
    timed(peer_get, url)
    fleece_runs, peer_runs = [], []
    for _ in range(REPEATS):
        fleece_runs.append(timed(fleece_get, url))
        peer_runs.append(timed(peer_get, url))
    return [
        (
            kind,
            statistics.median(run[index] for run in fleece_runs),
            statistics.median(run[index] for run in peer_runs),
        )
        for index, kind in enumerate(["wall", "client CPU"])
    ]


def serve() -> None:
    """Serve until stdin closes, after printing the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()


def main() -> None:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    assert server.stdin is not None
    url = f"http://127.0.0.1:{int(server.stdout.readline())}/"
    rows = []
    try:
        for kind, fleece_s, peer_s in compare(fleece_requests.get, requests.get, url):
            rows.append((f"{CALLS} x get(), {kind} [ms]", fleece_s, peer_s))
        with fleece_requests.Session() as ours, requests.Session() as theirs:
            for kind, fleece_s, peer_s in compare(ours.get, theirs.get, url):
                rows.append((f"{CALLS} x Session.get(), {kind} [ms]", fleece_s, peer_s))
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    print("fleece.requests vs requests (peer)")
    print(f"{'metric':<38} | {'fleece':>8} | {'peer':>8} | {'ratio':>5}")
    print(f"{'-' * 38}-|-{'-' * 8}-|-{'-' * 8}-|-{'-' * 5}")
    for metric, fleece_value, peer_value in rows:
        print(
            f"{metric:<38} | {fleece_value * 1000:8.1f} | {peer_value * 1000:8.1f} | "
            f"{fleece_value / peer_value:5.2f}"
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        main()
