"""The ``retries=`` forms, counted as attempts seen by a real local server."""

from __future__ import annotations

from typing import Any

import pytest
import urllib3.util.retry
from urllib3.util.retry import Retry

from fleece import requests
from fleece.testing import ScriptedHTTPServer


def test_without_retries_or_a_default_a_503_is_returned_after_one_attempt(
    http_server: ScriptedHTTPServer,
) -> None:
    """Nothing installed: exactly requests' behaviour, a single attempt."""
    http_server.enqueue(503, headers={"Retry-After": "1"})

    response = requests.get(http_server.url_for("/flaky"))

    assert response.status_code == 503
    assert len(http_server.requests) == 1


@pytest.mark.parametrize(
    ("retries", "attempts"),
    [({}, 1), ({"retries": 2}, 3)],
    ids=["no-retries-asked-for", "retries=2"],
)
def test_a_reset_get_is_attempted_once_plus_the_retries_asked_for(
    http_server: ScriptedHTTPServer, retries: dict[str, int], attempts: int
) -> None:
    """No retries: one attempt (1.x retried 10 times); ``retries=2``: one plus two."""
    http_server.set_default(reset=True)

    with pytest.raises(requests.ConnectionError):
        requests.get(http_server.url_for("/reset"), **retries)

    assert len(http_server.requests) == attempts


def test_an_int_gets_an_answer_once_the_server_recovers(
    http_server: ScriptedHTTPServer,
) -> None:
    """Two resets then a 200: the caller sees the 200."""
    http_server.enqueue(reset=True, times=2)
    http_server.enqueue(200, body={"ok": True})

    response = requests.get(http_server.url_for("/recovers"), retries=3)

    assert response.json() == {"ok": True}
    assert len(http_server.requests) == 3


def test_an_int_takes_the_other_settings_from_the_installed_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """The installed default's status list applies; the int sets the total."""
    requests.set_default_retries(total=1, status_forcelist=[503])
    http_server.set_default(503)

    with pytest.raises(requests.exceptions.RetryError):
        requests.get(http_server.url_for("/down"), retries=3)

    assert len(http_server.requests) == 4


def test_a_dict_is_turned_into_retry_arguments(
    http_server: ScriptedHTTPServer,
) -> None:
    """``retries={"total": 2, "status_forcelist": [503]}`` retries two 503s."""
    http_server.enqueue(503, times=2)
    http_server.enqueue(200, body="fine")

    response = requests.get(
        http_server.url_for("/dict"), retries={"total": 2, "status_forcelist": [503]}
    )

    assert response.text == "fine"
    assert len(http_server.requests) == 3


def test_a_retry_instance_is_used_as_given(http_server: ScriptedHTTPServer) -> None:
    """A urllib3 ``Retry`` works (1.x crashed), with all its settings."""
    http_server.set_default(500, body="broken")
    retry = Retry(total=2, status_forcelist=[500], raise_on_status=False)

    response = requests.get(http_server.url_for("/retry"), retries=retry)

    assert response.status_code == 500
    assert response.text == "broken"
    assert len(http_server.requests) == 3


@pytest.mark.parametrize("none", [0, False])
def test_zero_and_false_mean_no_retries_even_with_a_default_installed(
    http_server: ScriptedHTTPServer, none: int
) -> None:
    """``retries=0``/``False`` beat an installed default."""
    requests.set_default_retries(total=5, status_forcelist=[503])
    http_server.set_default(503)

    response = requests.get(http_server.url_for("/once"), retries=none)

    assert response.status_code == 503
    assert len(http_server.requests) == 1


def test_none_means_the_installed_default(http_server: ScriptedHTTPServer) -> None:
    """``retries=None`` (or leaving it out) uses ``set_default_retries``."""
    requests.set_default_retries(total=2, status_forcelist=[503])
    http_server.enqueue(503, times=2)

    response = requests.get(http_server.url_for("/default"), retries=None)

    assert response.status_code == 200
    assert len(http_server.requests) == 3


def test_set_default_retries_accepts_a_retry_instance(
    http_server: ScriptedHTTPServer,
) -> None:
    """``set_default_retries(Retry(...))`` installs that Retry."""
    requests.set_default_retries(Retry(total=1, status_forcelist=[502]))
    http_server.enqueue(502)

    assert requests.get(http_server.url_for("/instance")).status_code == 200
    assert len(http_server.requests) == 2


def test_set_default_retries_without_arguments_removes_the_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """After clearing, calls get a single attempt again."""
    requests.set_default_retries(total=3, status_forcelist=[503])
    requests.set_default_retries()
    http_server.enqueue(503)

    assert requests.get(http_server.url_for("/cleared")).status_code == 503
    assert len(http_server.requests) == 1


def test_exhausted_status_retries_raise_retry_error(
    http_server: ScriptedHTTPServer,
) -> None:
    """When every attempt gets a listed status, requests' RetryError is raised."""
    requests.set_default_retries(total=2, status_forcelist=[429, 503])
    http_server.set_default(429)

    with pytest.raises(requests.exceptions.RetryError):
        requests.get(http_server.url_for("/busy"))

    assert len(http_server.requests) == 3


def test_post_is_not_retried_after_a_reset_by_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """The server may have acted on a POST: a read error is not retried."""
    http_server.set_default(reset=True)

    with pytest.raises(requests.ConnectionError):
        requests.post(http_server.url_for("/orders"), json={"n": 1}, retries=3)

    assert len(http_server.requests) == 1


def test_post_is_not_retried_after_a_read_timeout_by_default(
    http_server: ScriptedHTTPServer,
) -> None:
    """A stalled POST raises ReadTimeout after one attempt, even with retries."""
    http_server.set_default(stall=2.0)

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(http_server.url_for("/orders"), data=b"x", timeout=0.2, retries=3)

    assert len(http_server.requests) == 1


def test_post_is_retried_when_the_retry_allows_every_method(
    http_server: ScriptedHTTPServer,
) -> None:
    """``allowed_methods=None`` opts POST into read-error retries."""
    http_server.enqueue(reset=True)

    response = requests.post(
        http_server.url_for("/orders"),
        json={"n": 1},
        retries={"total": 1, "allowed_methods": None},
    )

    assert response.status_code == 200
    assert [r.json() for r in http_server.requests] == [{"n": 1}, {"n": 1}]


def test_get_is_retried_after_a_read_timeout(http_server: ScriptedHTTPServer) -> None:
    """A stalled GET times out, is retried, and the retry's answer is returned."""
    http_server.enqueue(stall=2.0)
    http_server.enqueue(200, body="second")

    response = requests.get(http_server.url_for("/slow"), timeout=0.2, retries=1)

    assert response.text == "second"
    assert len(http_server.requests) == 2


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_waited_for_before_the_next_attempt(
    http_server: ScriptedHTTPServer, arrivals: Any, status: int
) -> None:
    """A 429/503 with Retry-After is retried once the asked wait has passed."""
    http_server.enqueue(status, headers={"Retry-After": "1"})

    response = requests.get(http_server.url_for("/limited"), retries=1)

    assert response.status_code == 200
    assert len(http_server.requests) == 2
    assert arrivals.gaps()[0] >= 1.0


@pytest.mark.timeout(30)
def test_a_long_retry_after_waits_no_longer_than_backoff_max(
    http_server: ScriptedHTTPServer, arrivals: Any
) -> None:
    """Retry-After: 3600 waits ``backoff_max`` seconds, not an hour."""
    http_server.enqueue(503, headers={"Retry-After": "3600"})

    response = requests.get(
        http_server.url_for("/hour"), retries={"total": 1, "backoff_max": 0.5}
    )

    assert response.status_code == 200
    assert arrivals.gaps()[0] >= 0.5


class SleepRecorder:
    """Stands in for urllib3's ``time`` module, recording sleeps instead."""

    def __init__(self, real_time: Any) -> None:
        self.slept: list[float] = []
        self.time = real_time.time

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.mark.parametrize(
    ("retries", "expected_wait"),
    [
        (1, 30.0),
        ({"total": 1}, 30.0),
        (Retry(total=1), 30.0),
        (Retry(total=1, backoff_max=5), 5),
    ],
    ids=["int", "dict", "retry-default", "retry-backoff-max"],
)
def test_each_retry_after_wait_is_capped(
    http_server: ScriptedHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    retries: object,
    expected_wait: float,
) -> None:
    """Waits are at most 30 s, or a given Retry's own backoff_max when it set one."""
    recorder = SleepRecorder(urllib3.util.retry.time)
    monkeypatch.setattr(urllib3.util.retry, "time", recorder)
    http_server.enqueue(503, headers={"Retry-After": "86400"})

    response = requests.get(http_server.url_for("/day"), retries=retries)

    assert response.status_code == 200
    assert recorder.slept == [expected_wait]


def test_the_fleece_1_default_retries_wait_at_most_30_s_for_retry_after(
    http_server: ScriptedHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retry-After of an hour, or an HTTP date years ahead: 30 s each, no more."""
    recorder = SleepRecorder(urllib3.util.retry.time)
    monkeypatch.setattr(urllib3.util.retry, "time", recorder)
    requests.set_default_retries(total=5, backoff_factor=1, status_forcelist=[429, 503])
    http_server.enqueue(503, headers={"Retry-After": "3600"})
    http_server.enqueue(429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})

    response = requests.get(http_server.url_for("/busy"))

    assert response.status_code == 200
    assert recorder.slept == [30.0, 30.0]
    assert len(http_server.requests) == 3


@pytest.mark.parametrize("retries", ["3", 2.5, True, [1, 2], object()], ids=repr)
def test_retries_of_no_accepted_form_raise_type_error_before_any_request(
    http_server: ScriptedHTTPServer, retries: object
) -> None:
    """The error says what is accepted, and nothing is sent."""
    with pytest.raises(TypeError, match="retries must be None"):
        requests.get(http_server.url, retries=retries)  # type: ignore[arg-type]  # deliberately wrong

    assert http_server.requests == []


def test_negative_retries_raise_value_error(http_server: ScriptedHTTPServer) -> None:
    """A negative number of retries is refused before sending."""
    with pytest.raises(ValueError, match="retries must be 0 or more"):
        requests.get(http_server.url, retries=-1)

    assert http_server.requests == []


def test_a_dict_with_an_unknown_argument_raises_type_error_naming_it(
    http_server: ScriptedHTTPServer,
) -> None:
    """A typo in a Retry argument is reported with its name."""
    with pytest.raises(TypeError, match="totl"):
        requests.get(http_server.url, retries={"totl": 3})

    assert http_server.requests == []


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((), {"total": "five"}, TypeError, "total"),
        ((), {"total": -1}, ValueError, "total"),
        ((), {"backoff_factor": -1}, ValueError, "backoff_factor"),
        ((), {"backoff_factor": "1"}, TypeError, "backoff_factor"),
        ((), {"status_forcelist": "503"}, TypeError, "status_forcelist"),
        ((), {"status_forcelist": [429, "503"]}, TypeError, "status_forcelist"),
        ((), {"allowed_methods": "GET"}, TypeError, "allowed_methods"),
        ((), {"bogus": 1}, TypeError, "bogus"),
        ((Retry(2),), {"total": 3}, TypeError, "one Retry"),
    ],
)
def test_bad_default_retries_raise_at_once_and_keep_the_previous_default(
    http_server: ScriptedHTTPServer,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    error: type[Exception],
    match: str,
) -> None:
    """``set_default_retries`` checks its arguments now, not on the next request."""
    requests.set_default_retries(total=1, status_forcelist=[503])

    with pytest.raises(error, match=match):
        requests.set_default_retries(*args, **kwargs)

    http_server.enqueue(503)
    assert requests.get(http_server.url).status_code == 200
    assert len(http_server.requests) == 2


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((2,), {}),
        ((), {"total": 2}),
        (({"total": 2},), {}),
        ((Retry(2),), {}),
    ],
    ids=["positional", "keywords", "dict", "retry"],
)
def test_set_default_retries_takes_every_spelling(
    http_server: ScriptedHTTPServer, args: tuple[object, ...], kwargs: dict[str, int]
) -> None:
    """Retry arguments, keywords, a dict or a Retry: two retries after resets."""
    requests.set_default_retries(*args, **kwargs)
    http_server.set_default(reset=True)

    with pytest.raises(requests.ConnectionError):
        requests.get(http_server.url)

    assert len(http_server.requests) == 3
