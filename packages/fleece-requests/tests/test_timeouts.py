"""Timeouts: per call, installed by default, and their checks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleece import requests
from fleece.testing import ScriptedHTTPServer


def test_without_a_timeout_a_slow_answer_is_awaited(
    http_server: ScriptedHTTPServer,
) -> None:
    """Nothing installed: no timeout, as plain requests."""
    http_server.enqueue(200, body="late", stall=0.5)

    assert requests.get(http_server.url).text == "late"


def test_a_call_timeout_fires_against_a_stalling_server(
    http_server: ScriptedHTTPServer,
) -> None:
    """``timeout=0.2`` raises ReadTimeout when the server stalls."""
    http_server.set_default(stall=2.0)

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(http_server.url, timeout=0.2)


def test_a_connect_read_pair_fires_its_read_timeout_on_a_call_and_a_session(
    http_server: ScriptedHTTPServer,
) -> None:
    """``timeout=(5, 0.2)``: the read part fires, per call and per Session."""
    http_server.set_default(stall=2.0)

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(http_server.url, timeout=(5, 0.2))
    with (
        requests.Session(timeout=(5, 0.2)) as session,
        pytest.raises(requests.exceptions.ReadTimeout),
    ):
        session.get(http_server.url)

    assert len(http_server.requests) == 2


def test_the_installed_default_timeout_applies_to_calls_without_one(
    http_server: ScriptedHTTPServer,
) -> None:
    """``set_default_timeout(0.2)`` makes an unchanged call time out."""
    requests.set_default_timeout(0.2)
    http_server.set_default(stall=2.0)

    with pytest.raises(requests.Timeout):
        requests.get(http_server.url)


def test_a_call_timeout_beats_the_installed_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """A longer per-call timeout lets a slow answer through."""
    requests.set_default_timeout(0.1)
    http_server.enqueue(200, body="late", stall=0.4)

    assert requests.get(http_server.url, timeout=5).text == "late"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": (5, 0.2)},
        {"timeout": 5, "read_timeout": 0.2},
        {"read_timeout": 0.2},
        {"timeout": (5, 5), "read_timeout": 0.2},
    ],
    ids=repr,
)
def test_default_read_timeouts_fire_in_every_spelling(
    http_server: ScriptedHTTPServer, kwargs: dict[str, object]
) -> None:
    """A pair, ``read_timeout=`` and ``timeout=`` combine into one default."""
    requests.set_default_timeout(**kwargs)  # type: ignore[arg-type]  # deliberately wrong
    http_server.set_default(stall=2.0)

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(http_server.url)


def test_set_default_timeout_without_arguments_removes_the_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """After clearing, a slow answer is awaited again."""
    requests.set_default_timeout(0.1)
    requests.set_default_timeout()
    http_server.enqueue(200, body="late", stall=0.3)

    assert requests.get(http_server.url).text == "late"


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": "15"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": (1, 2, 3)}, "timeout"),
        ({"timeout": (1, -2)}, "read"),
        ({"timeout": ("a", 2)}, "connect"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"read_timeout": "x"}, "read_timeout"),
        ({"timeout": 5, "read_timeout": -5}, "read_timeout"),
    ],
    ids=repr,
)
def test_bad_default_timeouts_raise_value_error_naming_the_argument(
    http_server: ScriptedHTTPServer, kwargs: dict[str, object], name: str
) -> None:
    """The error names the argument, and the previous default stays in place."""
    requests.set_default_timeout(0.2)
    http_server.set_default(stall=2.0)

    with pytest.raises(ValueError, match=name):
        requests.set_default_timeout(**kwargs)  # type: ignore[arg-type]  # deliberately wrong

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(http_server.url)


@given(
    st.floats(min_value=1e-6, max_value=1e6) | st.integers(min_value=1, max_value=10**6)
)
def test_any_positive_number_is_a_valid_default_timeout(seconds: float) -> None:
    """Every finite number above 0 is accepted, alone or as a pair, and used."""
    try:
        requests.set_default_timeout(seconds)
        assert _timeout_handed_to_the_transport() == seconds
        requests.set_default_timeout((seconds, None))
        assert _timeout_handed_to_the_transport() == (seconds, None)
        requests.set_default_timeout(connect_timeout=seconds, read_timeout=seconds)
        assert _timeout_handed_to_the_transport() == (seconds, seconds)
    finally:
        requests.set_default_timeout()
    assert _timeout_handed_to_the_transport() is None


class _RecordingAdapter(requests.adapters.BaseAdapter):
    """A transport that answers 204 at once and keeps the timeout it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[object] = []

    def send(self, request: object, **kwargs: object) -> requests.Response:
        self.timeouts.append(kwargs.get("timeout"))
        response = requests.Response()
        response.status_code = 204
        return response

    def close(self) -> None:
        """Nothing to release."""


def _timeout_handed_to_the_transport() -> object:
    """The timeout a fleece Session without its own hands to its transport."""
    adapter = _RecordingAdapter()
    with requests.Session() as session:
        session.mount("http://", adapter)
        session.get("http://defaults.invalid/")
    (timeout,) = adapter.timeouts
    return timeout


@given(
    st.floats(max_value=0)
    | st.integers(max_value=0)
    | st.just(math.nan)
    | st.just(math.inf)
    | st.text()
)
def test_anything_else_is_refused_as_a_default_timeout(value: object) -> None:
    """Zero, negatives, NaN, infinity and text raise ValueError."""
    with pytest.raises(ValueError, match="timeout"):
        requests.set_default_timeout(value)  # type: ignore[arg-type]  # deliberately wrong
