"""asgi_handler: the same event handling for any ASGI application."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest

from fleece.connexion import asgi_handler
from fleece.testing import LambdaContext, alb_event, apigw_v1_event, apigw_v2_event

Scope = MutableMapping[str, Any]


async def describe_request(scope: Scope, receive: Any, send: Any) -> None:
    """Answer with what the app was given, in two body chunks, plus two cookies."""
    message = await receive()
    disconnect = asyncio.ensure_future(receive())
    body = json.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "root_path": scope["root_path"],
            "query_string": scope["query_string"].decode(),
            "client": list(scope["client"]),
            "request_id": scope["aws.context"].aws_request_id,
            "event_path": scope["aws.event"].get("path"),
            "body": message["body"].decode(),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"Content-Type", b"application/json"),
                (b"set-cookie", b"a=1"),
                (b"set-cookie", b"b=2"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body[:5], "more_body": True})
    await send({"type": "http.response.body", "body": body[5:]})
    assert (await disconnect)["type"] == "http.disconnect"


def test_handler_passes_event_and_context_and_joins_chunks(
    lambda_context: LambdaContext,
) -> None:
    """The scope carries aws.event/aws.context; a chunked body is joined."""
    handler = asgi_handler(describe_request)
    event = apigw_v1_event(
        "POST", "/things", query={"a": "1 2"}, body="hi", source_ip="192.0.2.1"
    )
    answer = handler(event, lambda_context)
    assert answer["statusCode"] == 200
    assert {
        "method": "POST",
        "path": "/prod/things",
        "root_path": "/prod",
        "query_string": "a=1+2",
        "client": ["192.0.2.1", 0],
        "request_id": lambda_context.aws_request_id,
        "event_path": "/things",
        "body": "hi",
    } == json.loads(answer["body"])
    assert answer["multiValueHeaders"]["set-cookie"] == ["a=1", "b=2"]


def test_handler_answers_in_the_event_integration_shape(
    lambda_context: LambdaContext,
) -> None:
    """HTTP API v2 gets cookies apart; ALB a statusDescription."""
    handler = asgi_handler(describe_request)
    v2 = handler(apigw_v2_event("GET", "/x"), lambda_context)
    assert v2["cookies"] == ["a=1", "b=2"]
    alb = handler(alb_event("GET", "/x"), lambda_context)
    assert alb["statusDescription"] == "200 OK"


def test_app_that_raises_gets_a_generic_500_and_a_logged_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The exception text stays in the log."""

    async def failing(scope: Scope, receive: Any, send: Any) -> None:
        raise ValueError("connection string postgres://admin:pw@db")

    caplog.set_level(logging.ERROR, logger="asgi.tests")
    handler = asgi_handler(failing, logger=logging.getLogger("asgi.tests"))
    answer = handler(apigw_v2_event("GET", "/"), None)
    assert answer["statusCode"] == 500
    assert "postgres" not in answer["body"]
    [record] = caplog.records
    assert record.exc_info is not None
    assert "postgres" in str(record.exc_info[1])


def test_app_that_never_answers_gets_a_500(caplog: pytest.LogCaptureFixture) -> None:
    """Returning without a response is an app error, answered 500."""

    async def silent(scope: Scope, receive: Any, send: Any) -> None:
        return None

    caplog.set_level(logging.ERROR, logger="asgi.tests")
    handler = asgi_handler(silent, logger=logging.getLogger("asgi.tests"))
    assert handler(apigw_v2_event("GET", "/"), None)["statusCode"] == 500


def test_invocations_share_one_event_loop_per_thread() -> None:
    """The loop an app runs on is the same from one invocation to the next."""
    loops: list[asyncio.AbstractEventLoop] = []

    async def record_loop(scope: Scope, receive: Any, send: Any) -> None:
        loops.append(asyncio.get_running_loop())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = asgi_handler(record_loop)
    for _ in range(3):
        assert handler(apigw_v2_event("GET", "/"), None)["statusCode"] == 204
    assert len(loops) == 3
    assert loops[0] is loops[1] is loops[2]
    assert not loops[0].is_closed()
