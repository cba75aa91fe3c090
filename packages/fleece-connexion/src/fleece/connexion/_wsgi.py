"""Run connexion's Flask (WSGI) app on the event loop's thread for Lambda requests.

connexion puts Flask behind an ASGI-to-WSGI bridge that runs every request on a worker
thread and passes the body and the response back and forth between threads. A Lambda
invocation serves one request at a time, so for requests fleece makes from an event
(their scope carries ``aws.event``) that hand-over is pure cost: they run inline.
Other requests (``app.run()`` serving many clients) still go through the bridge.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from fleece.handlers._asgi import Message
from fleece.handlers._wsgi import WSGIApp, call_wsgi, environ_from_scope


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
        environ = environ_from_scope(scope, b"".join(chunks))
        # No limit here: the size is checked once the response leaves connexion.
        response = call_wsgi(self.app, environ, limit=None)
        headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in response.headers
        ]
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": headers,
            }
        )
        await send({"type": "http.response.body", "body": response.body})
