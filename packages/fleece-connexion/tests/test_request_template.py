"""fleece 1.x's non-proxy request template: parsed bodies back, HTTPError otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fleece.httperror import HTTPError
from fleece.testing import request_template_event

Api = Callable[..., Any]


def test_success_returns_the_parsed_json_body(api: Api) -> None:
    """GET /users/1: the operation's JSON, as a dict."""
    assert api(
        request_template_event(
            "GET", "/users/{user_id}", path_parameters={"user_id": 1}
        )
    ) == {"id": 1, "name": "Ada"}


def test_no_content_returns_none(api: Api) -> None:
    """A 204 has no body to parse."""
    event = request_template_event(
        "DELETE", "/pets/{pet_id}", path_parameters={"pet_id": "7"}
    )
    assert api(event) is None


def test_4xx_raises_http_error_with_the_error_message_of_the_body(api: Api) -> None:
    """The body's error.message becomes the HTTPError message."""
    event = request_template_event(
        "GET", "/users/{user_id}", path_parameters={"user_id": "9"}
    )
    with pytest.raises(HTTPError) as raised:
        api(event)
    assert str(raised.value) == "404: Not Found - user 9 does not exist"
    assert (raised.value.status, raised.value.message) == (404, "user 9 does not exist")


def test_4xx_raises_http_error_with_connexion_detail(api: Api) -> None:
    """connexion's validation detail becomes the message."""
    event = request_template_event(
        "POST",
        "/v1/users/{user_id}/pets",
        path_parameters={"user_id": "7"},
        body={"tag": "dog"},
    )
    with pytest.raises(HTTPError, match=r"^400: Bad Request - 'name' is a required"):
        api(event)


def test_4xx_without_a_message_says_client_error(api: Api) -> None:
    """A body with neither error.message nor detail."""
    with pytest.raises(HTTPError) as raised:
        api(request_template_event("GET", "/teapot"))
    assert str(raised.value) == "418: I'm a Teapot - Client Error"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/boom", "500: Internal Server Error"),
        ("/pets/42/broken", "500: Internal Server Error"),
        ("/unavailable", "503: Service Unavailable"),
    ],
)
def test_5xx_raises_a_bare_http_error_without_internals(
    api: Api, path: str, text: str
) -> None:
    """Exceptions, contract violations and 5xx answers: status and reason only."""
    with pytest.raises(HTTPError) as raised:
        api(request_template_event("GET", path))
    assert text == str(raised.value)
    assert raised.value.message is None


def test_greedy_proxy_path_parameter_keeps_its_slashes(api: Api) -> None:
    """{proxy+} spans several segments; other characters are still encoded."""
    event = request_template_event(
        "GET", "/files/{proxy+}", path_parameters={"proxy": "docs/2026/report #1.pdf"}
    )
    assert api(event) == {"path": "docs/2026/report #1.pdf"}


def test_query_string_and_body_reach_the_operation(api: Api) -> None:
    """querystring values are sent on; the body is sent as JSON."""
    event = request_template_event(
        "POST",
        "/v1/users/{user_id}/pets",
        path_parameters={"user_id": "3"},
        query={"notify": "true"},
        body={"name": "Tom"},
    )
    created = api(event)
    assert {"owner": 3, "notified": True, "name": "Tom"}.items() <= created.items()


def test_missing_path_parameter_is_a_400_http_error(api: Api) -> None:
    """The template names a parameter the event has no value for."""
    event = request_template_event("GET", "/users/{user_id}")
    with pytest.raises(HTTPError) as raised:
        api(event)
    assert raised.value.status == 400
    assert "'user_id'" in str(raised.value)


def test_call_proxy_api_answers_template_errors_with_a_proxy_dict(
    proxy_api: Api,
) -> None:
    """No exception from call_proxy_api: the 4xx comes back as statusCode."""
    answer = proxy_api(
        request_template_event(
            "GET", "/users/{user_id}", path_parameters={"user_id": "9"}
        )
    )
    assert answer["statusCode"] == 404
    malformed = proxy_api(request_template_event("GET", "/users/{user_id}"))
    assert malformed["statusCode"] == 400
