"""Hypothesis strategies for Lambda events: random JSON and broken integration events.

Needs hypothesis (``pip install 'fleece-testing[hypothesis]'``). A handler fed these
should answer every one with a 4xx or its app's own answer, never a 5xx::

    @given(event=http_events())
    def test_never_a_5xx(event):
        assert handler(event, None)["statusCode"] < 500
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from fleece.testing._events import (
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
)

__all__ = ["http_events", "json_values"]

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value: what a function invoked with a foreign event may receive."""

_BUILDERS: list[Callable[..., dict[str, Any]]] = [
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
    alb_event,
]
_TEXTS = st.text(max_size=20)
_HEADER_NAMES = st.sampled_from(
    [
        "host",
        "content-type",
        "content-length",
        "cookie",
        "transfer-encoding",
        "x-forwarded-for",
        "x-forwarded-port",
        "x-forwarded-proto",
    ]
) | st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)
_VALUES = _TEXTS | st.lists(_TEXTS, min_size=1, max_size=3)


@st.composite
def http_events(
    draw: st.DrawFn, paths: st.SearchStrategy[str] | None = None
) -> dict[str, Any]:
    """Events shaped by an integration, with random contents and broken fields.

    Args:
        draw: given by hypothesis.
        paths: the paths to call; by default any text after a ``/``.

    Returns:
        A REST v1, HTTP API v2, Function URL or ALB event: random method, path,
        query, headers and body, and up to two top-level fields replaced by random
        JSON.
    """
    builder: Callable[..., dict[str, Any]] = draw(st.sampled_from(_BUILDERS))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]) | _TEXTS)
    path = draw(paths if paths is not None else _TEXTS.map(lambda p: "/" + p))
    body = draw(
        st.none()
        | _TEXTS
        | st.binary(max_size=40)
        | st.dictionaries(_TEXTS, _TEXTS | st.integers(), max_size=3)
    )
    event = builder(
        method if method.isalpha() else "GET",
        path,
        query=draw(st.dictionaries(_TEXTS, _VALUES, max_size=3)),
        headers=draw(st.dictionaries(_HEADER_NAMES, _TEXTS, max_size=4)),
        body=body,
    )
    if not method.isalpha():
        if "httpMethod" in event:
            event["httpMethod"] = method
        else:
            event["requestContext"]["http"]["method"] = method
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from(sorted(event)))
        event[key] = draw(json_values)
    return event
