"""fleece.xray against aws-xray-sdk's own ``xray_recorder.capture``.

Run: uv run python benchmarks/xray.py

- sampled call: one call of a decorated function inside a sampled Lambda trace
  (``LAMBDA_TASK_ROOT``, ``_X_AMZN_TRACE_ID=...;Sampled=1``), the subsegment built,
  serialised and sent over UDP to a local listener; fleece with ``skip_args=True`` (the
  same work as ``capture``) and with its default argument metadata.
- inactive call: the same with no trace header (code run outside a trace); the plain
  call's cost is given too. aws-xray-sdk logs a warning on every such call; its logger
  is silenced for the measurement.
- import: wall time of ``python -c "<import>"`` minus ``python -c pass``, median of
  repeats; fleece.xray loads aws-xray-sdk only once something is traced, so the cost
  of importing it, decorating and making a first traced call is measured as well.

OpenTelemetry backend (``FLEECE_XRAY_BACKEND=otel``, spans exported over OTLP/HTTP to
a local collector stand-in run in a child process):

- sampled call: a decorated call (``skip_args=True``, and with argument metadata) vs
  a bare ``tracer.start_as_current_span`` around the same function, on the same
  tracer provider, both inside an open invocation span (so neither flushes per call);
- inactive call: the decorated call with no trace header, OpenTelemetry loaded;
- import + decorate + first traced call in Lambda, export included, vs the same on
  aws-xray-sdk; and the same in a function that has imported boto3 and requests
  already (most do), which both backends' stacks build on.

Every row is the median of several repeats, measured in this one run.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from _local_server import JSONHandler, serve, server_process
from _report import bytecode_env, medians_in_turns, overheads, print_table, row

TRACE_HEADER = (
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
)
CALLS = 500
INACTIVE_CALLS = 50_000
REPEATS = 11
IMPORT_REPEATS = 5


def start_daemon() -> str:
    """A UDP listener that reads and drops datagrams; returns its address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))

    def drain() -> None:
        while True:
            sock.recv(65536)

    threading.Thread(target=drain, daemon=True).start()
    host, port = sock.getsockname()
    return f"{host}:{port}"


def lambda_env(daemon: str) -> dict[str, str]:
    return {
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_XRAY_DAEMON_ADDRESS": daemon,
        "_X_AMZN_TRACE_ID": TRACE_HEADER,
    }


def seconds_per_call(function: Callable[..., Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function(7, name="x")
    return (time.perf_counter() - start) / calls


def per_call(functions: dict[str, Callable[..., Any]], calls: int) -> dict[str, float]:
    """Median seconds per call of each ``function(7, name="x")``, taking turns."""
    medians = medians_in_turns(
        [functools.partial(seconds_per_call, f, calls) for f in functions.values()],
        REPEATS,
    )
    return dict(zip(functions, medians, strict=True))


def run_python(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - start


def import_overheads(cases: list[tuple[str, dict[str, str]]]) -> list[float]:
    """Median seconds of each snippet in a fresh interpreter, minus bare startup."""
    return overheads(
        [functools.partial(run_python, code, env) for code, env in cases],
        functools.partial(run_python, "pass", dict(os.environ)),
        IMPORT_REPEATS,
    )


def unit_row(
    metric: str, fleece: float, peer: float, unit: str
) -> tuple[str, str, str, str]:
    scale = {"µs": 1e6, "ms": 1e3}[unit]
    return row(metric, fleece * scale, peer * scale, "{:.2f} " + unit)


class CollectorHandler(JSONHandler):
    """Takes OTLP exports and answers 200, as a collector that keeps up would."""

    def answer(self) -> bytes:
        return b""


def otel_rows(
    work: Callable[..., Any], clean_env: dict[str, str], daemon: str, collector: str
) -> list[tuple[str, str, str, str]]:
    """The OpenTelemetry backend's figures (see the module docstring)."""
    from opentelemetry import trace

    from fleece.xray import configure, trace_xray_subsegment

    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector
    os.environ["_X_AMZN_TRACE_ID"] = TRACE_HEADER
    configure(backend="otel")
    fleece_skip = trace_xray_subsegment(skip_args=True)(work)
    fleece_args = trace_xray_subsegment(work)
    fleece_skip(0, name="load")  # installs the provider, exports once
    tracer = trace.get_tracer("bench")

    def bare(n: int, name: str) -> int:
        with tracer.start_as_current_span("work"):
            return work(n, name)

    def in_invocation(function: Callable[..., Any]) -> Callable[[], float]:
        def measure() -> float:
            with tracer.start_as_current_span("invocation"):
                seconds = seconds_per_call(function, CALLS)
            trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]  # the SDK's provider has it, the API's type not
            return seconds

        return measure

    skip, args, peer = medians_in_turns(
        [in_invocation(fleece_skip), in_invocation(fleece_args), in_invocation(bare)],
        REPEATS,
    )
    del os.environ["_X_AMZN_TRACE_ID"]
    inactive, plain = per_call(
        {"fleece": fleece_args, "plain": work}, INACTIVE_CALLS
    ).values()

    traced_env = {**clean_env, **lambda_env(daemon)}
    first_call = (
        "from fleece.xray import trace_xray_subsegment\n"
        "trace_xray_subsegment(lambda: 1)()"
    )
    otel_env = {
        **traced_env,
        "FLEECE_XRAY_BACKEND": "otel",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector,
    }
    sdk_env = {**traced_env, "FLEECE_XRAY_BACKEND": "xray-sdk"}
    otel_first, sdk_first = import_overheads(
        [(first_call, otel_env), (first_call, sdk_env)]
    )
    # A function that calls AWS and HTTP APIs has boto3 and requests loaded anyway.
    clients = "import boto3, requests\n"
    otel_warm, sdk_warm = overheads(
        [
            functools.partial(run_python, clients + first_call, otel_env),
            functools.partial(run_python, clients + first_call, sdk_env),
        ],
        functools.partial(run_python, clients, sdk_env),
        IMPORT_REPEATS,
    )
    return [
        unit_row("otel: sampled call, skip_args vs bare span", skip, peer, "µs"),
        unit_row("otel: sampled call, with args vs bare span", args, peer, "µs"),
        unit_row("otel: inactive call vs undecorated call", inactive, plain, "µs"),
        unit_row(
            "Lambda: import + first traced call, otel vs xray-sdk",
            otel_first,
            sdk_first,
            "ms",
        ),
        unit_row(
            "same, boto3 and requests already imported",
            otel_warm,
            sdk_warm,
            "ms",
        ),
    ]


def main() -> None:
    daemon = start_daemon()
    # The warm-up run of each import figure writes the .pyc files that a deployed
    # function would ship.
    clean_env = bytecode_env(
        {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AWS_XRAY", "_X_AMZN", "LAMBDA_TASK", "OTEL_"))
            and key != "FLEECE_XRAY_BACKEND"
        }
    )
    # aws-xray-sdk decides at import whether it runs in Lambda.
    os.environ.update(lambda_env(daemon))

    from aws_xray_sdk.core import xray_recorder

    from fleece.xray import trace_xray_subsegment

    def work(n: int, name: str) -> int:
        return n

    fleece_skip = trace_xray_subsegment(skip_args=True)(work)
    fleece_args = trace_xray_subsegment(work)
    sdk_capture = xray_recorder.capture("work")(work)

    sampled = per_call(
        {
            "fleece skip": fleece_skip,
            "fleece args": fleece_args,
            "capture": sdk_capture,
        },
        CALLS,
    )

    del os.environ["_X_AMZN_TRACE_ID"]
    logging.getLogger("aws_xray_sdk").setLevel(logging.CRITICAL)
    inactive = per_call({"fleece": fleece_args, "plain": work}, INACTIVE_CALLS)
    inactive_fleece, inactive_plain = inactive["fleece"], inactive["plain"]
    inactive_capture = per_call({"capture": sdk_capture}, CALLS)["capture"]

    traced_env = {**clean_env, **lambda_env(daemon)}
    fleece_first_call = (
        "from fleece.xray import trace_xray_subsegment\n"
        "trace_xray_subsegment(lambda: 1)()"
    )
    sdk_first_call = (
        "from aws_xray_sdk.core import xray_recorder\n"
        "xray_recorder.capture('f')(lambda: 1)()"
    )
    imports = import_overheads(
        [
            ("import fleece.xray", clean_env),
            ("import aws_xray_sdk.core", clean_env),
            (fleece_first_call, traced_env),
            (sdk_first_call, traced_env),
        ]
    )

    with server_process(__file__) as collector:
        otel = otel_rows(work, clean_env, daemon, collector)

    print_table(
        [
            unit_row(
                "sampled call, skip_args vs capture",
                sampled["fleece skip"],
                sampled["capture"],
                "µs",
            ),
            unit_row(
                "sampled call, with args metadata vs capture",
                sampled["fleece args"],
                sampled["capture"],
                "µs",
            ),
            unit_row(
                "inactive call (no trace header) vs capture",
                inactive_fleece,
                inactive_capture,
                "µs",
            ),
            unit_row(
                "inactive call vs undecorated call",
                inactive_fleece,
                inactive_plain,
                "µs",
            ),
            unit_row(
                "inactive overhead vs sampled capture",
                inactive_fleece - inactive_plain,
                sampled["capture"],
                "µs",
            ),
            unit_row(
                "import fleece.xray vs import aws_xray_sdk.core",
                imports[0],
                imports[1],
                "ms",
            ),
            unit_row(
                "Lambda: import + decorate + first traced call",
                imports[2],
                imports[3],
                "ms",
            ),
            *otel,
        ]
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve(CollectorHandler)
    else:
        main()
