"""A real Flask app and a real FastAPI app serving the same small API, and the event
shapes that drive them.

Both apps answer the same routes, so each behaviour is tested once against both:
``/pets/<id>`` (path and query parameters, headers, URLs), ``/cookies`` (cookies in
and out), ``/echo`` (binary up and down), ``/old`` (a redirect), ``/stream``
(a streamed body), ``/big`` (a body over Lambda's limit) and ``/boom`` (an exception).
"""

import base64
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from fleece.handlers import ASGIHandler, WSGIHandler
from fleece.testing import alb_event, apigw_v1_event, apigw_v2_event, function_url_event

BIG = 7 * 1024 * 1024
"""Bytes /big answers: over Lambda's 6 MB response limit."""
CHUNKS = [b"alpha ", b"beta ", b"gamma"]
"""What /stream sends, one chunk at a time."""


def _flask_app() -> Any:
    """The test API as a Flask (WSGI) app."""
    from flask import Flask, Response, jsonify, make_response, redirect, request

    app = Flask("pets")

    @app.get("/pets/<int:pet_id>")
    def get_pet(pet_id: int) -> Any:
        return jsonify(
            id=pet_id,
            tags=request.args.getlist("tag"),
            x_tag=request.headers.get("X-Tag"),
            url=request.url,
            script_root=request.script_root,
            remote_addr=request.remote_addr,
        )

    @app.get("/cookies")
    def cookies() -> Any:
        response = make_response(jsonify(dict(request.cookies)))
        response.set_cookie("session", "s1")
        response.set_cookie("theme", "dark")
        return response

    @app.post("/echo")
    def echo() -> Any:
        return Response(request.get_data(), mimetype="application/octet-stream")

    @app.get("/old")
    def old() -> Any:
        return redirect("/pets/7")

    @app.get("/stream")
    def stream() -> Any:
        return Response(iter(CHUNKS), mimetype="text/plain")

    @app.get("/big")
    def big() -> Any:
        return Response(b"x" * BIG, mimetype="application/octet-stream")

    @app.get("/boom")
    def boom() -> Any:
        raise RuntimeError("secret internals")

    return app


def _fastapi_app(startups: list[str]) -> Any:
    """The test API as a FastAPI (ASGI) app with a lifespan."""
    from fastapi import FastAPI, Request
    from fastapi.responses import (
        JSONResponse,
        RedirectResponse,
        Response,
        StreamingResponse,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
        startups.append("started")
        yield {"greeting": "hello from lifespan"}

    app = FastAPI(lifespan=lifespan)

    @app.get("/pets/{pet_id}")
    async def get_pet(pet_id: int, request: Request) -> Any:
        return {
            "id": pet_id,
            "tags": request.query_params.getlist("tag"),
            "x_tag": ",".join(request.headers.getlist("x-tag")),
            "url": str(request.url),
            "script_root": request.scope.get("root_path", ""),
            "remote_addr": request.client.host if request.client else None,
            "greeting": request.state.greeting,
        }

    @app.get("/cookies")
    async def cookies(request: Request) -> Any:
        response = JSONResponse(dict(request.cookies))
        response.set_cookie("session", "s1")
        response.set_cookie("theme", "dark")
        return response

    @app.post("/echo")
    async def echo(request: Request) -> Any:
        return Response(await request.body(), media_type="application/octet-stream")

    @app.get("/old")
    async def old() -> Any:
        return RedirectResponse("/pets/7", status_code=302)

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            for chunk in CHUNKS:
                yield chunk

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/big")
    async def big() -> Any:
        return Response(b"x" * BIG, media_type="application/octet-stream")

    @app.get("/boom")
    async def boom() -> Any:
        raise RuntimeError("secret internals")

    return app


Handler = Callable[[dict[str, Any]], Any]


@pytest.fixture
def flask_app() -> Any:
    """A fresh Flask app serving the test API."""
    return _flask_app()


@pytest.fixture
def startups() -> list[str]:
    """Gets one entry per lifespan startup of the ``fastapi_app`` fixture's app."""
    return []


@pytest.fixture
def fastapi_app(startups: list[str]) -> Any:
    """A fresh FastAPI app serving the test API, with a lifespan."""
    return _fastapi_app(startups)


@pytest.fixture(params=["flask", "fastapi"])
def handler(request: pytest.FixtureRequest) -> Iterator[Handler]:
    """A Lambda handler over the Flask app, then over the FastAPI app."""
    if request.param == "flask":
        yield WSGIHandler(_flask_app())
        return
    asgi = ASGIHandler(_fastapi_app([]))
    yield asgi
    asgi.shutdown()


def _alb_multi(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return alb_event(*args, multi_value=True, **kwargs)


SHAPES: dict[str, Callable[..., dict[str, Any]]] = {
    "rest-v1": apigw_v1_event,
    "http-api-v2": apigw_v2_event,
    "function-url": function_url_event,
    "alb": alb_event,
    "alb-multi-value": _alb_multi,
}


@pytest.fixture(params=list(SHAPES))
def shape(request: pytest.FixtureRequest) -> str:
    """The name of each event shape in turn."""
    name: str = request.param
    return name


@pytest.fixture
def make_event(shape: str) -> Callable[..., dict[str, Any]]:
    """The fleece-testing builder of the event shape under test."""
    return SHAPES[shape]


@dataclass
class Seen:
    """A Lambda answer as the client behind the integration sees it."""

    status: int
    headers: dict[str, list[str]]
    cookies: list[str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _seen(answer: dict[str, Any]) -> Seen:
    """Read a proxy answer of any shape back into status, headers, cookies, body."""
    assert isinstance(answer["body"], str)
    body = answer["body"].encode()
    if answer["isBase64Encoded"]:
        body = base64.b64decode(body, validate=True)
    multi = answer.get("multiValueHeaders")
    if multi is not None:
        headers = {name.lower(): list(values) for name, values in multi.items()}
    else:
        headers = {name.lower(): [value] for name, value in answer["headers"].items()}
    cookies = list(answer.get("cookies", [])) + headers.pop("set-cookie", [])
    return Seen(answer["statusCode"], headers, cookies, body)


@pytest.fixture
def seen() -> Callable[[dict[str, Any]], Seen]:
    """Reads a proxy answer of any shape back into status, headers, cookies, body."""
    return _seen


@pytest.fixture
def logger(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    """A stdlib logger whose records the test sees in ``caplog``."""
    caplog.set_level(logging.DEBUG, logger="handlers.tests")
    return logging.getLogger("handlers.tests")
