"""Malformed, hostile and random events: a 4xx answer, never a 5xx or an exception."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleece.handlers import ASGIHandler, WSGIHandler
from fleece.httperror import HTTPError
from fleece.testing import apigw_v1_event, apigw_v2_event, request_template_event
from fleece.testing.strategies import http_events, json_values

Build = Callable[..., dict[str, Any]]
Handler = Callable[[Any], Any]
Read = Callable[[dict[str, Any]], Any]

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PATHS = st.sampled_from(
    ["/pets/1", "/pets/x", "/cookies", "/echo", "/old", "/stream", "//pets/1"]
) | st.text(max_size=30).map(lambda p: "/" + p)


@PROPERTY
@given(event=http_events(PATHS))
def test_random_integration_events_never_get_a_5xx(
    handler: Handler, event: Any
) -> None:
    """Random methods, paths, queries, headers, bodies and broken fields: < 500,
    and always an answer the Lambda runtime can serialise (or, for an event broken
    past recognition, HTTPError(400))."""
    assert _status(handler, event) < 500, event


def _status(handler: Handler, event: Any) -> int:
    try:
        answer = handler(event)
    except HTTPError as error:
        return error.status
    json.dumps(answer)
    status: int = answer["statusCode"]
    return status


@PROPERTY
@given(event=json_values)
def test_random_json_is_a_400_answer_or_http_error(
    handler: Handler, event: Any
) -> None:
    """JSON of no known shape: HTTPError(400), as a non-proxy integration wants."""
    with pytest.raises(HTTPError) as raised:
        handler(event)

    assert raised.value.status == 400


def test_a_malformed_proxy_event_is_a_400_in_its_integrations_shape(
    handler: Handler, seen: Read
) -> None:
    """A v2 event whose cookies are not strings: a 400 v2 answer naming the field."""
    event = apigw_v2_event("GET", "/pets/1")
    event["cookies"] = [42]

    answer = handler(event)

    assert answer["statusCode"] == 400
    assert "cookies" in answer
    assert "a cookie must be a string" in seen(answer).json()["detail"]


def test_a_path_starting_with_two_slashes_is_served_as_a_web_server_would(
    handler: Handler, make_event: Build, seen: Read
) -> None:
    """//pets/1 is /pets/1 (slashes merged), never a 500."""
    answer = seen(handler(make_event("GET", "//pets/1")))

    assert answer.status == 200
    assert answer.json()["id"] == 1


def test_a_malformed_host_header_is_a_400_not_a_500(
    handler: Handler,
    make_event: Build,
    seen: Read,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Host "[" with a body that is not JSON: a 400 naming the header, no traceback."""
    caplog.set_level(logging.WARNING)
    event = make_event(
        "POST",
        "/echo",
        headers={"host": "[", "content-type": "application/json"},
        body="{not json",
    )

    answer = seen(handler(event))

    assert answer.status == 400
    assert "Host" in answer.json()["detail"]
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    "querystring",
    ["", "tag=a&tag=b", {"tag": ["a", "b"]}, [["tag", "a"], ["tag", "b"]]],
    ids=["empty-string", "string", "object", "pairs"],
)
def test_request_template_querystring_in_any_form_1x_accepted(
    flask_app: Any, querystring: Any
) -> None:
    """Mapping templates give "", a query string, an object or a list of pairs."""
    event = request_template_event("GET", "/pets/{id}", path_parameters={"id": "3"})
    event["parameters"]["request"]["querystring"] = querystring

    body = WSGIHandler(flask_app)(event)

    assert body["id"] == 3
    assert body["tags"] == ([] if querystring == "" else ["a", "b"])


def test_request_template_querystring_of_another_type_is_a_400(
    fastapi_app: Any,
) -> None:
    """A number is no query string: HTTPError(400) naming the field."""
    event = request_template_event("GET", "/pets/{id}", path_parameters={"id": "3"})
    event["parameters"]["request"]["querystring"] = 5

    with pytest.raises(HTTPError, match="'querystring' must be"):
        ASGIHandler(fastapi_app)(event)


def test_an_event_with_no_request_context_is_still_a_rest_v1_request(
    handler: Handler, seen: Read
) -> None:
    """Hand-built proxy events (tests, sam local) often lack requestContext."""
    event = apigw_v1_event("GET", "/pets/5")
    del event["requestContext"]

    assert seen(handler(event)).json()["id"] == 5
