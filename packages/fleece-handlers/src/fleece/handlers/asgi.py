"""Run any ASGI app (FastAPI, Starlette, Quart, ...) as an AWS Lambda handler.

``handler = ASGIHandler(app)`` at module level makes the Lambda handler;
``asgi_handler(event, context, app)`` is the same as a function. The app's lifespan
startup runs once per process, on the first event, and its shutdown at exit.
"""

from __future__ import annotations

from typing import Any, Literal

from fleece.handlers._asgi import ASGIApp, run_request, thread_loop
from fleece.handlers._events import Request, Response
from fleece.handlers._lifespan import Lifespan, LifespanError
from fleece.handlers._logging import DEFAULT_LOGGER, Logger
from fleece.handlers._serve import serve_event

__all__ = ["ASGIApp", "ASGIHandler", "LifespanError", "asgi_handler"]


class ASGIHandler:
    """A Lambda handler ``(event, context)`` serving an ASGI app.

    Requests run on one event loop per thread, kept for the process's life; the
    scope carries the event and context as ``aws.event`` and ``aws.context``.

    Args:
        app: the ASGI application.
        logger: where rejected events and the app's exceptions are logged, with
            tracebacks; None for the ``fleece.handlers`` logger.
        lifespan: ``"auto"`` runs the app's lifespan if it supports one, ``"on"``
            requires it (an event is answered 500 otherwise), ``"off"`` skips it.
    """

    def __init__(
        self,
        app: ASGIApp,
        logger: Logger | None = None,
        *,
        lifespan: Literal["auto", "on", "off"] = "auto",
    ) -> None:
        self.app = app
        self.logger = logger if logger is not None else DEFAULT_LOGGER
        self._lifespan = (
            None
            if lifespan == "off"
            else Lifespan(app, self.logger, required=lifespan == "on")
        )

    def __call__(self, event: Any, context: Any = None) -> Any:
        """Answer one Lambda event.

        Returns:
            The integration's response dict (400 for a malformed event, a generic
            500 when the app raised or its lifespan startup failed, 502 for a
            response over Lambda's 6 MB limit); for a request-template event the
            parsed body.

        Raises:
            HTTPError: for a request-template event answered 4xx/5xx, or of no
                known shape (as ``fleece.connexion.call_api`` raises it).
            RuntimeError: called from a coroutine (an event loop runs in this
                thread).
        """
        return self.serve(event, context, self.logger)

    def serve(self, event: Any, context: Any, logger: Logger) -> Any:
        """Answer one Lambda event as :meth:`__call__` does, logging to ``logger``."""
        loop = thread_loop()
        lifespan = self._lifespan

        def run(request: Request) -> Response:
            if lifespan is not None:
                lifespan.start(loop)
                if lifespan.active:
                    # Each request gets its own shallow copy (ASGI lifespan state).
                    request.scope["state"] = dict(lifespan.state)
            return run_request(self.app, request, loop)

        return serve_event(run, event, logger, context=context)

    def shutdown(self) -> None:
        """Run the app's lifespan shutdown now rather than at interpreter exit."""
        if self._lifespan is not None:
            self._lifespan.stop()


_HANDLERS: dict[int, ASGIHandler] = {}
"""The handler of each app served through :func:`asgi_handler`, by ``id(app)``."""


def asgi_handler(
    event: Any, context: Any, app: ASGIApp, logger: Logger | None = None
) -> Any:
    """Answer one Lambda event with an ASGI app.

    The first call for an app makes its :class:`ASGIHandler` (and runs its lifespan
    startup); later calls reuse it.

    Args:
        event: the Lambda event.
        context: the Lambda context.
        app: the ASGI application.
        logger: where errors are logged; None for the ``fleece.handlers`` logger.

    Returns:
        What :class:`ASGIHandler` returns.
    """
    handler = _HANDLERS.get(id(app))
    if handler is None or handler.app is not app:
        handler = _HANDLERS[id(app)] = ASGIHandler(app)
    return handler.serve(
        event, context, logger if logger is not None else handler.logger
    )
