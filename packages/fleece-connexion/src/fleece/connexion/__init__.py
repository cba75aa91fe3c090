"""Run connexion 3 OpenAPI apps inside AWS Lambda.

``call_api(event, "myapi", "swagger.yml", logger)`` is a whole Lambda handler body: it
feeds API Gateway (REST v1 proxy, HTTP API v2), ALB, Function URL and fleece 1.x
request-template events through the app, in-process, and answers in the shape the
integration expects. ``get_connexion_app("myapi", "swagger.yml").run(8080)`` serves the
same API locally. connexion itself is imported on first use.
"""

from fleece.connexion._api import asgi_handler, call_api, call_proxy_api
from fleece.connexion._cache import clear_app_cache, get_connexion_app
from fleece.handlers import EventError, EventKind, detect_event

__all__ = [
    "EventError",
    "EventKind",
    "asgi_handler",
    "call_api",
    "call_proxy_api",
    "clear_app_cache",
    "detect_event",
    "get_connexion_app",
]
