"""``call_api``, ``call_proxy_api``, ``asgi_handler``: Lambda events in, answers out."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from fleece.connexion._cache import get_ready_app
from fleece.connexion._logging import Logger
from fleece.connexion._serve import serve_event
from fleece.handlers._asgi import ASGIApp


def call_api(
    event: Any,
    app_name: str,
    app_swagger_path: str | os.PathLike[str],
    logger: Logger | None = None,
    strict_validation: bool = True,
    validate_responses: bool = True,
    cache_app: bool = True,
) -> Any:
    """Feed one Lambda event through a connexion app, in-process.

    Args:
        event: the event: API Gateway REST v1 proxy, HTTP API v2, ALB, Function URL,
            or fleece 1.x's request template.
        app_name: the application's name.
        app_swagger_path: the OpenAPI document (see :func:`get_connexion_app`).
        logger: where errors are logged, with tracebacks; None for fleece's logger.
        strict_validation: reject query/form parameters the document does not name.
        validate_responses: check responses against the document.
        cache_app: False builds a new app for this call.

    Returns:
        For a proxy-style event, the integration's response dict (``statusCode``,
        ``headers``, ``body``, ``isBase64Encoded``, ...; a malformed one gets a 400
        dict). For a request-template event, the parsed JSON body.

    Raises:
        HTTPError: 400 for an event of no known shape or a malformed
            request-template event; for a request-template event, the 4xx answer
            (message from the body's ``error.message`` or ``detail``) or 5xx answer
            (status only).
    """
    app = get_ready_app(
        app_name,
        app_swagger_path,
        strict_validation,
        validate_responses,
        cache_app,
        logger,
    )
    return serve_event(app, event, logger, proxy=False)


def call_proxy_api(
    event: Any,
    app_name: str,
    app_swagger_path: str | os.PathLike[str],
    logger: Logger | None = None,
    strict_validation: bool = True,
    validate_responses: bool = True,
    cache_app: bool = True,
) -> dict[str, Any]:
    """Like :func:`call_api`, but always return a proxy response dict.

    A request-template event gets a REST v1 proxy response too, and an event of no
    known shape a 400 one. Arguments are as for :func:`call_api`.

    Returns:
        The integration's response dict.
    """
    app = get_ready_app(
        app_name,
        app_swagger_path,
        strict_validation,
        validate_responses,
        cache_app,
        logger,
    )
    answer: dict[str, Any] = serve_event(app, event, logger, proxy=True)
    return answer


def asgi_handler(
    app: ASGIApp, logger: Logger | None = None
) -> Callable[[Any, Any], Any]:
    """Make a Lambda handler ``(event, context)`` out of any ASGI application.

    The handler answers events as :func:`call_api` does; the scope carries
    ``aws.event`` and ``aws.context``.

    Args:
        app: the ASGI application (Starlette, FastAPI, connexion, ...).
        logger: where errors are logged; None for fleece's logger.

    Returns:
        The handler.
    """

    def handler(event: Any, context: Any = None) -> Any:
        return serve_event(app, event, logger, proxy=False, context=context)

    return handler
