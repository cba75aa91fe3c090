"""The entry points: 1.x's wsgi_handler, asgi_handler, and ASGI lifespan handling."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable, MutableMapping
from typing import Any

import pytest

from fleece.handlers import ASGIHandler, asgi_handler, wsgi_handler
from fleece.handlers.asgi import LifespanError
from fleece.testing import LambdaContext, apigw_v1_event, apigw_v2_event

Read = Callable[[dict[str, Any]], Any]
Scope = MutableMapping[str, Any]


def test_wsgi_handler_takes_1x_arguments_and_hands_the_app_the_event(
    seen: Read, lambda_context: LambdaContext
) -> None:
    """``wsgi_handler(event, context, app, logger)``; the environ keeps both."""
    seen_environ: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen_environ.update(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    event = apigw_v1_event("GET", "/hi")
    answer = wsgi_handler(event, lambda_context, app, logging.getLogger("x"))

    assert seen(answer).body == b"hello"
    assert seen_environ["lambda.event"] is event
    assert seen_environ["lambda.context"] is lambda_context
    assert seen_environ["PATH_INFO"] == "/hi"
    # The body is whole: frameworks read it to the end without a length guard.
    assert seen_environ["wsgi.input_terminated"] is True


def test_asgi_handler_runs_the_lifespan_startup_once_per_process(
    fastapi_app: Any, startups: list[str], seen: Read
) -> None:
    """Three events, one startup; what the lifespan yields reaches each request."""
    for _ in range(3):
        answer = seen(asgi_handler(apigw_v2_event("GET", "/pets/1"), None, fastapi_app))
        assert answer.json()["greeting"] == "hello from lifespan"

    assert startups == ["started"]


def _lifespan_app(log: list[str], *, fail: bool = False) -> Any:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                log.append(message["type"])
                if message["type"] == "lifespan.startup":
                    kind = "failed" if fail else "complete"
                    await send(
                        {"type": f"lifespan.startup.{kind}", "message": "db down"}
                    )
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


def test_lifespan_shutdown_runs_once_when_asked(seen: Read) -> None:
    """shutdown() delivers lifespan.shutdown; a second call does nothing."""
    log: list[str] = []
    handler = ASGIHandler(_lifespan_app(log))

    assert seen(handler(apigw_v2_event("GET", "/"))).status == 204
    handler.shutdown()
    handler.shutdown()

    assert log == ["lifespan.startup", "lifespan.shutdown"]


def test_lifespan_shutdown_runs_when_the_process_exits() -> None:
    """A Lambda process that ends runs the app's shutdown, without being asked."""
    script = """
from fleece.handlers import ASGIHandler
from fleece.testing import apigw_v2_event

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                print("shutdown ran")
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})

handler = ASGIHandler(app)
print(handler(apigw_v2_event("GET", "/"))["statusCode"])
"""
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert completed.stdout.split("\n")[:2] == ["204", "shutdown ran"]
    assert completed.stderr == ""  # nothing printed as the interpreter exits


def test_failed_lifespan_startup_is_a_500_and_is_tried_again(
    seen: Read, logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """The app's startup message is logged; the next event tries startup again."""
    log: list[str] = []
    handler = ASGIHandler(_lifespan_app(log, fail=True), logger)

    first = seen(handler(apigw_v2_event("GET", "/")))
    second = seen(handler(apigw_v2_event("GET", "/")))

    assert (first.status, second.status) == (500, 500)
    assert log == ["lifespan.startup", "lifespan.startup"]
    failures = [r for r in caplog.records if r.exc_info]
    assert isinstance(failures[0].exc_info[1], LifespanError)
    assert "db down" in str(failures[0].exc_info[1])


def test_an_app_without_lifespan_support_is_served_as_it_is(seen: Read) -> None:
    """An app that raises on a lifespan scope (as ASGI allows) still serves."""
    calls: list[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        calls.append(scope["type"])
        if scope["type"] != "http":
            raise ValueError("only http here")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    handler = ASGIHandler(app)

    assert seen(handler(apigw_v2_event("GET", "/"))).body == b"ok"
    assert seen(handler(apigw_v2_event("GET", "/"))).body == b"ok"
    assert calls == ["lifespan", "http", "http"]


def test_lifespan_on_requires_support_and_off_never_asks(seen: Read) -> None:
    """lifespan="on" answers 500 for an app without one; "off" never sends it."""
    calls: list[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        calls.append(scope["type"])
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    assert seen(ASGIHandler(app, lifespan="on")(apigw_v2_event())).status == 500
    calls.clear()
    assert seen(ASGIHandler(app, lifespan="off")(apigw_v2_event())).status == 200
    assert calls == ["http"]
