"""One Lambda event in, the integration's answer out, whatever runs the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fleece.handlers._events import (
    INTERNAL_ERROR,
    LAMBDA_RESPONSE_LIMIT,
    REQUEST_TEMPLATE,
    EventError,
    EventKind,
    Request,
    Response,
    answer_for,
    detect_event,
    problem,
    request_from_event,
    template_result,
)
from fleece.handlers._logging import Logger
from fleece.httperror import HTTPError

TOO_LARGE = "The response is too large to be sent through AWS Lambda."
"""The detail of the 502 answered instead of a response Lambda cannot return."""
_SURELY_FITS = LAMBDA_RESPONSE_LIMIT // 8
"""A body this short fits even if JSON escapes every character (six bytes each)."""

RunRequest = Callable[[Request], Response]
"""Runs one request through the app, raising whatever the app raised."""


def serve_event(
    run: RunRequest,
    event: object,
    logger: Logger,
    *,
    proxy: bool = False,
    context: object = None,
) -> Any:
    """Answer one Lambda event with the app behind ``run``.

    Args:
        run: sends the request to the app and returns its response.
        event: the Lambda event.
        logger: where rejected events and oversized responses are reported.
        proxy: answer request-template events with a proxy response dict too.
        context: the Lambda context (``aws.context`` in the scope, ``lambda.context``
            in the environ).

    Returns:
        The integration's response dict (a 400 one for a malformed event, a 502
        one for a response over Lambda's limit), or for a request-template event
        (unless ``proxy``) the parsed response body.

    Raises:
        HTTPError: unless ``proxy``, for an event of no known shape, a malformed
            request-template event, or a request-template event answered 4xx/5xx.
    """
    try:
        request = request_from_event(event)
    except EventError as error:
        logger.warning("rejected event: %s", error)
        kind = _kind_or_none(event)
        if not proxy and kind in (None, EventKind.REQUEST_TEMPLATE):
            # Only a proxy integration expects a response dict back.
            raise HTTPError(400, str(error)) from None
        return answer_for(kind, problem(400, str(error)))
    request.context = context
    try:
        response = run(request)
    except Exception:
        response = app_failed(logger, request.method, request.path)
    if request.kind is REQUEST_TEMPLATE and not proxy:
        if response.too_large or len(response.body) > LAMBDA_RESPONSE_LIMIT:
            _report_too_large(request.method, request.path, logger)
            raise HTTPError(502)
        if response.status >= 400:
            logger.warning(
                "request-template call answered %s: %s",
                response.status,
                response.body[:1000].decode(errors="replace"),
            )
        return template_result(response)
    return proxy_answer(request.kind, response, logger, request.method, request.path)


def app_failed(logger: Logger, method: str, path: str) -> Response:
    """Log the exception the app raised serving a request; return a generic 500.

    Args:
        logger: where the exception is logged, with its traceback.
        method: the request's method.
        path: the request's path.

    Returns:
        The 500 response, with nothing about what went wrong.
    """
    logger.exception("unhandled exception serving %s %s", method, path)
    return problem(500, INTERNAL_ERROR)


def proxy_answer(
    kind: EventKind | None,
    response: Response,
    logger: Logger,
    method: str,
    path: str,
) -> dict[str, Any]:
    """The answer of a proxy integration: a 502 when the response cannot be sent.

    Args:
        kind: the event's kind.
        response: the app's response.
        logger: where a response over Lambda's limit is reported.
        method: the request's method, for the log.
        path: the request's path, for the log.

    Returns:
        The integration's response dict.
    """
    if not response.too_large:
        answer = answer_for(kind, response)
        if len(answer["body"]) <= _SURELY_FITS or _fits(answer):
            return answer
    _report_too_large(method, path, logger)
    return answer_for(kind, problem(502, TOO_LARGE))


def _fits(answer: dict[str, Any]) -> bool:
    # As the Lambda runtime serialises it (ASCII-only JSON).
    import json

    return len(json.dumps(answer)) <= LAMBDA_RESPONSE_LIMIT


def _report_too_large(method: str, path: str, logger: Logger) -> None:
    logger.error(
        "response to %s %s is over AWS Lambda's %d-byte limit once encoded; "
        "answered 502 instead (stream it from S3 or a presigned URL)",
        method,
        path,
        LAMBDA_RESPONSE_LIMIT,
    )


def _kind_or_none(event: object) -> EventKind | None:
    try:
        return detect_event(event)
    except EventError:
        return None
