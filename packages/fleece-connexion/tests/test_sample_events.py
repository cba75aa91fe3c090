"""The sample events of every integration, fed through the petstore API."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fleece.connexion import EventKind, detect_event
from fleece.testing import (
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
    request_template_event,
    sample_event,
)

Api = Callable[..., Any]
Parse = Callable[[dict[str, Any]], Any]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("apigw-rest-v1-proxy", EventKind.REST_V1),
        ("apigw-http-v2", EventKind.HTTP_API_V2),
        ("alb", EventKind.ALB),
        ("function-url", EventKind.FUNCTION_URL),
        ("request-template", EventKind.REQUEST_TEMPLATE),
    ],
)
def test_each_sample_event_is_recognised(name: str, kind: EventKind) -> None:
    """detect_event names the integration that sent each sample."""
    assert kind is detect_event(sample_event(name))


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (apigw_v1_event("GET", "/pets"), EventKind.REST_V1),
        (apigw_v2_event("GET", "/pets"), EventKind.HTTP_API_V2),
        (apigw_v2_event("GET", "/pets", stage="beta"), EventKind.HTTP_API_V2),
        (function_url_event("GET", "/pets"), EventKind.FUNCTION_URL),
        (alb_event("GET", "/pets"), EventKind.ALB),
        (alb_event("GET", "/pets", multi_value=True), EventKind.ALB_MULTI_VALUE),
        (request_template_event("GET", "/pets"), EventKind.REQUEST_TEMPLATE),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_events_from_fleece_testing_builders_are_recognised(
    event: dict[str, Any], kind: EventKind
) -> None:
    """The builders and the detection agree on every integration."""
    assert detect_event(event) is kind


def test_rest_v1_proxy_event_gets_a_rest_v1_answer(api: Api, body_json: Parse) -> None:
    """GET /pets/42: statusCode, headers and multiValueHeaders, a text JSON body."""
    answer = api(sample_event("apigw-rest-v1-proxy"))
    assert answer["statusCode"] == 200
    assert body_json(answer) == {"id": 42, "name": "Rex", "tag": "dog"}
    assert answer["headers"]["content-type"] == "application/json"
    assert answer["multiValueHeaders"]["content-type"] == ["application/json"]
    assert {
        "statusCode",
        "headers",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    } == set(answer)


def test_http_api_v2_event_with_base64_body_creates_a_pet(
    api: Api, body_json: Parse
) -> None:
    """POST /pets with a base64 JSON body: 201, a Location, cookies list, no multi."""
    answer = api(sample_event("apigw-http-v2"))
    assert answer["statusCode"] == 201
    assert body_json(answer) == {"id": 43, "name": "Rex", "tag": "dog"}
    assert (
        answer["headers"]["location"]
        == "https://r3pmxmplak.execute-api.us-east-2.amazonaws.com/pets/43"
    )
    assert answer["cookies"] == []
    assert {"statusCode", "headers", "cookies", "body", "isBase64Encoded"} == set(
        answer
    )


def test_alb_event_gets_a_status_description(api: Api, body_json: Parse) -> None:
    """PUT /pets/7 through ALB: 200 with statusDescription and single-value headers."""
    answer = api(sample_event("alb"))
    assert answer["statusCode"] == 200
    assert answer["statusDescription"] == "200 OK"
    assert body_json(answer) == {"id": 7, "name": "Fido", "tag": "dog"}
    assert "multiValueHeaders" not in answer
    assert answer["headers"]["content-type"] == "application/json"


def test_function_url_event_lists_pets(api: Api, body_json: Parse) -> None:
    """GET /pets?limit=2 through a Function URL."""
    answer = api(sample_event("function-url"))
    assert answer["statusCode"] == 200
    assert [pet["id"] for pet in body_json(answer)] == [7, 42]
    assert answer["cookies"] == []


def test_request_template_event_returns_the_parsed_body(api: Api) -> None:
    """As in 1.x, the request template gets the JSON body back, not a proxy dict."""
    assert api(sample_event("request-template")) == {
        "id": 43,
        "owner": 7,
        "name": "Rex",
        "tag": "dog",
        "notified": True,
    }


def test_request_template_event_through_call_proxy_api_gets_a_proxy_answer(
    proxy_api: Api, body_json: Parse
) -> None:
    """call_proxy_api always answers with a proxy dict."""
    answer = proxy_api(sample_event("request-template"))
    assert answer["statusCode"] == 201
    assert body_json(answer)["name"] == "Rex"


@pytest.mark.parametrize("name", ["apigw-rest-v1-proxy", "function-url"])
def test_call_proxy_api_answers_proxy_events_as_call_api_does(
    api: Api, proxy_api: Api, name: str
) -> None:
    """For proxy events the two entry points give the same answer."""
    assert api(sample_event(name)) == proxy_api(sample_event(name))


def test_answers_are_plain_json_serialisable_dicts(api: Api) -> None:
    """What Lambda's runtime serialises: json.dumps works on every answer."""
    for name in ("apigw-rest-v1-proxy", "apigw-http-v2", "alb", "function-url"):
        answer = api(sample_event(name))
        assert answer == json.loads(json.dumps(answer))


def test_a_hand_built_proxy_event_without_request_context_is_served(
    proxy_api: Callable[..., dict[str, Any]], body_json: Parse
) -> None:
    """A minimal REST v1 event (method and path, no requestContext) still routes."""
    created = proxy_api(
        {
            "httpMethod": "POST",
            "path": "/pets",
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"name": "Handmade"}),
        }
    )
    listed = proxy_api({"httpMethod": "GET", "path": "/pets"})

    assert created["statusCode"] == 201
    assert body_json(created) in body_json(listed)
    assert body_json(created)["name"] == "Handmade"
    assert detect_event({"httpMethod": "GET", "path": "/"}) is EventKind.REST_V1


@pytest.mark.parametrize(
    "event",
    [{"httpMethod": "GET"}, {"httpMethod": 5, "path": "/pets"}, {"path": "/pets"}],
)
def test_a_proxy_like_event_missing_its_method_or_path_is_refused(
    proxy_api: Callable[..., dict[str, Any]], event: dict[str, Any]
) -> None:
    """Without a string method and path, an event is of no known shape: 400."""
    assert proxy_api(event)["statusCode"] == 400
