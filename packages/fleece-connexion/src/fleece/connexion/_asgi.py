"""Drive an ASGI app in-process: one request in, one whole response out.

Each thread keeps one event loop for its whole life, so an invocation costs neither a
new loop nor a new thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from fleece.connexion._events import (
    EventError,
    Request,
    Response,
    answer_for,
    detect_event,
    problem,
    request_from_event,
    template_result,
)
from fleece.connexion._events import EventKind as _Kind
from fleece.httperror import HTTPError

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]

GENERIC_500 = (
    "The server encountered an internal error and was unable to complete your request."
)


class Logger(Protocol):
    """What fleece logs through: a stdlib ``Logger`` or a fleece ``BoundLogger``."""

    def exception(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at error level with the current exception's traceback."""

    def error(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at error level."""

    def warning(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at warning level."""


current_logger: contextvars.ContextVar[Logger | None] = contextvars.ContextVar(
    "fleece_connexion_logger", default=None
)
"""The logger passed to the call being served, seen by the app's error handlers."""

_default_logger: list[Logger] = []


def default_logger() -> Logger:
    """Return fleece's logger for connexion (it leaves the root handlers alone)."""
    if not _default_logger:
        from fleece.log import get_logger

        _default_logger.append(
            get_logger("fleece.connexion", clobber_root_handler=False)
        )
    return _default_logger[0]


class _ThreadLoop(threading.local):
    """The event loop of the current thread, created on first use."""

    loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            _LoopCloser(self.loop, self)
        return self.loop


class _LoopCloser:
    """Closes a thread's loop when the thread's local storage goes away."""

    def __init__(self, loop: asyncio.AbstractEventLoop, owner: _ThreadLoop) -> None:
        self._loop = loop
        # Held by the thread-local object, so it dies with the thread's storage.
        owner.__dict__["_closer"] = self

    def __del__(self) -> None:
        if not self._loop.is_closed():
            self._loop.close()


_THREAD_LOOP = _ThreadLoop()


async def _exchange(app: ASGIApp, request: Request) -> Response:
    status = 0
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []
    pending = True
    complete = False
    finished: asyncio.Future[None] | None = None

    async def receive() -> Message:
        nonlocal pending, finished
        if pending:
            pending = False
            return {"type": "http.request", "body": request.body, "more_body": False}
        # The client stays connected until the response is complete.
        if not complete:
            if finished is None:
                finished = asyncio.get_running_loop().create_future()
            await finished
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, complete
        kind = message["type"]
        if kind == "http.response.start":
            status = message["status"]
            headers.extend(
                (name.decode("latin-1").lower(), value.decode("latin-1"))
                for name, value in message.get("headers", ())
            )
        elif kind == "http.response.body" and not complete:
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                complete = True
                if finished is not None:
                    finished.set_result(None)

    await app(request.scope, receive, send)
    if not status:
        raise RuntimeError("the ASGI app returned without sending a response")
    return Response(status, headers, b"".join(chunks))


def run_request(app: ASGIApp, request: Request, logger: Logger) -> Response:
    """Send one request through ``app`` on this thread's event loop.

    Args:
        app: the ASGI application.
        request: the request.
        logger: where an exception escaping the app is logged.

    Returns:
        The app's response; a generic 500 when the app raised.

    Raises:
        RuntimeError: called from a coroutine (an event loop runs in this thread).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(
            "fleece.connexion runs the app on its own event loop and cannot be "
            "called from a coroutine; await the ASGI app directly instead"
        )
    try:
        return _THREAD_LOOP.get().run_until_complete(_exchange(app, request))
    except Exception:
        logger.exception(
            "unhandled exception serving %s %s",
            request.scope["method"],
            request.scope["path"],
        )
        return problem(500, GENERIC_500)


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
        HTTPError: a request-template event got a 4xx/5xx answer or was malformed
            (unless ``proxy``).
    """
    log = logger if logger is not None else default_logger()
    try:
        request = request_from_event(event)
    except EventError as error:
        log.warning("rejected event: %s", error)
        kind = _kind_or_none(event)
        if kind is _Kind.REQUEST_TEMPLATE and not proxy:
            raise HTTPError(400, str(error)) from None
        return answer_for(kind, problem(400, str(error)))
    request.scope["aws.context"] = context
    token = current_logger.set(logger)
    try:
        response = run_request(app, request, log)
    finally:
        current_logger.reset(token)
    if request.kind is _Kind.REQUEST_TEMPLATE and not proxy:
        if response.status >= 400:
            log.warning(
                "request-template call answered %s: %s",
                response.status,
                response.body[:1000].decode(errors="replace"),
            )
        return template_result(response)
    return answer_for(request.kind, response)


def _kind_or_none(event: object) -> _Kind | None:
    try:
        return detect_event(event)
    except EventError:
        return None
