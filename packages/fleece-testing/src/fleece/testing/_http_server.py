"""A local HTTP/1.1 server whose answers a test scripts, recording every request."""

from __future__ import annotations

import collections
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Body = bytes | str | dict[str, Any] | list[Any]


@dataclass(frozen=True)
class Answer:
    """What the server does with one request.

    Args:
        status: HTTP status code.
        body: bytes, text (UTF-8), or a dict/list sent as JSON.
        headers: extra response headers, e.g. ``{"Retry-After": "1"}``.
        stall: seconds to wait before answering (makes read timeouts fire).
        reset: close the connection with a TCP RST instead of answering.
    """

    status: int = 200
    body: Body = b""
    headers: Mapping[str, str] | None = None
    stall: float = 0.0
    reset: bool = False

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        """Return the body bytes and the headers to send with them."""
        headers = dict(self.headers or {})
        if isinstance(self.body, bytes):
            payload = self.body
        elif isinstance(self.body, str):
            payload = self.body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            payload = json.dumps(self.body).encode()
            headers.setdefault("Content-Type", "application/json")
        return payload, headers


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    connection_id: int
    raw_path: str = field(default="")

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)


Handler = Callable[[RecordedRequest], Answer | None]


class ScriptedHTTPServer:
    """A threaded HTTP/1.1 keep-alive server on 127.0.0.1 for tests.

    Answers come from, in order: the handler set with :meth:`set_handler` (when it
    returns an :class:`Answer`), the queue filled by :meth:`enqueue`, the default
    answer (:meth:`set_default`; initially 200 with an empty body).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._queue: collections.deque[Answer] = collections.deque()
        self._default = Answer()
        self._handler: Handler | None = None
        self._connections = 0
        self.requests: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, path: str) -> str:
        """Return the absolute URL of ``path`` on this server."""
        return self.url + ("" if path.startswith("/") else "/") + path

    @property
    def connections(self) -> int:
        """How many TCP connections the server has accepted."""
        with self._lock:
            return self._connections

    def start(self) -> ScriptedHTTPServer:
        """Start serving in a background thread; returns the server."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedHTTPServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def enqueue(
        self,
        status: int = 200,
        body: Body = b"",
        headers: Mapping[str, str] | None = None,
        *,
        stall: float = 0.0,
        reset: bool = False,
        times: int = 1,
    ) -> None:
        """Queue an answer for the next ``times`` requests."""
        answer = Answer(status, body, headers, stall, reset)
        with self._lock:
            self._queue.extend([answer] * times)

    def set_default(
        self,
        status: int = 200,
        body: Body = b"",
        headers: Mapping[str, str] | None = None,
        *,
        stall: float = 0.0,
        reset: bool = False,
    ) -> None:
        """Set the answer given when nothing is queued."""
        with self._lock:
            self._default = Answer(status, body, headers, stall, reset)

    def set_handler(self, handler: Handler | None) -> None:
        """Answer with ``handler(request)`` whenever it returns an :class:`Answer`."""
        with self._lock:
            self._handler = handler

    def wait_for_requests(
        self, count: int, timeout: float = 5.0
    ) -> list[RecordedRequest]:
        """Wait until ``count`` requests have arrived and return them all.

        Raises:
            TimeoutError: fewer requests arrived within ``timeout`` seconds.
        """
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} requests, received {len(self.requests)}"
                )
            return list(self.requests)

    def _new_connection(self) -> int:
        with self._lock:
            self._connections += 1
            return self._connections

    def _answer(self, request: RecordedRequest) -> Answer:
        with self._arrived:
            self.requests.append(request)
            self._arrived.notify_all()
            handler = self._handler
        answer = handler(request) if handler is not None else None
        if answer is not None:
            return answer
        with self._lock:
            return self._queue.popleft() if self._queue else self._default


def _make_handler(server: ScriptedHTTPServer) -> type[BaseHTTPRequestHandler]:
    class _ScriptedHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without it, delayed ACKs add ~40 ms to every keep-alive reply.
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            self.connection_id = server._new_connection()

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urlsplit(self.path)
            request = RecordedRequest(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers=self.headers,
                body=body,
                connection_id=self.connection_id,
                raw_path=self.path,
            )
            answer = server._answer(request)
            if answer.stall:
                time.sleep(answer.stall)
            if answer.reset:
                # SO_LINGER with a zero timeout makes close() send RST, not FIN.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()
                return
            payload, headers = answer.encoded()
            try:
                self.send_response(answer.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (e.g. its read timeout fired during a stall).
                self.close_connection = True

        # BaseHTTPRequestHandler dispatches to methods named do_<METHOD>.
        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names
        do_HEAD = do_OPTIONS = _serve  # noqa: N815 - http.server's names

    return _ScriptedHandler
