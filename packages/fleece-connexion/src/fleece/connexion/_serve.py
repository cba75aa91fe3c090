"""One Lambda event through a connexion app, its errors logged where the caller says."""

from __future__ import annotations

from typing import Any

from fleece.connexion._logging import Logger, current_logger, default_logger
from fleece.handlers._asgi import ASGIApp, run_request, thread_loop
from fleece.handlers._events import Request, Response
from fleece.handlers._serve import serve_event as answer_event


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
        logger: the logger for errors (the app's error handlers see it too); None
            for fleece's.
        proxy: answer request-template events with a proxy response dict too.
        context: the Lambda context, put in the scope as ``aws.context``.

    Returns:
        The integration's response dict, or for a request-template event (unless
        ``proxy``) the parsed response body.

    Raises:
        HTTPError: unless ``proxy``, for an event of no known shape, a malformed
            request-template event, or a request-template event answered 4xx/5xx.
        RuntimeError: called from a coroutine (an event loop runs in this thread).
    """
    loop = thread_loop()

    def run(request: Request) -> Response:
        token = current_logger.set(logger)
        try:
            return run_request(app, request, loop)
        finally:
            current_logger.reset(token)

    log = logger if logger is not None else default_logger()
    return answer_event(run, event, log, proxy=proxy, context=context)
