"""Module-level calls: per-thread connection reuse without shared state."""

from __future__ import annotations

import threading
import time

import pytest

from fleece import requests
from fleece.testing import Answer, RecordedRequest, ScriptedHTTPServer


@pytest.mark.parametrize(
    ("function", "method"),
    [
        (requests.get, "GET"),
        (requests.options, "OPTIONS"),
        (requests.head, "HEAD"),
        (requests.post, "POST"),
        (requests.put, "PUT"),
        (requests.patch, "PATCH"),
        (requests.delete, "DELETE"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_each_module_function_sends_its_method(
    http_server: ScriptedHTTPServer, function: object, method: str
) -> None:
    """``requests.get`` sends a GET, ``requests.post`` a POST, and so on."""
    response = function(http_server.url_for("/item"), timeout=5, retries=1)  # type: ignore[operator]  # parametrized

    assert response.status_code == 200
    assert http_server.requests[0].method == method


def test_request_sends_body_query_and_headers(http_server: ScriptedHTTPServer) -> None:
    """``requests.request`` passes every requests argument through."""
    http_server.enqueue(201, body={"id": 7})

    response = requests.request(
        "POST",
        http_server.url_for("/users"),
        params={"dry": "no"},
        json={"name": "ada"},
        headers={"X-Trace": "t-1"},
    )

    seen = http_server.requests[0]
    assert (response.status_code, response.json()) == (201, {"id": 7})
    assert (seen.path, seen.query, seen.json()) == (
        "/users",
        {"dry": ["no"]},
        {"name": "ada"},
    )
    assert seen.headers["X-Trace"] == "t-1"


def test_sequential_module_calls_reuse_one_connection(
    http_server: ScriptedHTTPServer,
) -> None:
    """Five ``requests.get`` calls in a row share one TCP connection."""
    for _ in range(5):
        requests.get(http_server.url)

    assert [r.connection_id for r in http_server.requests] == [1] * 5
    assert http_server.connections == 1


def test_cookies_set_by_a_response_are_not_sent_by_the_next_call(
    http_server: ScriptedHTTPServer,
) -> None:
    """A Set-Cookie answer reaches the response, never the next call."""
    http_server.enqueue(200, headers={"Set-Cookie": "sid=secret; Path=/"})

    first = requests.get(http_server.url_for("/login"))
    requests.get(http_server.url_for("/me"))

    assert first.cookies["sid"] == "secret"
    assert "Cookie" not in http_server.requests[1].headers
    assert (
        http_server.requests[0].connection_id == http_server.requests[1].connection_id
    )


def test_cookies_auth_and_headers_of_a_call_do_not_reach_the_next_call(
    http_server: ScriptedHTTPServer,
) -> None:
    """What one call passes stays with that call."""
    requests.get(
        http_server.url_for("/private"),
        cookies={"session": "c-1"},
        auth=("alice", "pw"),
        headers={"X-Api-Key": "k-1"},
    )
    requests.get(http_server.url_for("/public"))

    private, public = http_server.requests
    assert private.headers["Cookie"] == "session=c-1"
    assert private.headers["Authorization"].startswith("Basic ")
    assert private.headers["X-Api-Key"] == "k-1"
    assert {"Cookie", "Authorization", "X-Api-Key"}.isdisjoint(public.headers.keys())
    assert private.connection_id == public.connection_id


def test_cookies_set_during_redirects_follow_the_redirect_only(
    http_server: ScriptedHTTPServer,
) -> None:
    """Within one call cookies carry over redirects, as with requests.get."""
    http_server.enqueue(
        302, headers={"Set-Cookie": "step=1; Path=/", "Location": "/landing"}
    )

    response = requests.get(http_server.url_for("/start"))
    requests.get(http_server.url_for("/later"))

    start, landing, later = http_server.requests
    assert response.url == http_server.url_for("/landing")
    assert "Cookie" not in start.headers
    assert landing.headers["Cookie"] == "step=1"
    assert "Cookie" not in later.headers


def test_cookies_do_not_leak_after_a_failed_call(
    http_server: ScriptedHTTPServer,
) -> None:
    """A call that raises leaves nothing behind either."""
    http_server.enqueue(302, headers={"Set-Cookie": "a=1; Path=/", "Location": "/x"})
    http_server.enqueue(stall=2.0)

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(http_server.url_for("/start"), timeout=0.2)
    requests.get(http_server.url_for("/after"))

    assert "Cookie" not in http_server.requests[-1].headers


def test_each_thread_uses_its_own_connection(http_server: ScriptedHTTPServer) -> None:
    """Two threads calling at once never share a connection."""
    barrier = threading.Barrier(2)

    def two_calls() -> None:
        barrier.wait()
        requests.get(http_server.url_for(f"/{threading.get_ident()}"))
        requests.get(http_server.url_for(f"/{threading.get_ident()}"))

    threads = [threading.Thread(target=two_calls) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    by_path: dict[str, set[int]] = {}
    for request in http_server.requests:
        by_path.setdefault(request.path, set()).add(request.connection_id)
    first, second = by_path.values()
    assert len(first) == len(second) == 1
    assert first != second


def test_installed_defaults_apply_to_calls_made_in_other_threads(
    http_server: ScriptedHTTPServer,
) -> None:
    """Set in the main thread, the timeout and retries reach a worker's calls."""
    requests.set_default_timeout(0.2)
    requests.set_default_retries(total=1, status_forcelist=[503])
    http_server.enqueue(503)
    http_server.enqueue(200, body="retried")
    http_server.enqueue(stall=2.0)
    outcomes: list[object] = []

    def two_calls() -> None:
        outcomes.append(requests.get(http_server.url_for("/retried")).text)
        try:
            requests.get(http_server.url_for("/stalled"), retries=0)
        except requests.exceptions.ReadTimeout as error:
            outcomes.append(type(error))

    worker = threading.Thread(target=two_calls)
    worker.start()
    worker.join()

    assert outcomes == ["retried", requests.exceptions.ReadTimeout]
    assert [r.path for r in http_server.requests] == [
        "/retried",
        "/retried",
        "/stalled",
    ]


def test_a_connection_idle_for_more_than_a_second_is_not_reused(
    http_server: ScriptedHTTPServer,
) -> None:
    """After a pause the server may have closed it: a fresh one is opened."""
    requests.get(http_server.url)
    time.sleep(1.2)
    requests.get(http_server.url)

    assert [r.connection_id for r in http_server.requests] == [1, 2]


def test_a_hook_may_call_fleece_requests_again(http_server: ScriptedHTTPServer) -> None:
    """A response hook making its own module-level call works and leaks nothing."""
    http_server.set_handler(
        lambda request: (
            Answer(headers={"Set-Cookie": "outer=1"})
            if request.path == "/outer"
            else None
        )
    )
    inner_statuses: list[int] = []

    def hook(response: requests.Response, **kwargs: object) -> None:
        if response.url.endswith("/outer"):
            inner_statuses.append(
                requests.get(http_server.url_for("/inner")).status_code
            )

    requests.get(http_server.url_for("/outer"), hooks={"response": hook})
    requests.get(http_server.url_for("/last"))

    assert inner_statuses == [200]
    seen: dict[str, RecordedRequest] = {r.path: r for r in http_server.requests}
    assert "Cookie" not in seen["/inner"].headers
    assert "Cookie" not in seen["/last"].headers


def test_a_streamed_response_can_be_read_after_later_calls(
    http_server: ScriptedHTTPServer,
) -> None:
    """``stream=True`` keeps its connection; the next call uses another one."""
    http_server.enqueue(200, body=b"streamed body")
    http_server.enqueue(200, body=b"second")

    streamed = requests.get(http_server.url_for("/big"), stream=True)
    second = requests.get(http_server.url_for("/small"))

    assert second.content == b"second"
    assert streamed.raw.read() == b"streamed body"
    assert http_server.connections == 2
