"""Malformed, unknown and random events: 4xx answers, never a 500 or an exception."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleece.httperror import HTTPError
from fleece.testing import (
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    request_template_event,
)
from fleece.testing.strategies import http_events, json_values

Api = Callable[..., Any]
Parse = Callable[[dict[str, Any]], Any]

PROPERTY = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize(
    "event",
    [{}, [], None, "GET /pets", 42, {"foo": "bar"}, {"requestContext": {}}],
    ids=["empty", "list", "none", "string", "number", "foreign", "bare-context"],
)
def test_event_of_no_known_shape_is_a_400(
    api: Api, proxy_api: Api, body_json: Parse, event: Any
) -> None:
    """call_api raises HTTPError(400); call_proxy_api answers a 400 dict."""
    with pytest.raises(HTTPError, match=r"^400: Bad Request - unknown event shape"):
        api(event)
    answer = proxy_api(event)
    assert answer["statusCode"] == 400
    assert "unknown event shape" in body_json(answer)["detail"]


def test_rejected_event_is_logged_as_a_warning(
    proxy_api: Api, logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """The logger learns why the event was refused."""
    proxy_api({"foo": "bar"}, logger=logger)
    [record] = [r for r in caplog.records if r.name == "petstore.tests"]
    assert record.levelno == logging.WARNING
    assert "unknown event shape" in record.getMessage()


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"httpMethod": 7}, "HTTP method"),
        ({"httpMethod": "GE T"}, "not a method name"),
        ({"headers": ["Accept: */*"]}, "'headers' must be an object"),
        ({"multiValueHeaders": {"Accept": "*/*"}}, "must be a list"),
        ({"body": {"name": "Rex"}}, "'body' must be a string"),
        ({"body": "not base64!", "isBase64Encoded": True}, "not base64"),
        ({"path": "/pets/\ud800"}, "not valid Unicode"),
        ({"headers": {"Content-Type": "json"}}, "not a type/subtype media type"),
        ({"headers": {"Content-Type": "a/b/c"}}, "not a type/subtype media type"),
    ],
)
def test_malformed_rest_v1_event_is_a_400_naming_the_field(
    api: Api, body_json: Parse, change: dict[str, Any], complaint: str
) -> None:
    """The 400 says which field is wrong, in the integration's answer shape."""
    event = apigw_v1_event("GET", "/pets")
    event.update(change)
    answer = api(event)
    assert answer["statusCode"] == 400
    assert "multiValueHeaders" in answer
    detail = body_json(answer)["detail"]
    assert detail.startswith("malformed API Gateway REST v1 proxy event: ")
    assert complaint in detail


@pytest.mark.parametrize("builder", [apigw_v1_event, apigw_v2_event, alb_event])
def test_a_path_starting_with_two_slashes_is_routed_as_its_single_slash_form(
    api: Api, body_json: Parse, builder: Callable[..., dict[str, Any]]
) -> None:
    """//pets/42 is /pets/42, as a web server merging slashes serves it: no 500."""
    answer = api(builder("GET", "//pets/42"))
    assert answer["statusCode"] == 200
    assert body_json(answer)["name"] == "Rex"


def test_a_malformed_host_header_is_a_400_without_a_traceback(
    api: Api,
    body_json: Parse,
    logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Host "[" and a body that is not JSON: a 400 about the Host, nothing logged
    with a traceback."""
    event = apigw_v1_event(
        "POST",
        "/pets",
        headers={"host": "[", "content-type": "application/json"},
        body="{not json",
    )
    answer = api(event, logger=logger)
    assert answer["statusCode"] == 400
    assert "Host" in body_json(answer)["detail"]
    assert not [r for r in caplog.records if r.exc_info]


def test_malformed_http_api_cookies_are_a_400(api: Api) -> None:
    """cookies must be a list of strings."""
    event = apigw_v2_event("GET", "/pets")
    event["cookies"] = "a=b"
    answer = api(event)
    assert answer["statusCode"] == 400
    assert "cookies" in answer


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=klingon"]
)
def test_body_that_cannot_be_decoded_is_a_400_not_a_500(
    api: Api, body_json: Parse, content_type: str
) -> None:
    """Invalid UTF-8 or an unknown charset is the client's error."""
    event = apigw_v1_event(
        "POST",
        "/pets",
        body=b'{"name": "R\xffx"}',
        headers={"Content-Type": content_type},
    )
    answer = api(event)
    assert answer["statusCode"] == 400
    assert body_json(answer)["detail"].startswith("The request body cannot be decoded")


def test_malformed_request_template_is_a_400_http_error(api: Api) -> None:
    """call_api raises HTTPError(400) for a template event it cannot read."""
    event = request_template_event("GET", "/pets")
    event["parameters"]["request"]["header"] = "Accept: */*"
    with pytest.raises(HTTPError) as raised:
        api(event)
    assert raised.value.status == 400


@PROPERTY
@given(event=json_values)
def test_random_json_is_always_a_400(api: Api, proxy_api: Api, event: Any) -> None:
    """Whatever JSON arrives: a 400 dict, or from call_api an HTTPError(400)."""
    assert proxy_api(event)["statusCode"] == 400
    with pytest.raises(HTTPError) as raised:
        api(event)
    assert raised.value.status == 400


texts = st.text(max_size=20)
SERVER_ERROR_ROUTES = ("boom", "unavailable", "broken")
PATHS = st.sampled_from(
    ["/pets", "/pets/7", "/pets/42/photo", "/echo", "/users/1"]
) | st.text(max_size=30).map(lambda p: "/" + p).filter(
    lambda path: not any(route in path for route in SERVER_ERROR_ROUTES)
)


@settings(PROPERTY, max_examples=250)
@given(event=http_events(PATHS))
def test_random_integration_events_never_get_a_5xx(proxy_api: Api, event: Any) -> None:
    """Random methods, paths, queries, headers, bodies and broken fields: < 500."""
    answer = proxy_api(event)
    assert answer["statusCode"] < 500, (answer, event)
    json.dumps(answer)


@PROPERTY
@given(
    path_value=texts,
    query=st.dictionaries(texts, texts, max_size=3),
    headers=st.dictionaries(st.text("abcdefgh-", min_size=1, max_size=8), texts),
    body=json_values,
)
def test_random_request_templates_never_get_a_5xx(
    api: Api, path_value: str, query: dict[str, str], headers: dict[str, str], body: Any
) -> None:
    """Template events answer or raise HTTPError, and only ever with a 4xx."""
    event = request_template_event(
        "POST",
        "/v1/users/{user_id}/pets",
        path_parameters={"user_id": path_value},
        query=query,
        headers=headers,
        body=body,
    )
    status = 200
    try:
        api(event)
    except HTTPError as error:
        status = error.status
    assert status < 500


def test_json_nested_beyond_the_recursion_limit_is_a_400(
    api: Api, body_json: Parse
) -> None:
    """A body Python cannot parse without blowing its stack is the client's error."""
    depth = 100_000
    event = apigw_v1_event("POST", "/pets", body="[" * depth + "]" * depth)
    answer = api(event)
    assert answer["statusCode"] == 400
    assert body_json(answer)["detail"] == "The request body is nested too deeply."
