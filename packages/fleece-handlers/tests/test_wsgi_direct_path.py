"""WSGIHandler's direct path gives exactly what the general path gives.

A well-formed event becomes its WSGI environ straight from the event
(``direct_environ``); anything unusual takes the general path (``request_from_event``
then ``environ_for``). Both must give the app the same environ and the client the same
answer, for every event: random well-formed and broken ones, the recorded samples and
fleece-testing's builders.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleece.handlers import WSGIHandler
from fleece.handlers._direct import direct_environ
from fleece.handlers._events import EventError, request_from_event
from fleece.handlers._serve import serve_event
from fleece.handlers._wsgi import call_wsgi, environ_for
from fleece.testing import (
    SAMPLE_EVENTS,
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
    sample_event,
)
from fleece.testing.strategies import http_events, json_values

Environ = dict[str, Any]
StartResponse = Callable[..., Any]

PROPERTY = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
LOGGER = logging.getLogger("handlers.tests.direct")


def echo_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """A WSGI app answering with every text the environ holds, and the body it got."""
    seen = {key: value for key, value in environ.items() if isinstance(value, str)}
    seen["body"] = environ["wsgi.input"].read().decode("latin-1")
    start_response(
        "201 Created",
        [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("X-Path", environ["PATH_INFO"]),
        ],
    )
    return [json.dumps(seen, sort_keys=True).encode()]


def plain_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """A WSGI app answering with one header of each name, as most responses have."""
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [environ["REQUEST_METHOD"].encode(), b" ", environ["QUERY_STRING"].encode()]


def general_environ(event: Any) -> Environ | None:
    """The environ the general path makes of ``event``; None if it rejects it."""
    try:
        request = request_from_event(event)
    except EventError:
        return None
    return environ_for(request)


def general_answer(app: Any, event: Any) -> Any:
    """What a WSGIHandler answered before it had a direct path."""

    def run(request: Any) -> Any:
        return call_wsgi(app, environ_for(request))

    return serve_event(run, event, LOGGER)


def comparable(environ: Environ) -> Environ:
    """The environ with its body stream read, so that two environs compare."""
    copy = dict(environ)
    copy["wsgi.input"] = environ["wsgi.input"].read()
    return copy


def assert_same_as_general_path(event: Any) -> bool:
    """Compare the two paths on ``event``; return whether the direct one took it."""
    general = general_environ(event)
    direct = direct_environ(event)
    if direct is not None:
        assert general is not None, event
        kind, environ = direct
        assert kind is request_from_event(event).kind
        assert comparable(environ) == comparable(general), event
    for app in (echo_app, plain_app):
        assert _answer(WSGIHandler(app), event) == _answer(
            lambda e, a=app: general_answer(a, e), event
        ), event
    return direct is not None


def _answer(handler: Callable[[Any], Any], event: Any) -> Any:
    try:
        return handler(event)
    except Exception as error:  # HTTPError for events of no known shape
        return repr(error)


# Parts of events chosen to hit each case the direct path leaves to the general one:
# repeated or mixed-case names, underscores, text beyond ASCII, escapes, odd hosts.
_TEXTS = st.sampled_from(
    ["", "a", "b c", "x+y", "%41", "%zz", "é", "日本", "a=b&c", "1,2", ";"]
) | st.text(max_size=6)
_HEADER_NAMES = st.sampled_from(
    [
        "Host",
        "host",
        "Content-Type",
        "content-type",
        "Content-Length",
        "Connection",
        "Transfer-Encoding",
        "Cookie",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "x-forwarded-port",
        "X_Forwarded_Proto",
        "X-Tag",
        "x-tag",
        "Ünicode",
    ]
)
_HEADER_VALUES = (
    st.sampled_from(
        [
            "example.com",
            "example.com:8443",
            "[::1]:8080",
            "abc.execute-api.us-east-1.amazonaws.com",
            "bad host",
            "http",
            "https",
            "HTTP",
            "ftp",
            "80",
            "99999",
            "x",
            "application/json",
            "text/plain; charset=latin-1",
            "nonsense",
            "keep-alive",
            "chunked",
            "10",
            "198.51.100.1, 203.0.113.9",
        ]
    )
    | _TEXTS
)
_PATHS = st.sampled_from(
    ["/", "/pets/1", "/a%20b", "/a%2Fb", "//x", "/x//y", "/prod/x", "/prod", "/é", ""]
) | _TEXTS.map(lambda text: "/" + text)
_BODIES = st.none() | _TEXTS | st.binary(max_size=8) | st.just({"k": "v"})
_VALUES = _TEXTS | st.lists(_TEXTS, min_size=1, max_size=2)
# A lone surrogate: text that is no UTF-8, as a hand-built event may hold.
_ODD_VALUES = st.sampled_from([None, "\udcff", "/\udcff", [], {}]) | json_values


def _alb_multi(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return alb_event(*args, multi_value=True, **kwargs)


@st.composite
def tricky_events(draw: st.DrawFn) -> dict[str, Any]:
    """Integration events with contents at the edges of what the direct path takes."""
    builder = draw(
        st.sampled_from(
            [apigw_v1_event, apigw_v2_event, function_url_event, alb_event, _alb_multi]
        )
    )
    method = draw(st.sampled_from(["GET", "POST", "HEAD", "DELETE", "PUT"]))
    kwargs: dict[str, Any] = {
        "query": draw(st.dictionaries(_TEXTS, _VALUES, max_size=3)),
        "headers": draw(st.dictionaries(_HEADER_NAMES, _HEADER_VALUES, max_size=4)),
        "body": draw(_BODIES),
    }
    if builder is not alb_event and builder is not _alb_multi:
        kwargs["cookies"] = draw(st.dictionaries(_TEXTS, _TEXTS, max_size=2))
    if builder in (apigw_v1_event, apigw_v2_event):
        kwargs["stage"] = draw(st.sampled_from(["prod", "$default", "a/b", "v1.0"]))
    event = builder(method, draw(_PATHS), **kwargs)
    for _ in range(draw(st.integers(0, 2))):
        _mutate(draw, event)
    return event


def _mutate(draw: st.DrawFn, event: dict[str, Any]) -> None:
    """Make one field of the event unusual: a repeat, a null, a type, a version."""
    change = draw(st.integers(0, 7))
    if change == 0 and isinstance(event.get("multiValueHeaders"), dict):
        name = draw(st.sampled_from([*event["multiValueHeaders"], "X-Tag"]))
        event["multiValueHeaders"].setdefault(name, []).append(draw(_HEADER_VALUES))
    elif change == 1 and isinstance(event.get("headers"), dict):
        event["headers"][draw(_HEADER_NAMES)] = draw(_ODD_VALUES | _HEADER_VALUES)
    elif change == 2:
        event["version"] = draw(st.sampled_from(["1.0", "2.0", None]))
    elif change == 3 and isinstance(event.get("requestContext"), dict):
        context = event["requestContext"]
        key = draw(st.sampled_from(["identity", "stage", "http", "elb"]))
        if key in context:
            context[key] = draw(_ODD_VALUES)
    elif change == 4:
        key = draw(st.sampled_from(sorted(event)))
        event[key] = draw(_ODD_VALUES)
    elif change == 5:
        event["cookies"] = draw(st.lists(_TEXTS | st.integers(), max_size=2))
    elif change == 6:
        event["rawQueryString"] = draw(_TEXTS)
    else:
        event["isBase64Encoded"] = draw(st.booleans())


@PROPERTY
@given(event=tricky_events())
def test_the_direct_path_gives_the_general_paths_environ_and_answer(
    event: dict[str, Any],
) -> None:
    """Events at the edges (repeats, escapes, text beyond ASCII, odd types): the same
    environ whenever the direct path takes the event, the same answer always."""
    assert_same_as_general_path(event)


@PROPERTY
@given(event=http_events())
def test_random_and_broken_events_get_the_same_answer_either_way(
    event: dict[str, Any],
) -> None:
    """fleece-testing's random events, up to two fields broken: the same answers."""
    assert_same_as_general_path(event)


@PROPERTY
@given(event=json_values)
def test_json_of_no_known_shape_is_left_to_the_general_path(event: Any) -> None:
    """Any JSON at all: never taken directly unless the general path accepts it."""
    assert_same_as_general_path(event)


@pytest.mark.parametrize("name", SAMPLE_EVENTS)
def test_recorded_sample_events_get_the_same_environ_and_answer(name: str) -> None:
    """The recorded events of every integration: the same environ and answer."""
    assert_same_as_general_path(sample_event(name))


BUILT_EVENTS = {
    "rest-v1 GET with a repeated query": apigw_v1_event(
        "GET", "/pets/42", query={"tag": ["a", "b"]}
    ),
    "rest-v1 POST JSON": apigw_v1_event("POST", "/pets", body={"name": "Rex"}),
    "rest-v1 binary upload": apigw_v1_event("PUT", "/photo", body=b"\x00\xff"),
    "rest-v1 $default stage": apigw_v1_event("GET", "/pets", stage="$default"),
    "http-api-v2 POST with cookies": apigw_v2_event(
        "POST", "/pets", cookies={"session": "abc"}, body={"name": "Rex"}
    ),
    "http-api-v2 named stage": apigw_v2_event("GET", "/pets/1", stage="beta"),
    "http-api-v2 escaped path": apigw_v2_event("GET", "/files/a%20b"),
    "function-url GET": function_url_event("GET", "/pets/1", query={"limit": "2"}),
    "alb GET": alb_event("GET", "/pets/7", query={"tag": "cat"}),
    "alb GET with an escaped query": alb_event("GET", "/", query={"q": "a b&c"}),
    "alb multi-value": _alb_multi("GET", "/pets", query={"t": ["a", "b"]}),
    "alb POST with Connection": alb_event(
        "POST", "/pets", headers={"connection": "keep-alive"}, body={"a": 1}
    ),
}


@pytest.mark.parametrize("label", BUILT_EVENTS)
def test_builder_events_take_the_direct_path_with_the_same_result(label: str) -> None:
    """Every well-formed event fleece-testing builds is read directly, unchanged."""
    assert assert_same_as_general_path(BUILT_EVENTS[label])


def test_a_header_sent_twice_is_left_to_the_general_path_and_joined() -> None:
    """REST v1 multi-value headers with two values: the app sees them comma-joined."""
    event = apigw_v1_event("GET", "/", headers={"X-Tag": ["a", "b"]})

    answer = WSGIHandler(echo_app)(event)

    assert direct_environ(event) is None
    assert json.loads(answer["body"])["HTTP_X_TAG"] == "a,b"


def test_a_header_beyond_ascii_is_left_to_the_general_path_as_latin_1() -> None:
    """PEP 3333: a UTF-8 header value reaches the app as latin-1 code points."""
    event = apigw_v2_event("GET", "/", headers={"x-name": "José"})

    answer = WSGIHandler(echo_app)(event)

    assert direct_environ(event) is None
    latin_1 = "José".encode().decode("latin-1")
    assert json.loads(answer["body"])["HTTP_X_NAME"] == latin_1


def test_two_spellings_of_one_header_name_are_left_to_the_general_path() -> None:
    """Host and host in one event: both values reach the app, comma-joined."""
    event = apigw_v2_event("GET", "/")
    event["headers"]["Host"] = "other.example.com"

    answer = WSGIHandler(echo_app)(event)

    assert direct_environ(event) is None
    assert json.loads(answer["body"])["HTTP_HOST"].endswith(",other.example.com")


def test_an_underscored_header_name_does_not_pass_for_its_dashed_twin() -> None:
    """X_Forwarded_Proto: http is not X-Forwarded-Proto: the URL stays https."""
    event = apigw_v2_event("GET", "/", headers={"x-forwarded-proto": "https"})
    event["headers"]["x_forwarded_proto"] = "http"

    answer = WSGIHandler(echo_app)(event)

    assert direct_environ(event) is None
    assert json.loads(answer["body"])["wsgi.url_scheme"] == "https"


def test_a_malformed_event_is_left_to_the_general_path_for_its_400() -> None:
    """A v2 event whose cookies are not text: the general path's 400, named field."""
    event = apigw_v2_event("GET", "/")
    event["cookies"] = [1]

    answer = WSGIHandler(echo_app)(event)

    assert direct_environ(event) is None
    assert answer["statusCode"] == 400
    assert "cookie" in json.loads(answer["body"])["detail"]
