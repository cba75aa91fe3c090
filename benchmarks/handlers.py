"""fleece.handlers against apig-wsgi (WSGI) and Mangum (ASGI): same apps, same events.

Run with ``uv run --group bench python benchmarks/handlers.py``. Measures, in one run:

- warm cost per event (REST v1 GET, HTTP API v2 POST, ALB GET, Function URL GET,
  REST v1 binary download) of one Flask app: ``WSGIHandler(app)`` vs apig-wsgi's
  ``make_lambda_handler(app, binary_support=True)``, its configuration for binary
  bodies (which fleece always handles);
- the same events on one FastAPI app: ``ASGIHandler(app)`` vs
  ``Mangum(app, lifespan="off")``, Mangum's fastest setting (its default re-runs the
  lifespan on every event; fleece runs it once per process);
- the Python bytecode instructions each executes per event, the app's included: a
  count that a busy machine does not blur;
- ``import fleece.handlers`` (with the handlers' modules) vs ``import apig_wsgi`` and
  ``import mangum``, in fresh interpreters.

Each warm figure is the median CPU time per call over rounds in which fleece and the
peer take turns; both answer every event with the same status and body before timing
starts. Import figures are wall time over a bare interpreter's start.
"""

from __future__ import annotations

import base64
import functools
import logging
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from _report import bytecode_env, medians_in_turns, overheads, print_table, row

ROUNDS = 9
CALLS = 300
IMPORT_REPEATS = 7
PNG = bytes(range(256)) * 16

Row = tuple[str, float, float]
"""A metric and fleece's and the peer's figures for it."""


class Context:
    """The bits of a Lambda context the handlers read."""

    aws_request_id = "bench"
    function_name = "bench"


def events() -> dict[str, dict[str, Any]]:
    from fleece.testing import (
        alb_event,
        apigw_v1_event,
        apigw_v2_event,
        function_url_event,
    )

    return {
        "REST v1 GET /pets/42?tag=a&tag=b": apigw_v1_event(
            "GET", "/pets/42", query={"tag": ["a", "b"]}
        ),
        "HTTP API v2 POST /pets": apigw_v2_event(
            "POST", "/pets", body={"name": "Rex", "tag": "dog"}
        ),
        "ALB GET /pets/7": alb_event("GET", "/pets/7", query={"tag": "cat"}),
        "Function URL GET /pets/1": function_url_event("GET", "/pets/1"),
        "REST v1 GET /photo (binary)": apigw_v1_event("GET", "/photo"),
    }


def flask_app() -> Any:
    from flask import Flask, Response, jsonify, request

    app = Flask("bench")

    @app.get("/pets/<int:pet_id>")
    def get_pet(pet_id: int) -> Any:
        return jsonify(id=pet_id, name="Rex", tags=request.args.getlist("tag"))

    @app.post("/pets")
    def create_pet() -> Any:
        return jsonify(request.get_json()), 201

    @app.get("/photo")
    def photo() -> Any:
        return Response(PNG, mimetype="image/png")

    return app


def fastapi_app() -> Any:
    from fastapi import FastAPI, Query, Request, Response

    app = FastAPI()

    @app.get("/pets/{pet_id}")
    async def get_pet(pet_id: int, tag: list[str] = Query([])) -> Any:  # noqa: B008 - FastAPI's way to declare a query list
        return {"id": pet_id, "name": "Rex", "tags": tag}

    @app.post("/pets", status_code=201)
    async def create_pet(request: Request) -> Any:
        return await request.json()

    @app.get("/photo")
    async def photo() -> Any:
        return Response(PNG, media_type="image/png")

    return app


def body_of(answer: dict[str, Any]) -> bytes:
    body = answer.get("body") or ""
    return base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()


def per_call(function: Callable[[], Any]) -> float:
    """CPU seconds per call over CALLS calls.

    Both handlers run the app on the calling thread, so its CPU time is their whole
    cost, and unlike wall time it does not count the time other processes on a
    shared machine hold the CPU.
    """
    start = time.thread_time()
    for _ in range(CALLS):
        function()
    return (time.thread_time() - start) / CALLS


def bytecodes(function: Callable[[], Any]) -> int:
    """Python bytecode instructions one call executes, in every frame it runs.

    A count, not a time: the same on a quiet machine and a busy one, so it shows a
    difference of a few percent that timing noise hides (C-level work such as base64
    or dict building is not in it).
    """
    executed = 0

    def trace(frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        return count

    def count(frame: Any, event: str, arg: Any) -> Any:
        nonlocal executed
        if event == "opcode":
            executed += 1
        return count

    sys.settrace(trace)
    try:
        function()
    finally:
        sys.settrace(None)
    return executed


def compare(
    name: str,
    fleece: Callable[[dict[str, Any], Any], Any],
    peer: Callable[[dict[str, Any], Any], Any],
) -> list[Row]:
    """Warm rows for each event, and their mean, fleece against ``peer``."""
    context = Context()
    rows: list[Row] = []
    fleece_total = peer_total = 0.0
    fleece_codes = peer_codes = 0
    for label, event in events().items():
        mine, theirs = fleece(event, context), peer(event, context)
        assert mine["statusCode"] == theirs["statusCode"], (label, mine, theirs)
        assert body_of(mine) == body_of(theirs), (label, mine, theirs)
        fleece_codes += bytecodes(lambda e=event: fleece(e, context))
        peer_codes += bytecodes(lambda e=event: peer(e, context))
        fleece_time, peer_time = medians_in_turns(
            [
                functools.partial(per_call, lambda e=event: fleece(e, context)),
                functools.partial(per_call, lambda e=event: peer(e, context)),
            ],
            ROUNDS,
        )
        fleece_total += fleece_time
        peer_total += peer_time
        rows.append((f"{name} warm {label} (µs)", fleece_time * 1e6, peer_time * 1e6))
    count = len(rows)
    rows.append(
        (f"{name} warm, mean of the {count} events (µs)", fleece_total / count * 1e6,
         peer_total / count * 1e6)
    )  # fmt: skip
    rows.append(
        (f"{name} bytecodes per event, app included, mean", fleece_codes / count,
         peer_codes / count)
    )  # fmt: skip
    return rows


def wsgi_rows() -> list[Row]:
    from apig_wsgi import make_lambda_handler

    from fleece.handlers import WSGIHandler

    app = flask_app()
    return compare(
        "WSGI", WSGIHandler(app), make_lambda_handler(app, binary_support=True)
    )


def asgi_rows() -> list[Row]:
    from mangum import Mangum

    from fleece.handlers import ASGIHandler

    app = fastapi_app()
    return compare("ASGI", ASGIHandler(app), Mangum(app, lifespan="off"))


def import_rows() -> list[Row]:
    env = bytecode_env()

    def seconds(statement: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, env=env)
        return time.perf_counter() - start

    fleece, apig, mangum = overheads(
        [
            functools.partial(seconds, "import fleece.handlers"),
            functools.partial(seconds, "import apig_wsgi"),
            functools.partial(seconds, "import mangum"),
        ],
        functools.partial(seconds, "pass"),
        IMPORT_REPEATS,
    )
    return [
        ("import fleece.handlers vs apig_wsgi (ms)", fleece * 1e3, apig * 1e3),
        ("import fleece.handlers vs mangum (ms)", fleece * 1e3, mangum * 1e3),
    ]


def main() -> None:
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    rows = [*wsgi_rows(), *asgi_rows(), *import_rows()]
    print_table([row(metric, fleece, peer, "{:.1f}") for metric, fleece, peer in rows])
    print(
        "peers: WSGI = apig_wsgi.make_lambda_handler(app, binary_support=True), "
        "ASGI = Mangum(app, lifespan='off'); ratio = fleece / peer"
    )


if __name__ == "__main__":
    main()
