"""``call_api``, ``call_proxy_api``, ``asgi_handler``: Lambda events in, answers out."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from fleece.connexion._asgi import ASGIApp, run_request
from fleece.connexion._cache import get_ready_app
from fleece.connexion._events import (
    EventError,
    EventKind,
    answer_for,
    detect_event,
    problem,
    request_from_event,
    template_result,
)
from fleece.connexion._logging import Logger, current_logger, default_logger
from fleece.httperror import HTTPError


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


def serve_event(
    app: ASGIApp,
    event: object,
    logger: Logger | None,
    *,
    proxy: bool,
    context: object = None,
) -> Any:
    """Answer one Lambda event with ``app``, as ``call_api``/``call_proxy_api`` do.

    Args:
        app: the ASGI app.
        event: the Lambda event.
        logger: the logger for errors; None for fleece's.
        proxy: answer request-template events with a proxy response dict too.
        context: the Lambda context, put in the scope as ``aws.context``.

    Returns:
        The integration's response dict, or for a request-template event (unless
        ``proxy``) the parsed response body.

    Raises:
        HTTPError: unless ``proxy``, for an event of no known shape, a malformed
            request-template event, or a request-template event answered 4xx/5xx.
    """
    log = logger if logger is not None else default_logger()
    try:
        request = request_from_event(event)
    except EventError as error:
        log.warning("rejected event: %s", error)
        kind = _kind_or_none(event)
        if not proxy and kind in (None, EventKind.REQUEST_TEMPLATE):
            # Only a proxy integration expects a response dict back.
            raise HTTPError(400, str(error)) from None
        return answer_for(kind, problem(400, str(error)))
    request.scope["aws.context"] = context
    token = current_logger.set(logger)
    try:
        response = run_request(app, request, log)
    finally:
        current_logger.reset(token)
    if request.kind is EventKind.REQUEST_TEMPLATE and not proxy:
        if response.status >= 400:
            log.warning(
                "request-template call answered %s: %s",
                response.status,
                response.body[:1000].decode(errors="replace"),
            )
        return template_result(response)
    return answer_for(request.kind, response)


def _kind_or_none(event: object) -> EventKind | None:
    try:
        return detect_event(event)
    except EventError:
        return None
