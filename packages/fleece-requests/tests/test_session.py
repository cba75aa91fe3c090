"""``fleece.requests.Session``: timeout and retries per session and per call."""

from __future__ import annotations

import pickle
import threading

import pytest
import requests as real_requests
from urllib3.util.retry import Retry

from fleece import requests
from fleece.testing import Answer, ScriptedHTTPServer


def test_a_session_is_a_requests_session_and_a_context_manager(
    http_server: ScriptedHTTPServer,
) -> None:
    """``with requests.Session() as session`` works as with requests."""
    with requests.Session() as session:
        assert isinstance(session, real_requests.Session)
        assert session.get(http_server.url).status_code == 200


def test_a_session_reuses_its_connection(http_server: ScriptedHTTPServer) -> None:
    """Sequential calls of one session share one TCP connection."""
    with requests.Session() as session:
        for _ in range(3):
            session.get(http_server.url)

    assert [r.connection_id for r in http_server.requests] == [1, 1, 1]


def test_a_session_timeout_fires(http_server: ScriptedHTTPServer) -> None:
    """``Session(timeout=0.2)`` applies to calls without a timeout."""
    http_server.set_default(stall=2.0)

    with (
        requests.Session(timeout=0.2) as session,
        pytest.raises(requests.exceptions.ReadTimeout),
    ):
        session.get(http_server.url)


def test_a_session_timeout_beats_the_installed_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """The session's timeout wins over ``set_default_timeout``."""
    requests.set_default_timeout(0.1)
    http_server.enqueue(200, body="late", stall=0.4)

    with requests.Session(timeout=5) as session:
        assert session.get(http_server.url).text == "late"


def test_a_call_timeout_beats_the_session_timeout(
    http_server: ScriptedHTTPServer,
) -> None:
    """``session.get(url, timeout=5)`` awaits a slow answer despite the session's."""
    http_server.enqueue(200, body="late", stall=0.4)

    with requests.Session(timeout=0.1) as session:
        assert session.get(http_server.url, timeout=5).text == "late"


def test_a_session_without_a_timeout_uses_the_installed_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """A default installed after the session was made still applies to it."""
    session = requests.Session()
    requests.set_default_timeout(0.2)
    http_server.set_default(stall=2.0)

    with session, pytest.raises(requests.exceptions.ReadTimeout):
        session.get(http_server.url)


def test_session_retries_apply_to_its_calls(http_server: ScriptedHTTPServer) -> None:
    """``Session(retries=2)`` retries two resets."""
    http_server.enqueue(reset=True, times=2)

    with requests.Session(retries=2) as session:
        assert session.get(http_server.url).status_code == 200

    assert len(http_server.requests) == 3


def test_call_retries_beat_the_session_retries(
    http_server: ScriptedHTTPServer,
) -> None:
    """``session.get(url, retries=0)`` sends once despite ``Session(retries=5)``."""
    http_server.set_default(reset=True)

    with (
        requests.Session(retries=5) as session,
        pytest.raises(requests.ConnectionError),
    ):
        session.get(http_server.url, retries=0)

    assert len(http_server.requests) == 1


def test_a_session_without_retries_uses_the_installed_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """``set_default_retries`` applies to sessions, also ones made before."""
    session = requests.Session()
    requests.set_default_retries(total=1, status_forcelist=[503])
    http_server.enqueue(503)

    with session:
        assert session.get(http_server.url).status_code == 200

    assert len(http_server.requests) == 2


@pytest.mark.parametrize(
    "method", ["get", "options", "head", "post", "put", "patch", "delete"]
)
def test_every_session_method_takes_retries(
    http_server: ScriptedHTTPServer, method: str
) -> None:
    """Each verb method accepts ``retries=`` and is retried after a reset."""
    http_server.enqueue(reset=True)

    with requests.Session() as session:
        response = getattr(session, method)(
            http_server.url_for("/thing"),
            retries=Retry(total=1, allowed_methods=None),
        )

    assert response.status_code == 200
    assert [r.method for r in http_server.requests] == [method.upper()] * 2


def test_per_call_retries_on_a_shared_session_stay_with_their_call(
    http_server: ScriptedHTTPServer,
) -> None:
    """Threads sharing a session each get the retries they asked for."""
    http_server.set_handler(
        lambda request: Answer(reset=True) if request.path == "/fail" else None
    )
    outcomes: dict[str, object] = {}

    def call(path: str, retries: int) -> None:
        try:
            outcomes[path] = session.get(http_server.url_for(path), retries=retries)
        except requests.ConnectionError as error:
            outcomes[path] = error

    with requests.Session(retries=4) as session:
        threads = [
            threading.Thread(target=call, args=("/fail", 1)),
            threading.Thread(target=call, args=("/ok", 0)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert isinstance(outcomes["/fail"], requests.ConnectionError)
    assert getattr(outcomes["/ok"], "status_code", None) == 200
    assert [r.path for r in http_server.requests].count("/fail") == 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"timeout": -1}, ValueError),
        ({"timeout": "3"}, ValueError),
        ({"retries": "3"}, TypeError),
        ({"retries": -2}, ValueError),
        ({"retries": {"nope": 1}}, TypeError),
    ],
    ids=repr,
)
def test_bad_session_arguments_raise_at_once(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    """A session with an unusable timeout or retries is not created."""
    with pytest.raises(error):
        requests.Session(**kwargs)  # type: ignore[arg-type]  # deliberately wrong


def test_a_session_keeps_its_cookies_between_its_calls(
    http_server: ScriptedHTTPServer,
) -> None:
    """Unlike module-level calls, a session is meant to keep cookies."""
    http_server.enqueue(200, headers={"Set-Cookie": "sid=abc; Path=/"})

    with requests.Session() as session:
        session.get(http_server.url_for("/login"))
        session.get(http_server.url_for("/me"))

    assert http_server.requests[1].headers["Cookie"] == "sid=abc"


def test_a_pickled_session_keeps_its_timeout_and_retries() -> None:
    """Sessions survive pickling (as requests sessions do) with their settings."""
    session = requests.Session(timeout=(2, 7), retries=3)

    restored = pickle.loads(pickle.dumps(session))  # noqa: S301 - our own bytes

    assert (restored.timeout, restored.retries) == ((2.0, 7.0), 3)
