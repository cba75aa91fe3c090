"""Run any WSGI app (Flask, Django, Falcon, ...) as an AWS Lambda handler.

``handler = WSGIHandler(app)`` at module level makes the Lambda handler; fleece 1.x's
``wsgi_handler(event, context, app, logger)`` still works. Every event shape fleece
knows is answered in the shape its integration expects.
"""

from __future__ import annotations

from typing import Any

from fleece.handlers._direct import direct_environ
from fleece.handlers._events import Request, Response
from fleece.handlers._logging import DEFAULT_LOGGER, Logger
from fleece.handlers._serve import app_failed, proxy_answer, serve_event
from fleece.handlers._wsgi import WSGIApp, call_wsgi, environ_for

__all__ = ["WSGIApp", "WSGIHandler", "wsgi_handler"]


class WSGIHandler:
    """A Lambda handler ``(event, context)`` serving a WSGI app.

    The app is called inline on the invoking thread; the environ carries the event
    and context as ``lambda.event`` and ``lambda.context``.

    Args:
        app: the WSGI application (a Flask app, Django's ``get_wsgi_application()``).
        logger: where rejected events and the app's exceptions are logged, with
            tracebacks; None for the ``fleece.handlers`` logger.
    """

    __slots__ = ("_run", "app", "logger")

    def __init__(self, app: WSGIApp, logger: Logger | None = None) -> None:
        self.app = app
        self.logger = logger if logger is not None else DEFAULT_LOGGER

        def run(request: Request) -> Response:
            return call_wsgi(app, environ_for(request))

        # Made once: a bound method would be made anew on every event.
        self._run = run

    def __call__(self, event: Any, context: Any = None) -> Any:
        """Answer one Lambda event.

        Returns:
            The integration's response dict (400 for a malformed event, a generic
            500 when the app raised, 502 for a response over Lambda's 6 MB limit);
            for a request-template event the parsed body.

        Raises:
            HTTPError: for a request-template event answered 4xx/5xx, or of no
                known shape (as ``fleece.connexion.call_api`` raises it).
        """
        direct = direct_environ(event)
        if direct is None:
            return serve_event(self._run, event, self.logger, context=context)
        kind, environ = direct
        environ["lambda.context"] = context
        # Read before the app runs: it may rewrite them (a mounted sub-app...).
        method = environ["REQUEST_METHOD"]
        path = environ["SCRIPT_NAME"] + environ["PATH_INFO"]
        try:
            response = call_wsgi(self.app, environ)
        except Exception:
            response = app_failed(self.logger, method, path)
        return proxy_answer(kind, response, self.logger, method, path)


def wsgi_handler(
    event: Any, context: Any, app: WSGIApp, logger: Logger | None = None
) -> Any:
    """Answer one Lambda event with a WSGI app, as fleece 1.x's handler did.

    Args:
        event: the Lambda event.
        context: the Lambda context.
        app: the WSGI application.
        logger: where errors are logged; None for the ``fleece.handlers`` logger.

    Returns:
        What :class:`WSGIHandler` returns.
    """
    return WSGIHandler(app, logger)(event, context)
