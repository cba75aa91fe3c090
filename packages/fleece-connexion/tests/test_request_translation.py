"""What the app sees of a request, for each integration: built with fleece.testing."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from fleece.testing import (
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
    request_template_event,
)

Api = Callable[..., Any]
Parse = Callable[[dict[str, Any]], Any]


@pytest.fixture
def echo(api: Api, body_json: Parse) -> Callable[[Any], dict[str, Any]]:
    """Send an event to /echo and return what the app received."""

    def send(event: Any) -> dict[str, Any]:
        answer = api(event)
        assert answer["statusCode"] == 200, answer["body"]
        received: dict[str, Any] = body_json(answer)
        received["body"] = base64.b64decode(received.pop("body_base64"))
        return received

    return send


def test_rest_v1_multi_value_query_headers_cookies_and_source_ip(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """Repeated query values and headers, cookies and the caller's address arrive."""
    received = echo(
        apigw_v1_event(
            "GET",
            "/echo",
            query={"q": ["a", "b c"]},
            headers={"X-Custom": ["one", "two"]},
            cookies={"session": "abc"},
            source_ip="198.51.100.9",
        )
    )
    assert received["query"] == {"q": ["a", "b c"]}
    assert received["headers"]["x-custom"] == "one,two"
    assert received["cookies"] == {"session": "abc"}
    assert received["remote_addr"] == "198.51.100.9"


def test_rest_v1_stage_is_the_root_of_urls_the_app_builds(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """On an execute-api host the stage prefixes the app's URLs, as in 1.x."""
    received = echo(apigw_v1_event("GET", "/echo", stage="prod"))
    assert received["script_root"] == "/prod"
    assert received["path"] == "/echo"
    assert (
        received["url"]
        == "https://abc123.execute-api.us-east-1.amazonaws.com/prod/echo"
    )


def test_rest_v1_on_a_custom_domain_has_no_stage_root(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """Behind a custom domain clients do not see the stage, so neither does the app."""
    received = echo(apigw_v1_event("GET", "/echo", headers={"Host": "api.example.com"}))
    assert received["script_root"] == ""
    assert received["url"] == "https://api.example.com/echo"


def test_http_api_named_stage_is_removed_before_routing(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """rawPath /beta/echo routes to /echo; the stage stays the URLs' root."""
    received = echo(apigw_v2_event("GET", "/echo", stage="beta", query={"q": "1"}))
    assert received["path"] == "/echo"
    assert received["script_root"] == "/beta"
    assert received["query"] == {"q": ["1"]}


@pytest.mark.parametrize("builder", [apigw_v2_event, function_url_event])
def test_payload_v2_source_ip_is_the_client_address(
    echo: Callable[[Any], dict[str, Any]], builder: Callable[..., dict[str, Any]]
) -> None:
    """HTTP API v2 and Function URL events give the caller's address in
    requestContext.http.sourceIp."""
    received = echo(builder("GET", "/echo", source_ip="198.51.100.23"))
    assert received["remote_addr"] == "198.51.100.23"


def test_http_api_cookies_become_one_cookie_header(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """The v2 ``cookies`` list reaches the app as cookies."""
    received = echo(
        apigw_v2_event("GET", "/echo", cookies={"session": "abc", "theme": "dark"})
    )
    assert received["cookies"] == {"session": "abc", "theme": "dark"}


def test_binary_body_is_decoded_and_content_length_counts_decoded_bytes(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """A base64 body reaches the app as bytes, Content-Length set from them."""
    payload = bytes(range(256)) * 3
    event = apigw_v1_event(
        "POST",
        "/echo",
        body=payload,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert event["isBase64Encoded"] is True
    received = echo(event)
    assert payload == received["body"]
    assert str(len(payload)) == received["headers"]["content-length"]


def test_text_body_content_length_counts_utf8_bytes_not_characters(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """Events carry no Content-Length; fleece sets it from the encoded body."""
    text = "héllo wörld ✓"
    received = echo(
        function_url_event(
            "POST", "/echo", body=text, headers={"content-type": "text/plain"}
        )
    )
    assert text.encode() == received["body"]
    assert str(len(text.encode())) == received["headers"]["content-length"]


def test_content_length_sent_in_the_event_is_replaced_by_the_real_one(
    api: Api, body_json: Parse
) -> None:
    """A stale Content-Length in the event neither truncates nor fails the body."""
    event = apigw_v1_event(
        "POST", "/pets", body={"name": "Bo"}, headers={"Content-Length": "3"}
    )
    answer = api(event)
    assert answer["statusCode"] == 201
    assert body_json(answer)["name"] == "Bo"


def test_alb_query_values_are_decoded_exactly_once(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """ALB passes query strings on still encoded: "%2520" arrives as "%20"."""
    received = echo(alb_event("GET", "/echo", query={"q": "a b&c=d%20+"}))
    assert received["query"] == {"q": ["a b&c=d%20+"]}


def test_alb_multi_value_query_and_headers(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """With multi-value headers on, every value of a repeated parameter arrives."""
    received = echo(
        alb_event(
            "GET",
            "/echo",
            query={"q": ["x y", "z"]},
            headers={"x-custom": ["one", "two"]},
            multi_value=True,
        )
    )
    assert received["query"] == {"q": ["x y", "z"]}
    assert received["headers"]["x-custom"] == "one,two"


def test_alb_client_address_comes_from_x_forwarded_for(
    echo: Callable[[Any], dict[str, Any]],
) -> None:
    """ALB events have no source IP field: the address ALB saw is the last one."""
    received = echo(
        alb_event("GET", "/echo", headers={"x-forwarded-for": "10.1.1.1, 192.0.2.44"})
    )
    assert received["remote_addr"] == "192.0.2.44"


@pytest.mark.parametrize(
    "event",
    [
        apigw_v1_event(
            "GET", "/echo/caf%C3%A9%20au%20lait", path_parameters={"word": "café"}
        ),
        apigw_v2_event("GET", "/echo/caf%C3%A9%20au%20lait"),
        function_url_event("GET", "/echo/caf%C3%A9%20au%20lait"),
        alb_event("GET", "/echo/caf%C3%A9%20au%20lait"),
        request_template_event(
            "GET", "/echo/{word}", path_parameters={"word": "café au lait"}
        ),
    ],
    ids=["rest-v1", "http-api-v2", "function-url", "alb", "request-template"],
)
def test_url_encoded_path_parameters_arrive_decoded(
    proxy_api: Api, event: dict[str, Any]
) -> None:
    """Percent-encoded path segments reach the operation as text."""
    answer = proxy_api(event)
    assert answer["statusCode"] == 200
    assert answer["body"] == "café au lait"
    assert answer["headers"]["content-type"].startswith("text/plain")


def test_request_template_query_headers_and_source_ip(api: Api) -> None:
    """The template's querystring, header map and identity reach the app."""
    event = request_template_event(
        "GET",
        "/echo",
        query={"q": "x y"},
        headers={"X-Custom": "1"},
        source_ip="203.0.113.50",
    )
    received = api(event)
    assert received["query"] == {"q": ["x y"]}
    assert received["headers"]["x-custom"] == "1"
    assert received["remote_addr"] == "203.0.113.50"


@pytest.mark.parametrize(
    ("path", "stage", "script_root"),
    [("/beta/echo", "beta", "/beta"), ("/echo", "$default", "")],
    ids=["named-stage", "default-stage"],
)
def test_http_api_payload_v1_keeps_a_named_stage_once_and_the_default_in_no_url(
    echo: Callable[[Any], dict[str, Any]], path: str, stage: str, script_root: str
) -> None:
    """HTTP APIs sending payload 1.0 put a named stage in ``path`` already.

    The $default stage is not part of any URL.
    """
    event = apigw_v1_event("GET", path, stage=stage)
    event["version"] = "1.0"
    received = echo(event)
    assert received["path"] == "/echo"
    assert received["script_root"] == script_root
    assert (
        received["url"]
        == f"https://abc123.execute-api.us-east-1.amazonaws.com{script_root}/echo"
    )


@pytest.mark.parametrize("port", ["²", "99999999", "-1", ""])
def test_odd_forwarded_ports_fall_back_to_the_scheme_default(
    echo: Callable[[Any], dict[str, Any]], port: str
) -> None:
    """X-Forwarded-Port is only trusted when it is a port number."""
    received = echo(apigw_v1_event("GET", "/echo", headers={"X-Forwarded-Port": port}))
    assert (
        received["url"]
        == "https://abc123.execute-api.us-east-1.amazonaws.com/prod/echo"
    )
