"""Drive an ASGI app in-process: one request in, one whole response out.

Each thread keeps one event loop for its whole life, so an invocation costs neither a
new loop nor a new thread, and what the app's lifespan set up (connection pools, clients
bound to the loop) stays usable from one invocation to the next.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from fleece.handlers._events import LAMBDA_RESPONSE_LIMIT, Request, Response

if TYPE_CHECKING:
    import asyncio

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]


class _OwnedLoop:
    """An event loop, closed when its owner (a thread's local storage) drops it."""

    __slots__ = ("loop",)

    def __init__(self) -> None:
        # asyncio (which imports ssl) is loaded when the first event is served, not
        # when fleece is imported.
        import asyncio

        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        # At interpreter exit asyncio's modules may already be torn down (closing
        # then fails, noisily); the process's end frees the loop anyway.
        if not sys.is_finalizing() and not self.loop.is_closed():
            self.loop.close()


class _ThreadLoop(threading.local):
    """The event loop of the current thread, created on first use."""

    owned: _OwnedLoop | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        if self.owned is None:
            self.owned = _OwnedLoop()
        return self.owned.loop


_THREAD_LOOP = _ThreadLoop()


def thread_loop() -> asyncio.AbstractEventLoop:
    """Return this thread's event loop, to run the app on.

    Raises:
        RuntimeError: called from a coroutine (an event loop runs in this thread).
    """
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _THREAD_LOOP.get()
    raise RuntimeError(
        "fleece runs the app on its own event loop and cannot be called from a "
        "coroutine; await the ASGI app directly instead"
    )


async def _exchange(app: ASGIApp, request: Request) -> Response:
    status = 0
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []
    size = 0
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
                import asyncio

                finished = asyncio.get_running_loop().create_future()
            await finished
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, complete, size
        kind = message["type"]
        if kind == "http.response.start":
            status = message["status"]
            headers.extend(
                (name.decode("latin-1").lower(), value.decode("latin-1"))
                for name, value in message.get("headers", ())
            )
        elif kind == "http.response.body" and not complete:
            body = message.get("body", b"")
            size += len(body)
            if size <= LAMBDA_RESPONSE_LIMIT:
                chunks.append(body)
            else:
                # Lambda could not return it anyway: hold none of it.
                chunks.clear()
            if not message.get("more_body"):
                complete = True
                if finished is not None:
                    finished.set_result(None)

    try:
        await app(request.scope, receive, send)
    finally:
        if finished is not None and not finished.done():
            # Let a listener the app left behind see the client go, not wait forever.
            finished.set_result(None)
    if not status:
        raise RuntimeError("the ASGI app returned without sending a response")
    if size > LAMBDA_RESPONSE_LIMIT:
        return Response(status, headers, b"", too_large=True)
    return Response(status, headers, b"".join(chunks))


def run_request(
    app: ASGIApp, request: Request, loop: asyncio.AbstractEventLoop
) -> Response:
    """Send one request through ``app`` on ``loop`` (see :func:`thread_loop`).

    Raises:
        Exception: whatever the app raised.
    """
    return loop.run_until_complete(_exchange(app, request))
