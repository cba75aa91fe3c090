"""What a hostile environment does to tracing: it still never costs the function.

A daemon address that does not resolve, a 30 MB argument, a root logger at DEBUG and
deep recursion, on both backends where they apply.
"""

from __future__ import annotations

import json
import time
from typing import Any

HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_an_unresolvable_daemon_address_warns_once_and_resolves_once(
    scenarios: Any,
) -> None:
    """nonexistent-host.invalid (a real DNS failure): one warning, one lookup."""
    code = """
        import json, logging, socket

        lookups = []
        real_getaddrinfo = socket.getaddrinfo
        def counting_getaddrinfo(host, *args, **kwargs):
            lookups.append(host)
            return real_getaddrinfo(host, *args, **kwargs)
        socket.getaddrinfo = counting_getaddrinfo

        from fleece.xray import put_annotation, trace_xray_subsegment

        @trace_xray_subsegment
        def handler(n):
            put_annotation("n", n)
            return n

        results = [handler(n) for n in range(100)]
        print(json.dumps([sum(results), lookups]))
    """
    env = {
        "LAMBDA_TASK_ROOT": "/var/task",
        "_X_AMZN_TRACE_ID": HEADER,
        "AWS_XRAY_DAEMON_ADDRESS": "nonexistent-host.invalid:2000",
    }
    started = time.monotonic()
    outcome = scenarios.run(code, env)

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.result() == [4950, ["nonexistent-host.invalid"]]
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert "nonexistent-host.invalid:2000" in lines[0]
    assert time.monotonic() - started < 30  # 100 lookups took 10 s before


def test_a_30_mb_argument_is_cut_without_being_copied_whole(on_backend: Any) -> None:
    """An argument's repr is built only up to its 1 KiB cut: memory stays low."""
    code = """
        import json, os, sys, tracemalloc
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        def upload(payload, *, parts):
            return len(payload)

        payload = b"x" * 30_000_000
        parts = ["y" * 10_000_000]
        upload(b"warm-up", parts=[])
        tracemalloc.start()
        size = upload(payload, parts=parts)
        peak = tracemalloc.get_traced_memory()[1]
        print(json.dumps([size, peak]))
        sys.stdout.flush()
        os._exit(0)
    """
    outcome, received = on_backend.run(code)

    assert outcome.returncode == 0, outcome.stderr
    size, peak = outcome.result()
    assert size == 30_000_000
    assert peak < 5_000_000  # the whole repr alone would be 120 MB
    if on_backend.backend == "xray-sdk":
        recorded = received[-1]["metadata"]["default"]
    else:
        recorded = json.loads(received[-1].attributes["aws.xray.metadata.default"])
    (payload,) = recorded["args"]
    assert payload.startswith("b'xxxx")
    assert payload.endswith("...")
    assert len(payload) == 1024
    assert recorded["kwargs"]["parts"].startswith("['yyyy")
    assert len(recorded["kwargs"]["parts"]) == 1024


def test_a_root_logger_at_debug_gets_no_line_from_tracing(on_backend: Any) -> None:
    """setup_root_logger() at DEBUG: traced calls, SDK and exporter log no line."""
    code = """
        import logging, os, sys
        from fleece.log import setup_root_logger
        setup_root_logger(logging.DEBUG, stream=sys.stderr)  # JSON lines, at DEBUG
        from fleece.xray import put_annotation, put_metadata, trace_xray_subsegment

        @trace_xray_subsegment
        def handler(n):
            put_annotation("n", n)
            put_metadata("m", {"n": n})
            return n

        for n in range(5):
            handler(n)
        sys.stdout.flush()
        os._exit(0)
    """
    outcome, received = on_backend.run(code)

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stderr == ""
    assert len(received) == 5


def test_a_traced_recursion_reaches_half_the_recursion_limit(on_backend: Any) -> None:
    """Each decorated call adds one frame: 450 traced levels fit in Python's 1000."""
    code = """
        import json, os, sys
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        def depth(n):
            return 0 if n == 0 else depth(n - 1) + 1

        print(json.dumps([sys.getrecursionlimit(), depth(450)]))
        sys.stdout.flush()
        os._exit(0)
    """
    outcome, received = on_backend.run(code)

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stderr == ""
    assert outcome.result() == [1000, 450]
    assert len(received) == 451
