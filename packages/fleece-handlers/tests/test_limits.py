"""Responses Lambda cannot return: a clear 502 and a logged reason, never a cut body."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fleece.handlers import ASGIHandler, WSGIHandler
from fleece.testing import apigw_v1_event, apigw_v2_event, request_template_event

Build = Callable[..., dict[str, Any]]
Read = Callable[[dict[str, Any]], Any]
LIMIT = 6 * 1024 * 1024


def test_a_body_over_lambdas_limit_is_a_502_problem_with_the_reason_logged(
    flask_app: Any,
    fastapi_app: Any,
    make_event: Build,
    seen: Read,
    logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """7 MB from the app: the client gets a 502 problem body, the log says why."""
    for handler in (WSGIHandler(flask_app, logger), ASGIHandler(fastapi_app, logger)):
        caplog.clear()
        answer = seen(handler(make_event("GET", "/big")))

        assert answer.status == 502
        assert answer.headers["content-type"] == ["application/problem+json"]
        assert "too large" in answer.json()["detail"]
        assert [r.levelno for r in caplog.records] == [logging.ERROR]
        assert "6291456-byte limit" in caplog.records[0].getMessage()


def _wsgi_sending(body: bytes, content_type: str) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]

    return app


def test_base64_growth_past_the_limit_is_caught_too(seen: Read) -> None:
    """5 MB of binary is 6.7 MB once base64: over the limit, so a 502."""
    handler = WSGIHandler(_wsgi_sending(b"\0" * (5 * 1024 * 1024), "image/png"))

    assert seen(handler(apigw_v1_event())).status == 502


def test_text_that_json_escaping_pushes_past_the_limit_is_caught(seen: Read) -> None:
    """1.5 MB of non-ASCII text is four times that as escaped JSON: a 502."""
    body = ("é" * (1536 * 1024)).encode()
    handler = WSGIHandler(_wsgi_sending(body, "text/plain; charset=utf-8"))

    assert seen(handler(apigw_v1_event())).status == 502


def test_a_body_just_under_the_limit_is_answered_whole(seen: Read) -> None:
    """A 4 MB text body fits and comes back byte for byte."""
    body = b"y" * (4 * 1024 * 1024)
    handler = WSGIHandler(_wsgi_sending(body, "text/plain"))

    assert seen(handler(apigw_v2_event())).body == body


def test_an_endless_wsgi_stream_stops_being_read_past_the_limit(seen: Read) -> None:
    """A generator that never ends is closed once it passes the limit."""
    closed: list[bool] = []

    def endless() -> Iterator[bytes]:
        try:
            while True:
                yield b"z" * 65536
        finally:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return endless()

    assert seen(WSGIHandler(app)(apigw_v1_event())).status == 502
    assert closed == [True]


def test_a_multi_part_asgi_body_over_the_limit_is_a_502(seen: Read) -> None:
    """Ten 1 MB parts: the answer is a 502, not the first six."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in range(10):
            more = part < 9
            await send(
                {"type": "http.response.body", "body": b"p" * 2**20, "more_body": more}
            )

    assert seen(ASGIHandler(app)(apigw_v2_event())).status == 502


def test_a_request_template_answer_over_the_limit_is_an_http_error_502() -> None:
    """A non-proxy integration gets HTTPError(502), not a cut body."""
    from fleece.httperror import HTTPError

    handler = WSGIHandler(_wsgi_sending(b'"' + b"a" * LIMIT + b'"', "text/plain"))

    with pytest.raises(HTTPError) as raised:
        handler(request_template_event("GET", "/"))

    assert raised.value.status == 502
