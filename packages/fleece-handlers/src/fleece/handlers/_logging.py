"""What errors are logged through, and where they go when the caller names nothing."""

from __future__ import annotations

from typing import Any, Protocol, cast


class Logger(Protocol):
    """What fleece logs through: a stdlib ``Logger`` or a fleece ``BoundLogger``."""

    def exception(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at error level with the current exception's traceback."""

    def error(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at error level."""

    def warning(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at warning level."""


class _FleeceHandlersLogger:
    """The stdlib ``fleece.handlers`` logger, with logging imported on first use.

    Most events log nothing, so a function need not pay for importing logging.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        import logging

        return getattr(logging.getLogger("fleece.handlers"), name)


DEFAULT_LOGGER = cast(Logger, _FleeceHandlersLogger())
"""Where a handler given no logger reports rejected events and app failures."""
