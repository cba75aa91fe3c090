"""Run any WSGI or ASGI web app in AWS Lambda, on every HTTP event shape.

API Gateway REST v1 proxy and HTTP API v2, ALB (single- and multi-value headers),
Lambda Function URL and fleece 1.x request-template events are turned into HTTP
requests, and the app's responses into the answer each integration expects:
``WSGIHandler(flask_app)`` or ``ASGIHandler(fastapi_app)`` is the Lambda handler.
Standard library only; the web framework is the user's.
"""

from typing import TYPE_CHECKING, Any

from fleece.handlers._events import EventError, EventKind, detect_event
from fleece.handlers.wsgi import WSGIHandler, wsgi_handler

if TYPE_CHECKING:
    from fleece.handlers.asgi import ASGIHandler, asgi_handler

__all__ = [
    "ASGIHandler",
    "EventError",
    "EventKind",
    "WSGIHandler",
    "asgi_handler",
    "detect_event",
    "wsgi_handler",
]


def __getattr__(name: str) -> Any:
    # The ASGI side (threading, the event loop, lifespan) loads only when asked
    # for: a WSGI function never pays for it.
    if name in ("ASGIHandler", "asgi_handler"):
        from fleece.handlers import asgi

        return getattr(asgi, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
