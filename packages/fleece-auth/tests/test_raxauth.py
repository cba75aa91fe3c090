"""fleece.raxauth against a local HTTP server standing in for Rackspace Identity."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import flask
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fleece.raxauth
from fleece.raxauth import (
    IdentityUnavailableError,
    RaxAuthError,
    UnauthorizedError,
    authenticate,
    validate,
)
from fleece.testing import (
    LambdaContext,
    ScriptedHTTPServer,
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
    request_template_event,
)

TOKEN = "a4f2b1c9d8e7f6a5b4c3d2e1f0a9b8c7"
USERINFO: dict[str, Any] = {
    "access": {
        "token": {"id": TOKEN, "expires": "2030-01-01T00:00:00Z"},
        "user": {"id": "u-1", "name": "ann", "roles": [{"name": "admin"}]},
    }
}
PROXY_EVENTS = {
    "rest-v1": lambda headers: apigw_v1_event("GET", "/pets", headers=headers),
    "http-v2": lambda headers: apigw_v2_event("GET", "/pets", headers=headers),
    "alb": lambda headers: alb_event("GET", "/pets", headers=headers),
    "alb-multi": lambda headers: alb_event(
        "GET", "/pets", headers=headers, multi_value=True
    ),
    "function-url": lambda headers: function_url_event("GET", "/pets", headers=headers),
}


def _handler(identity: ScriptedHTTPServer, **options: Any) -> Any:
    @authenticate(identity_url=identity.url, **options)
    def lambda_handler(
        event: dict[str, Any], context: Any, userinfo: Any = None
    ) -> dict[str, Any]:
        return {"statusCode": 200, "body": userinfo["access"]["user"]["name"]}

    return lambda_handler


@pytest.fixture
def identity(http_server: ScriptedHTTPServer) -> ScriptedHTTPServer:
    """A local stand-in for Rackspace Identity; by default it knows no token."""
    http_server.set_default(404, {"itemNotFound": {"code": 404}})
    return http_server


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record, urllib3's request lines included."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.parametrize("shape", sorted(PROXY_EVENTS))
def test_a_valid_token_in_the_event_runs_the_handler_with_userinfo(
    shape: str, identity: ScriptedHTTPServer
) -> None:
    """Identity is asked about the event's X-Auth-Token; its answer is userinfo."""
    identity.enqueue(200, USERINFO)
    event = PROXY_EVENTS[shape]({"X-Auth-Token": TOKEN})

    answer = _handler(identity)(event, LambdaContext())

    assert answer == {"statusCode": 200, "body": "ann"}
    (request,) = identity.requests
    assert (request.method, request.path) == ("GET", f"/v2.0/tokens/{TOKEN}")
    assert request.headers["X-Auth-Token"] == TOKEN
    assert request.headers["Accept"] == "application/json"


@pytest.mark.parametrize("shape", sorted(PROXY_EVENTS))
def test_a_rejected_token_gets_a_401_response_for_a_proxy_event(
    shape: str, identity: ScriptedHTTPServer
) -> None:
    """The handler does not run; the integration returns a JSON 401."""
    event = PROXY_EVENTS[shape]({"x-auth-token": TOKEN})

    answer = _handler(identity)(event, LambdaContext())

    assert answer["statusCode"] == 401
    assert answer["headers"] == {"Content-Type": "application/json"}
    assert json.loads(answer["body"]) == {
        "error": {
            "message": "401: Unauthorized - the token was rejected by Rackspace "
            "Identity (404)"
        }
    }
    assert TOKEN not in answer["body"]


def test_no_token_is_a_401_without_asking_identity(
    identity: ScriptedHTTPServer,
) -> None:
    """An event without X-Auth-Token never reaches Identity."""
    answer = _handler(identity)(apigw_v2_event("GET", "/pets"), LambdaContext())

    assert answer["statusCode"] == 401
    assert "X-Auth-Token header is missing" in answer["body"]
    assert identity.requests == []


def test_the_request_template_event_raises_the_1x_401_error(
    identity: ScriptedHTTPServer,
) -> None:
    """Integration responses match "^401:" on the error text, as with 1.x."""
    event = request_template_event("GET", "/pets", headers={"X-Auth-Token": TOKEN})

    with pytest.raises(UnauthorizedError) as caught:
        _handler(identity)(event, LambdaContext())

    assert str(caught.value).startswith("401: Unauthorized - ")
    assert caught.value.status_code == caught.value.status == 401
    assert TOKEN not in str(caught.value)


def test_the_request_template_event_with_a_valid_token_runs(
    identity: ScriptedHTTPServer,
) -> None:
    """The 1.x template carries the header under parameters.request.header."""
    identity.enqueue(200, USERINFO)
    event = request_template_event("GET", "/pets", headers={"X-Auth-Token": TOKEN})

    assert _handler(identity)(event, LambdaContext())["body"] == "ann"


def test_the_1x_token_keyword_is_validated_and_userinfo_replaced(
    identity: ScriptedHTTPServer,
) -> None:
    """1.x read kwargs["token"] and filled in a userinfo keyword the caller passed."""
    identity.enqueue(200, USERINFO)
    received: dict[str, Any] = {}

    @authenticate(identity_url=identity.url)
    def operation(**kwargs: Any) -> str:
        received.update(kwargs)
        return "done"

    assert operation(token=TOKEN, userinfo=None) == "done"
    assert received == {"token": TOKEN, "userinfo": USERINFO}
    with pytest.raises(UnauthorizedError):
        operation(token=TOKEN, userinfo=None)


def test_userinfo_is_not_passed_to_a_function_without_that_parameter(
    identity: ScriptedHTTPServer,
) -> None:
    """A function taking only (event, context) still works when decorated."""
    identity.enqueue(200, USERINFO)

    @authenticate(identity_url=identity.url)
    def lambda_handler(event: dict[str, Any], context: Any) -> str:
        return "ran"

    event = apigw_v1_event(headers={"X-Auth-Token": TOKEN})
    assert lambda_handler(event, LambdaContext()) == "ran"


def test_identity_down_is_a_503_naming_the_cause_not_the_token(
    logs: pytest.LogCaptureFixture,
) -> None:
    """A refused connection: 503 (the token may be fine), no traceback, no token."""
    with ScriptedHTTPServer() as gone:
        pass  # stopped: its port now refuses connections
    handler = _handler(gone)

    answer = handler(apigw_v1_event(headers={"X-Auth-Token": TOKEN}), LambdaContext())

    assert answer["statusCode"] == 503
    assert json.loads(answer["body"])["error"]["message"] == (
        "503: Service Unavailable - Rackspace Identity could not be reached "
        "(ConnectionError)"
    )
    assert TOKEN not in logs.text
    assert "Rackspace Identity unreachable: ConnectionError" in logs.text


def test_a_slow_identity_fails_within_the_timeout(
    identity: ScriptedHTTPServer, logs: pytest.LogCaptureFixture
) -> None:
    """A stalled answer is not retried: one wait of `timeout`, then 503."""
    identity.set_default(200, USERINFO, stall=10)
    handler = _handler(identity, timeout=0.5)
    event = request_template_event(headers={"X-Auth-Token": TOKEN})

    started = time.monotonic()
    with pytest.raises(IdentityUnavailableError) as caught:
        handler(event, LambdaContext())

    assert time.monotonic() - started < 5
    assert str(caught.value) == (
        "503: Service Unavailable - Rackspace Identity did not answer in time"
    )
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert len(identity.requests) == 1
    assert TOKEN not in logs.text


def test_an_overloaded_identity_is_retried_then_answers(
    identity: ScriptedHTTPServer,
) -> None:
    """A 503 and a 429 are retried; the third answer counts."""
    identity.enqueue(503)
    identity.enqueue(429)
    identity.enqueue(200, USERINFO)

    assert validate(TOKEN, identity_url=identity.url) == USERINFO
    assert len(identity.requests) == 3


def test_checks_in_one_thread_reuse_one_connection_to_identity(
    identity: ScriptedHTTPServer,
) -> None:
    """A warm Lambda pays Identity's connection set-up once, not per request."""
    identity.set_default(200, USERINFO)

    for _ in range(3):
        validate(TOKEN, identity_url=identity.url)

    assert len(identity.requests) == 3
    assert identity.connections == 1


def test_cookies_identity_sets_are_not_sent_with_the_next_check(
    identity: ScriptedHTTPServer,
) -> None:
    """The reused connection carries no state from one caller to the next."""
    identity.enqueue(200, USERINFO, headers={"Set-Cookie": "affinity=u-1; Path=/"})
    identity.enqueue(200, USERINFO)

    validate(TOKEN, identity_url=identity.url)
    validate("another-token", identity_url=identity.url)

    assert identity.requests[1].headers.get("Cookie") is None


def test_an_identity_failing_on_every_try_is_a_503(
    identity: ScriptedHTTPServer,
) -> None:
    """After the retries, the last status is told; a 500 is never a 401."""
    identity.set_default(500, "boom")

    with pytest.raises(IdentityUnavailableError, match="answered 500"):
        validate(TOKEN, identity_url=identity.url)
    assert len(identity.requests) == 3


@pytest.mark.parametrize("body", ["<html>ok</html>", b"", ["a", "list"]])
def test_a_200_that_is_not_a_json_object_is_a_503(
    identity: ScriptedHTTPServer, body: Any
) -> None:
    """An answer Identity would never give is not taken as a valid token."""
    identity.enqueue(200, body)

    with pytest.raises(IdentityUnavailableError, match="without JSON"):
        validate(TOKEN, identity_url=identity.url)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_identity_client_errors_mean_the_token_is_rejected(
    identity: ScriptedHTTPServer, status: int
) -> None:
    """Identity's 4xx answers (but 429) are a 401, said with the status."""
    identity.enqueue(status)

    with pytest.raises(
        UnauthorizedError, match=f"rejected by Rackspace Identity \\({status}"
    ):
        validate(TOKEN, identity_url=identity.url)


def test_a_token_with_path_characters_stays_one_path_segment(
    identity: ScriptedHTTPServer,
) -> None:
    """1.x put the token into the URL unquoted: "../" reached another endpoint."""
    with pytest.raises(UnauthorizedError):
        validate("../../v2.0/users", identity_url=identity.url)

    (request,) = identity.requests
    assert request.raw_path == "/v2.0/tokens/..%2F..%2Fv2.0%2Fusers"


@pytest.mark.parametrize("token", ["", "has space", "line\nbreak", "x" * 5000])
def test_a_malformed_token_is_refused_without_asking_identity(
    identity: ScriptedHTTPServer, token: str
) -> None:
    """Whitespace, control characters or a huge value never become a request."""
    with pytest.raises(UnauthorizedError, match="missing or malformed"):
        validate(token, identity_url=identity.url)
    assert identity.requests == []


def test_the_token_never_appears_in_urllib3s_request_log(
    identity: ScriptedHTTPServer, logs: pytest.LogCaptureFixture
) -> None:
    """urllib3 logs each request path at DEBUG; the token in it is blanked."""
    identity.enqueue(503)
    identity.enqueue(200, USERINFO)

    validate(TOKEN, identity_url=identity.url)

    urllib3_lines = [r.getMessage() for r in logs.records if "urllib3" in r.name]
    assert any("/v2.0/tokens/<redacted>" in line for line in urllib3_lines)
    assert TOKEN not in logs.text


def test_assigning_token_url_fmt_points_at_another_identity_as_in_1x(
    identity: ScriptedHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code that set fleece.raxauth.TOKEN_URL_FMT keeps reaching its endpoint."""
    monkeypatch.setattr(
        fleece.raxauth, "TOKEN_URL_FMT", identity.url + "/v2.0/tokens/{token}"
    )
    identity.enqueue(200, USERINFO)

    assert validate(TOKEN) == USERINFO
    assert identity.requests[0].path == f"/v2.0/tokens/{TOKEN}"


def test_the_errors_are_fleece_httperror_as_in_1x() -> None:
    """`except HTTPError`, as 1.x code was written, still catches them."""
    from fleece.httperror import HTTPError

    assert isinstance(UnauthorizedError("x"), HTTPError)
    assert str(IdentityUnavailableError("down")) == "503: Service Unavailable - down"


def test_the_errors_share_one_base_with_the_status_attributes() -> None:
    """Callers can catch RaxAuthError and answer with its status."""
    error = UnauthorizedError("no")

    assert isinstance(error, RaxAuthError)
    assert (error.status, error.status_code, error.message) == (401, 401, "no")


def _flask_app(identity: ScriptedHTTPServer) -> flask.Flask:
    app = flask.Flask("pets")

    @app.get("/pets")
    @authenticate(identity_url=identity.url)
    def pets(userinfo: Any = None) -> dict[str, Any]:
        return {"user": userinfo["access"]["user"]["id"]}

    return app


def test_a_flask_view_reads_the_request_header(identity: ScriptedHTTPServer) -> None:
    """Inside a Flask request the token is the request's X-Auth-Token."""
    identity.enqueue(200, USERINFO)
    client = _flask_app(identity).test_client()

    response = client.get("/pets", headers={"X-Auth-Token": TOKEN})

    assert (response.status_code, response.json) == (200, {"user": "u-1"})


@pytest.mark.parametrize(("answer", "status"), [((404, b""), 401), ((500, b"x"), 503)])
def test_a_flask_view_aborts_with_401_or_503(
    identity: ScriptedHTTPServer, answer: tuple[int, bytes], status: int
) -> None:
    """A rejected token or a failing Identity is an HTTP error page, not a 500."""
    identity.set_default(*answer)
    client = _flask_app(identity).test_client()

    response = client.get("/pets", headers={"X-Auth-Token": TOKEN})

    assert response.status_code == status
    assert TOKEN not in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def rejecting_identity() -> Iterator[ScriptedHTTPServer]:
    """One Identity stand-in, for many generated tokens, that knows none of them."""
    with ScriptedHTTPServer() as server:
        server.set_default(404)
        yield server


@settings(max_examples=60, deadline=None)
@given(token=st.text(min_size=8, max_size=200))
def test_any_token_text_gives_a_401_that_never_repeats_the_token(
    rejecting_identity: ScriptedHTTPServer, token: str
) -> None:
    """Unicode, control characters, '/', '%', '?': always a clean 401, never an echo."""
    with pytest.raises(UnauthorizedError) as caught:
        validate(token, identity_url=rejecting_identity.url)

    assert token not in str(caught.value)
