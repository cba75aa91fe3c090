"""Run connexion's Flask (WSGI) app on the event loop's thread for Lambda requests.

connexion puts Flask behind an ASGI-to-WSGI bridge that runs every request on a worker
thread and passes the body and the response back and forth between threads. A Lambda
invocation serves one request at a time, so for requests fleece makes from an event
(their scope carries ``aws.event``) that hand-over is pure cost: they run inline.
Other requests (``app.run()`` serving many clients) still go through the bridge.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from fleece.connexion._asgi import Message

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class InlineWSGIBridge:
    """Wraps connexion's ASGI-to-WSGI bridge; runs Lambda requests inline.

    Args:
        bridge: the ASGI-to-WSGI middleware connexion made; its ``app`` attribute
            (the WSGI app, which ``FlaskApp.add_wsgi_middleware`` replaces) is
            shared.
    """

    def __init__(self, bridge: Any) -> None:
        self._bridge = bridge

    @property
    def app(self) -> WSGIApp:
        """The WSGI application."""
        app: WSGIApp = self._bridge.app
        return app

    @app.setter
    def app(self, app: WSGIApp) -> None:
        self._bridge.app = app

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Any],
        send: Callable[[Message], Any],
    ) -> None:
        if scope["type"] != "http" or "aws.event" not in scope:
            await self._bridge(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        status, headers, body = _call(self.app, _environ(scope, b"".join(chunks)))
        await send(
            {"type": "http.response.start", "status": status, "headers": headers}
        )
        await send({"type": "http.response.body", "body": body})


def _environ(scope: MutableMapping[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI request (PEP 3333: text as latin-1 code points)."""
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server_name, server_port = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "asgi.scope": scope,
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
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1")
        if name == "content-length":
            key = "CONTENT_LENGTH"
        elif name == "content-type":
            key = "CONTENT_TYPE"
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def _call(
    app: WSGIApp, environ: dict[str, Any]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Call a WSGI app; return its status, header pairs and whole body."""
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
    try:
        written.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return (
        int(status.split(" ", 1)[0]),
        [
            (name.strip().lower().encode("latin-1"), value.strip().encode("latin-1"))
            for name, value in headers
        ],
        b"".join(written),
    )
