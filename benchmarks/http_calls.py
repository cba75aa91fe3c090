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
the median of the repeats, fleece and requests taking turns.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import requests
from _local_server import JSONHandler, serve, server_process
from _report import print_table, row, take_turns

from fleece import requests as fleece_requests

CALLS = 200
REPEATS = 9
BODY = b'{"ok": true}'


class OkHandler(JSONHandler):
    def answer(self) -> bytes:
        return BODY


def timed(get: Callable[[str], object], url: str) -> tuple[float, float]:
    """Wall and client-CPU seconds of ``CALLS`` sequential GETs."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(CALLS):
        get(url)
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(
    fleece_get: Callable[[str], object], peer_get: Callable[[str], object], url: str
) -> list[tuple[str, float, float]]:
    """Median wall and CPU seconds for each, the two taking turns."""
    timed(fleece_get, url)
    timed(peer_get, url)
    fleece_runs, peer_runs = take_turns(
        [lambda: timed(fleece_get, url), lambda: timed(peer_get, url)], REPEATS
    )
    return [
        (
            kind,
            statistics.median(run[index] for run in fleece_runs),
            statistics.median(run[index] for run in peer_runs),
        )
        for index, kind in enumerate(["wall", "client CPU"])
    ]


def main() -> None:
    rows = []
    with server_process(__file__) as base:
        url = base + "/"
        for kind, fleece_s, peer_s in compare(fleece_requests.get, requests.get, url):
            rows.append((f"{CALLS} x get(), {kind} [ms]", fleece_s, peer_s))
        with fleece_requests.Session() as ours, requests.Session() as theirs:
            for kind, fleece_s, peer_s in compare(ours.get, theirs.get, url):
                rows.append((f"{CALLS} x Session.get(), {kind} [ms]", fleece_s, peer_s))
    print("fleece.requests vs requests (peer)")
    print_table(
        [
            row(metric, fleece * 1e3, peer * 1e3, "{:.1f}")
            for metric, fleece, peer in rows
        ]
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve(OkHandler)
    else:
        main()
