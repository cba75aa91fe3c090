"""fleece.raxauth's token check against a local stand-in for Rackspace Identity.

Run: uv run python benchmarks/auth.py

- `validate()`: 200 sequential checks with `fleece.raxauth.validate` (one kept-alive
  session per thread) vs fleece 1.x's check, `requests.get(TOKEN_URL, headers=...)`,
  which opens a new connection for every check.
- vs a reused `requests.Session`: the best a hand-written check can do, so the row
  shows what fleece's checks (token, status, JSON, retries, log redaction) cost.

The stand-in is an HTTP/1.1 keep-alive server on 127.0.0.1 in a child process; each
figure is the median of the repeats, fleece and the peer taking turns.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable

import requests
from _local_server import JSONHandler, serve, server_process
from _report import print_table, row, take_turns

from fleece.raxauth import validate

CHECKS = 200
REPEATS = 15
TOKEN = "a4f2b1c9d8e7f6a5b4c3d2e1f0a9b8c7"  # noqa: S105 - a made-up token
USERINFO = json.dumps({"access": {"token": {"id": TOKEN}, "user": {"name": "ann"}}})


class IdentityHandler(JSONHandler):
    def answer(self) -> bytes:
        return USERINFO.encode()


def timed(check: Callable[[], object]) -> float:
    """Wall seconds of ``CHECKS`` sequential token checks."""
    started = time.perf_counter()
    for _ in range(CHECKS):
        check()
    return time.perf_counter() - started


def medians(checks: list[Callable[[], object]]) -> list[float]:
    """Median wall seconds of each check, all taking turns after a warm-up."""
    for check in checks:
        timed(check)
    runs = take_turns([lambda check=check: timed(check) for check in checks], REPEATS)
    return [statistics.median(values) for values in runs]


def main() -> None:
    headers = {"X-Auth-Token": TOKEN, "Accept": "application/json"}
    with server_process(__file__) as base, requests.Session() as session:
        url = f"{base}/v2.0/tokens/{TOKEN}"

        def fleece_check() -> object:
            return validate(TOKEN, identity_url=base)

        def fleece_1x_check() -> object:
            return requests.get(url, headers=headers, timeout=5).json()

        def session_check() -> object:
            return session.get(url, headers=headers, timeout=5).json()

        ours, fleece_1x, reused = medians(
            [fleece_check, fleece_1x_check, session_check]
        )
    print("fleece.raxauth.validate vs 1.x's requests.get / a reused requests.Session")
    print_table(
        [
            row(f"{CHECKS} checks vs 1.x [ms]", ours * 1e3, fleece_1x * 1e3, "{:.1f}"),
            row(f"{CHECKS} checks vs Session [ms]", ours * 1e3, reused * 1e3, "{:.1f}"),
        ]
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve(IdentityHandler)
    else:
        main()
