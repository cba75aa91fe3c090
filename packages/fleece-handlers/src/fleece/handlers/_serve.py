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
        logger.exception(
            "unhandled exception serving %s %s",
            request.method,
            request.path,
        )
        response = problem(500, INTERNAL_ERROR)
    if request.kind is REQUEST_TEMPLATE and not proxy:
        if response.too_large or len(response.body) > LAMBDA_RESPONSE_LIMIT:
            _report_too_large(request, logger)
            raise HTTPError(502)
        if response.status >= 400:
            logger.warning(
                "request-template call answered %s: %s",
                response.status,
                response.body[:1000].decode(errors="replace"),
            )
        return template_result(response)
    if not response.too_large:
        answer = answer_for(request.kind, response)
        if len(answer["body"]) <= _SURELY_FITS or _fits(answer):
            return answer
    _report_too_large(request, logger)
    return answer_for(request.kind, problem(502, TOO_LARGE))


def _fits(answer: dict[str, Any]) -> bool:
    # As the Lambda runtime serialises it (ASCII-only JSON).
    import json

    return len(json.dumps(answer)) <= LAMBDA_RESPONSE_LIMIT


def _report_too_large(request: Request, logger: Logger) -> None:
    logger.error(
        "response to %s %s is over AWS Lambda's %d-byte limit once encoded; "
        "answered 502 instead (stream it from S3 or a presigned URL)",
        request.method,
        request.path,
        LAMBDA_RESPONSE_LIMIT,
    )


def _kind_or_none(event: object) -> EventKind | None:
    try:
        return detect_event(event)
    except EventError:
        return None
