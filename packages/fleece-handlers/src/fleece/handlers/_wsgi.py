"""Run a WSGI app on one request: the environ from the request, the whole response back.

A Lambda invocation serves one request at a time, so the app is called inline, on the
caller's thread, with no ASGI bridge or worker thread in between.
"""

from __future__ import annotations

import io
import operator
import sys
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from fleece.handlers._events import LAMBDA_RESPONSE_LIMIT, Request, Response

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ_for(request: Request) -> dict[str, Any]:
    """The WSGI environ of a request (PEP 3333: text as latin-1 code points).

    Args:
        request: the request.

    Returns:
        The environ, with the event and context as ``lambda.event`` and
        ``lambda.context`` (as in fleece 1.x), and ``asgi.scope`` when the request
        came as an ASGI scope.
    """
    root_path = request.root_path
    path = request.path
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server_name, server_port = request.server
    environ = _STATIC_ENVIRON.copy()
    environ["lambda.event"] = request.event
    environ["lambda.context"] = request.context
    environ["REQUEST_METHOD"] = request.method
    environ["SCRIPT_NAME"] = root_path if root_path.isascii() else _latin1(root_path)
    environ["PATH_INFO"] = path if path.isascii() else _latin1(path)
    environ["QUERY_STRING"] = request.query_string.decode("ascii")
    environ["SERVER_NAME"] = server_name
    environ["SERVER_PORT"] = _port_text(server_port)
    environ["wsgi.url_scheme"] = request.scheme
    environ["wsgi.input"] = io.BytesIO(request.body)
    environ["wsgi.errors"] = sys.stderr
    if request.client:
        environ["REMOTE_ADDR"], port = request.client
        environ["REMOTE_PORT"] = "0" if port == 0 else str(port)
    headers = request.headers
    if headers:
        count = len(environ)
        keys = _ENVIRON_KEYS
        # All in C (no bytecode per header); the two columns are of one list.
        names = map(keys.__getitem__, map(_NAME, headers))
        environ.update(zip(names, map(_VALUE, headers)))  # noqa: B905
        if len(environ) - count != len(headers) or not request.ascii_headers:
            # A repeated name (joined with commas, as HTTP allows) or text beyond
            # ASCII (given as latin-1 code points): the slow way.
            for name, _ in headers:
                environ.pop(keys[name], None)
            for name, value in headers:
                key = keys[name]
                if not value.isascii():
                    value = _latin1(value)
                environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def environ_from_scope(scope: MutableMapping[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI request, ``asgi.scope`` included.

    Args:
        scope: the request's ASGI scope.
        body: the whole request body.

    Returns:
        The environ.
    """
    environ = environ_for(Request.from_scope(scope, body))
    environ["asgi.scope"] = scope
    return environ


_STATIC_ENVIRON: dict[str, Any] = {
    "lambda.event": None,
    "lambda.context": None,
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "443",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "https",
    "wsgi.input": None,
    "wsgi.errors": None,
    "wsgi.multithread": False,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.input_terminated": True,
}
"""The keys of every environ, in order, with what no request changes: each environ
starts as a copy, quicker than building the dict anew."""


def _port_text(port: int) -> str:
    return "443" if port == 443 else "80" if port == 80 else str(port)


def _latin1(text: str) -> str:
    # PEP 3333 carries bytes as latin-1 code points; surrogateescape gives back
    # bytes that arrived as undecodable.
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


class _EnvironKeys(dict[str, str]):
    """Environ keys by header name, learnt as names are seen (clients send few)."""

    def __missing__(self, name: str) -> str:
        key = "HTTP_" + name.upper().replace("-", "_")
        if len(self) < _KNOWN_NAMES_LIMIT:
            self[name] = key
        return key


_KNOWN_NAMES_LIMIT = 512
"""The most header names (or sets of names) learnt: a hostile client sends many."""
_NAME = operator.itemgetter(0)
_VALUE = operator.itemgetter(1)
_ENVIRON_KEYS = _EnvironKeys(
    {"content-length": "CONTENT_LENGTH", "content-type": "CONTENT_TYPE"}
)


def call_wsgi(
    app: WSGIApp, environ: dict[str, Any], limit: int | None = LAMBDA_RESPONSE_LIMIT
) -> Response:
    """Call a WSGI app; return its status, header pairs and whole body.

    Streamed (iterable or ``write()``) bodies are gathered; one past ``limit`` bytes
    (Lambda's response limit; None for no limit) stops being read and comes back
    ``too_large``.

    Raises:
        Exception: whatever the app raised, or RuntimeError when it never called
            ``start_response``.
    """
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        # Nothing is sent before the app returns, so a second call (an error page
        # with exc_info, PEP 3333) simply replaces the status and headers.
        started[:] = [status, headers]
        return written.append

    result = app(environ, start_response)
    if type(result) is list:
        # Already whole, and with no close(): nothing to stream.
        written += result
    else:
        try:
            size = sum(map(len, written))
            for chunk in result:
                written.append(chunk)
                size += len(chunk)
                if limit is not None and size > limit:
                    break
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    if not started:
        raise RuntimeError("the WSGI app returned without calling start_response")
    status_line, headers = started
    status = _STATUS_CODES.get(status_line)
    if status is None:
        status = _status_code(status_line)
    lowered = [(name.lower(), value) for name, value in headers]
    body = b"".join(written)
    if limit is not None and len(body) > limit:
        return Response(status, lowered, b"", too_large=True)
    return Response(status, lowered, body)


def _status_code(status_line: str) -> int:
    status = int(status_line[:3])
    if len(_STATUS_CODES) < _KNOWN_STATUS_LIMIT:
        _STATUS_CODES[status_line] = status
    return status


_STATUS_CODES: dict[str, int] = {}
"""Status codes by status line ("200 OK"): an app sends few."""
_KNOWN_STATUS_LIMIT = 64
