import http.client
import json
import socket
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from fleece.testing import Answer


def _get(url: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_queued_answers_are_given_in_order_then_the_default(http_server):
    """Queued answers are used once each, in order; then the default answers."""
    http_server.enqueue(503, "busy", {"Retry-After": "2"}, times=2)
    http_server.enqueue(201, {"id": 7})

    first = _get(http_server.url_for("/a"))
    second = _get(http_server.url_for("/a"))
    third = _get(http_server.url_for("/a"))
    fourth = _get(http_server.url_for("/a"))

    assert (first[0], first[1]["Retry-After"], first[2]) == (503, "2", b"busy")
    assert second[0] == 503
    assert (third[0], json.loads(third[2])) == (201, {"id": 7})
    assert third[1]["Content-Type"] == "application/json"
    assert (fourth[0], fourth[2]) == (200, b"")


def test_every_request_is_recorded_with_method_path_query_headers_and_body(
    http_server,
):
    """The server records what it received, body and all."""
    request = urllib.request.Request(
        http_server.url_for("/users?limit=2&tag=a&tag=b"),
        data=b'{"name": "Ann"}',
        headers={"X-Api-Key": "k1", "Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()

    (recorded,) = http_server.wait_for_requests(1)
    assert recorded.method == "POST"
    assert recorded.path == "/users"
    assert recorded.query == {"limit": ["2"], "tag": ["a", "b"]}
    assert recorded.headers["x-api-key"] == "k1"
    assert recorded.json() == {"name": "Ann"}


def test_a_handler_answers_from_the_request(http_server):
    """set_handler answers per request; None falls back to the queue and default."""
    http_server.set_handler(
        lambda request: Answer(202, request.path) if request.path == "/echo" else None
    )
    http_server.set_default(404, "nope")

    assert _get(http_server.url_for("/echo"))[::2] == (202, b"/echo")
    assert _get(http_server.url_for("/other"))[::2] == (404, b"nope")


def test_a_stall_makes_a_client_read_timeout_fire(http_server):
    """An answer that stalls longer than the client's timeout times the client out."""
    http_server.enqueue(200, "late", stall=1.0)

    with pytest.raises((TimeoutError, urllib.error.URLError)):
        _get(http_server.url_for("/slow"), timeout=0.2)


def test_a_reset_answer_resets_the_connection(http_server):
    """reset=True aborts the connection: the client sees a reset, not a response."""
    http_server.enqueue(reset=True)
    connection = http.client.HTTPConnection("127.0.0.1", http_server.port, timeout=5)

    connection.request("GET", "/")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        connection.getresponse()


def test_keep_alive_requests_share_one_connection(http_server):
    """Requests on one HTTP/1.1 connection carry the same connection id."""
    connection = http.client.HTTPConnection("127.0.0.1", http_server.port, timeout=5)
    for _ in range(3):
        connection.request("GET", "/")
        connection.getresponse().read()
    connection.close()
    _get(http_server.url)

    ids = [request.connection_id for request in http_server.requests]
    assert ids == [1, 1, 1, 2]
    assert http_server.connections == 2


def test_nagle_is_disabled_on_server_sockets(http_server):
    """Replies are not delayed by Nagle's algorithm (TCP_NODELAY is set)."""
    seen = {}

    def record(request):
        seen["ok"] = True
        # The request handler answering this request is up the stack; its socket is
        # the one the reply goes out on.
        frame = sys._getframe(1)
        while not isinstance(frame.f_locals.get("self"), BaseHTTPRequestHandler):
            frame = frame.f_back
        connection = frame.f_locals["self"].connection
        seen["nodelay"] = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    http_server.set_handler(record)
    with socket.create_connection(("127.0.0.1", http_server.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    assert seen["ok"] is True
    assert seen["nodelay"] != 0


def test_waiting_for_requests_that_never_come_times_out(http_server):
    """wait_for_requests raises TimeoutError naming how many arrived."""
    with pytest.raises(TimeoutError, match="received 0"):
        http_server.wait_for_requests(1, timeout=0.1)
