"""An ASGI app's lifespan in Lambda: started on the first event, shut down at exit.

FastAPI and Starlette apps open their database pools and HTTP clients in a lifespan
handler; a Lambda process serves many events, so startup runs once per process (not
once per event, as a per-invocation cycle would do) and shutdown when the interpreter
exits.
"""

from __future__ import annotations

import atexit
import enum
from typing import TYPE_CHECKING, Any

from fleece.handlers._asgi import ASGIApp, Message
from fleece.handlers._logging import Logger

if TYPE_CHECKING:
    import asyncio

SHUTDOWN_TIMEOUT = 2.0
"""Seconds the app's shutdown may take before the process exits without it."""


class LifespanError(RuntimeError):
    """The app reported that its lifespan startup failed."""


class _State(enum.Enum):
    NEW = "new"
    STARTED = "started"
    UNSUPPORTED = "unsupported"
    STOPPED = "stopped"


class Lifespan:
    """Runs ``app``'s lifespan protocol on the event loop that serves its requests.

    Args:
        app: the ASGI application.
        logger: where a failed startup or shutdown is reported.
        required: True to fail when the app does not speak the lifespan protocol;
            False (the default use) runs apps without it as they are.
    """

    def __init__(self, app: ASGIApp, logger: Logger, *, required: bool) -> None:
        self._app = app
        self._logger = logger
        self._required = required
        self._state = _State.NEW
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: asyncio.Queue[Message] | None = None
        self._reply: asyncio.Future[Message] | None = None
        self.state: dict[str, Any] = {}
        """What the app's lifespan stored for its requests (``scope["state"]``)."""

    @property
    def active(self) -> bool:
        """Whether startup completed and requests get a copy of :attr:`state`."""
        return self._state is _State.STARTED

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run the app's startup on ``loop`` unless it already ran.

        Raises:
            LifespanError: the app reported a failed startup (it is tried again on
                the next event), or does not support lifespan but ``required``.
        """
        if self._state is not _State.NEW:
            return
        self._loop = loop
        reply = loop.run_until_complete(self._begin())
        if reply["type"] == "lifespan.startup.complete":
            self._state = _State.STARTED
            atexit.register(self.stop)
            return
        if reply["type"] == "lifespan.startup.failed":
            self._state = _State.NEW
            raise LifespanError(f"lifespan startup failed: {reply.get('message', '')}")
        self._state = _State.UNSUPPORTED
        if self._required:
            raise LifespanError("the app does not support the ASGI lifespan protocol")

    def stop(self) -> None:
        """Run the app's shutdown, once; a no-op unless startup completed."""
        loop = self._loop
        if self._state is not _State.STARTED or loop is None:
            return
        self._state = _State.STOPPED
        atexit.unregister(self.stop)
        if loop.is_closed() or loop.is_running():
            return
        try:
            reply = loop.run_until_complete(self._end())
        except TimeoutError:
            self._logger.error(
                "lifespan shutdown did not finish in %s s", SHUTDOWN_TIMEOUT
            )
            return
        if reply["type"] != "lifespan.shutdown.complete":
            self._logger.error("lifespan shutdown failed: %s", reply.get("message", ""))

    async def _begin(self) -> Message:
        import asyncio

        loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._reply = loop.create_future()
        self._inbox.put_nowait({"type": "lifespan.startup"})
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        task = loop.create_task(self._run(scope))
        reply = await self._reply
        if reply["type"] != "lifespan.startup.complete" and not task.done():
            task.cancel()
        return reply

    async def _end(self) -> Message:
        import asyncio

        assert self._inbox is not None  # noqa: S101 - set by a completed startup
        loop = asyncio.get_running_loop()
        self._reply = loop.create_future()
        self._inbox.put_nowait({"type": "lifespan.shutdown"})
        return await asyncio.wait_for(self._reply, SHUTDOWN_TIMEOUT)

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self._app(scope, self._receive, self._send)
        except BaseException as error:
            if self._state is _State.STARTED:
                self._logger.exception("the app's lifespan raised after startup")
                self._answer({"type": "lifespan.shutdown.failed", "message": ""})
            else:
                # As ASGI servers do: an app that raises on a lifespan scope does
                # not support it.
                self._answer({"type": "lifespan.unsupported", "message": str(error)})
            if not isinstance(error, Exception):
                raise
        else:
            self._answer({"type": "lifespan.unsupported", "message": ""})

    async def _receive(self) -> Message:
        assert self._inbox is not None  # noqa: S101 - set before the app runs
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        self._answer(message)

    def _answer(self, message: Message) -> None:
        if self._reply is not None and not self._reply.done():
            self._reply.set_result(message)
