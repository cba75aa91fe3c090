"""Run a WSGI app on one request: the environ from its scope, the whole response back.

A Lambda invocation serves one request at a time, so the app is called inline, on the
caller's thread, with no ASGI bridge or worker thread in between.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fleece.handlers._events import LAMBDA_RESPONSE_LIMIT, Response

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ_from_scope(scope: Mapping[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI request (PEP 3333: text as latin-1 code points).

    Args:
        scope: the request's ASGI scope.
        body: the whole request body.

    Returns:
        The environ; ``asgi.scope`` holds the scope, so ``aws.event`` and
        ``aws.context`` stay reachable (``lambda.event`` too, as in fleece 1.x).
    """
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "asgi.scope": scope,
        "lambda.event": scope.get("aws.event"),
        "lambda.context": scope.get("aws.context"),
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path.encode().decode("latin-1"),
        "PATH_INFO": path.encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("ascii"),
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"], port = client
        environ["REMOTE_PORT"] = str(port)
    keys = _ENVIRON_KEYS
    for raw_name, raw_value in scope["headers"]:
        key = keys.get(raw_name)
        if key is None:
            key = _environ_key(raw_name)
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


_ENVIRON_KEYS: dict[bytes, str] = {
    b"content-length": "CONTENT_LENGTH",
    b"content-type": "CONTENT_TYPE",
}
"""Environ keys by header name, learnt as names are seen (clients send few)."""
_KNOWN_NAMES_LIMIT = 512


def _environ_key(raw_name: bytes) -> str:
    key = "HTTP_" + raw_name.decode("latin-1").upper().replace("-", "_")
    if len(_ENVIRON_KEYS) < _KNOWN_NAMES_LIMIT:
        _ENVIRON_KEYS[raw_name] = key
    return key


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
    size = sum(len(chunk) for chunk in written)
    try:
        for chunk in result:
            size += len(chunk)
            if limit is not None and size > limit:
                break
            written.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not started:
        raise RuntimeError("the WSGI app returned without calling start_response")
    status, headers = started
    response = Response(
        int(status.split(" ", 1)[0]),
        [(name.strip().lower(), value.strip()) for name, value in headers],
        b"",
        too_large=limit is not None and size > limit,
    )
    if not response.too_large:
        response.body = b"".join(written)
    return response
