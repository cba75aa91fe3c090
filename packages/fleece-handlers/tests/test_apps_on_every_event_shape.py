"""A real Flask app and a real FastAPI app, driven by every event shape."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

Build = Callable[..., dict[str, Any]]
Handler = Callable[[dict[str, Any]], Any]
Read = Callable[[dict[str, Any]], Any]


def test_path_and_repeated_query_parameters_reach_the_app(
    handler: Handler, make_event: Build, seen: Read
) -> None:
    """/pets/42?tag=a&tag=b: the path parameter and both tag values arrive."""
    answer = seen(handler(make_event("GET", "/pets/42", query={"tag": ["a", "b"]})))

    assert answer.status == 200
    assert answer.headers["content-type"] == ["application/json"]
    assert answer.json()["id"] == 42
    if make_event.__name__ == "alb_event":
        # A single-value ALB target group passes only the last value of a name.
        assert answer.json()["tags"] == ["b"]
    else:
        assert answer.json()["tags"] == ["a", "b"]


def test_repeated_request_headers_reach_the_app_joined(
    handler: Handler, make_event: Build, seen: Read, shape: str
) -> None:
    """Two X-Tag headers arrive as one comma-joined value, as HTTP allows."""
    answer = seen(handler(make_event("GET", "/pets/1", headers={"X-Tag": ["a", "b"]})))

    expected = "b" if shape == "alb" else "a,b"
    assert expected == answer.json()["x_tag"].replace(", ", ",")


def test_the_app_sees_the_client_address_and_the_scheme_the_client_used(
    handler: Handler, make_event: Build, seen: Read, shape: str
) -> None:
    """The caller's IP is the remote address; URLs carry the client's scheme."""
    event = make_event("GET", "/pets/1", source_ip="198.51.100.9")
    scheme = "http" if shape.startswith("alb") else "https"  # the ALB listens on 80

    body = seen(handler(event)).json()

    assert body["remote_addr"] == "198.51.100.9"
    assert body["url"].startswith(f"{scheme}://")
    assert body["url"].endswith("/pets/1")


def test_rest_v1_stage_is_the_apps_root_path(handler: Handler, seen: Read) -> None:
    """On an execute-api host the stage prefixes the URLs the app builds."""
    from fleece.testing import apigw_v1_event

    body = seen(handler(apigw_v1_event("GET", "/pets/1", stage="prod"))).json()

    assert body["script_root"] == "/prod"
    assert "/prod/pets/1" in body["url"]


def test_http_api_named_stage_is_removed_before_routing(
    handler: Handler, seen: Read
) -> None:
    """A v2 named stage prefixes rawPath; the app still routes /pets/1."""
    from fleece.testing import apigw_v2_event

    answer = seen(handler(apigw_v2_event("GET", "/pets/1", stage="beta")))

    assert answer.status == 200
    assert answer.json()["script_root"] == "/beta"


def test_cookies_go_in_and_every_set_cookie_comes_out(
    handler: Handler, make_event: Build, seen: Read, shape: str
) -> None:
    """Request cookies reach the app; both Set-Cookie headers reach the client."""
    answer = seen(handler(make_event("GET", "/cookies", cookies={"a": "1", "b": "2"})))

    assert answer.json() == {"a": "1", "b": "2"}
    names = sorted(cookie.split("=", 1)[0] for cookie in answer.cookies)
    if shape == "alb":
        # Single-value ALB headers cannot carry two Set-Cookie headers.
        assert len(names) == 1
    else:
        assert names == ["session", "theme"]


def test_binary_bodies_go_up_and_come_down_base64(
    handler: Handler, make_event: Build, seen: Read
) -> None:
    """Every byte value survives the trip; the answer is marked base64."""
    payload = bytes(range(256)) * 4
    event = make_event(
        "POST",
        "/echo",
        body=payload,
        headers={"content-type": "application/octet-stream"},
    )

    raw = handler(event)
    answer = seen(raw)

    assert raw["isBase64Encoded"] is True
    assert answer.status == 200
    assert answer.body == payload


def test_redirects_keep_their_status_and_location(
    handler: Handler, make_event: Build, seen: Read
) -> None:
    """A 302 reaches the client with the Location the app gave."""
    answer = seen(handler(make_event("GET", "/old")))

    assert answer.status == 302
    assert answer.headers["location"][0].endswith("/pets/7")


def test_unknown_path_is_404_and_wrong_method_is_405(
    handler: Handler, make_event: Build, seen: Read
) -> None:
    """The app's own 404 and 405 answers pass through unchanged."""
    assert seen(handler(make_event("GET", "/nowhere"))).status == 404
    assert seen(handler(make_event("DELETE", "/pets/1"))).status == 405


def test_streamed_response_is_gathered_whole(
    handler: Handler, make_event: Build, seen: Read
) -> None:
    """A body sent in chunks (a WSGI iterable, ASGI more_body) arrives whole."""
    answer = seen(handler(make_event("GET", "/stream")))

    assert answer.status == 200
    assert answer.body == b"alpha beta gamma"


def test_an_exception_is_a_generic_500_with_the_traceback_logged(
    handler: Handler,
    make_event: Build,
    seen: Read,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The client sees no internals; the log gets the traceback (Flask logs it
    itself, as it answers its own 500 page; fleece logs what escapes an ASGI app).
    """
    caplog.set_level(logging.ERROR)

    answer = seen(handler(make_event("GET", "/boom")))

    assert answer.status == 500
    assert b"secret internals" not in answer.body
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert "secret internals" in str(errors[0].exc_info[1])


def test_an_exception_escaping_an_asgi_app_goes_to_the_given_logger(
    fastapi_app: Any,
    seen: Read,
    logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The handler's logger reports it, and the answer is a problem body."""
    from fleece.handlers import ASGIHandler
    from fleece.testing import apigw_v2_event

    answer = seen(ASGIHandler(fastapi_app, logger)(apigw_v2_event("GET", "/boom")))

    assert answer.status == 500
    assert answer.json()["title"] == "Internal Server Error"
    assert [r.name for r in caplog.records if r.exc_info] == ["handlers.tests"]
