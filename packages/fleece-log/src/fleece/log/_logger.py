"""BoundLogger: structlog-style calls on a standard library logger."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping

from fleece.log._context import CONTEXT
from fleece.log._format import FIELDS_ATTRIBUTE, JsonRecord
from fleece.log._handler import ensure_root_handler
from fleece.log._levels import parse_level

# `typing` costs more to import than the rest of this package: it is only for mypy.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType
    from typing import IO, Any, TypeAlias

    _ExcInfo: TypeAlias = (
        tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None]
    )

# Keywords the stdlib logging methods take: a call written for logging.getLogger()
# works unchanged (`extra=` items become fields).
_STDLIB_KEYWORDS = frozenset({"exc_info", "stack_info", "stacklevel", "extra"})

_DEBUG = logging.DEBUG
_INFO = logging.INFO
_WARNING = logging.WARNING
_ERROR = logging.ERROR
_CRITICAL = logging.CRITICAL
_LogRecord = logging.LogRecord


def _exc_info(value: object) -> _ExcInfo | None:
    if not value:
        return None
    if isinstance(value, BaseException):
        return (type(value), value, value.__traceback__)
    if isinstance(value, tuple):
        if len(value) == 3 and isinstance(value[1], BaseException):
            return value
        return None
    current = sys.exc_info()
    return None if current[0] is None else current


class BoundLogger:
    """A logger with bound key/values, writing through a standard library logger.

    Called as ``log.info("user created", user_id=7)``: the event, the invocation
    context, the bound values and the keywords become one record of the stdlib logger.
    ``bind``/``unbind``/``try_unbind``/``new`` return new loggers. Levels, handlers and
    anything else of the stdlib logger are reached through this object.

    Args:
        logger: The standard library logger to write through.
        context: Key/values bound to every line of this logger.
    """

    __slots__ = ("_context", "_enabled", "_logger")

    def __init__(
        self, logger: logging.Logger, context: Mapping[str, Any] | None = None
    ) -> None:
        self._logger = logger
        self._context: dict[str, Any] = dict(context) if context else {}
        # The stdlib logger's own level cache: isEnabledFor fills it and every level
        # change clears it in place, so reading it first saves a method call on each
        # filtered-out line (a disabled logger is still caught by Logger.handle).
        self._enabled: dict[int, bool] = getattr(logger, "_cache", {})

    def __repr__(self) -> str:
        return f"<BoundLogger {self._logger.name!r} context={self._context!r}>"

    def __getattr__(self, name: str) -> Any:
        # Only reached for names this class lacks; private names are not forwarded so
        # that a half-built instance (copy, pickle) cannot recurse.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._logger, name)

    # Binding ----------------------------------------------------------------------

    def bind(self, **values: Any) -> BoundLogger:
        """Return a new logger with these key/values added.

        Args:
            **values: Key/values for every line of the new logger.

        Returns:
            The new logger; this one is unchanged.
        """
        return type(self)(self._logger, {**self._context, **values})

    def unbind(self, *keys: str) -> BoundLogger:
        """Return a new logger without these keys.

        Args:
            *keys: Keys to remove.

        Returns:
            The new logger; this one is unchanged.

        Raises:
            KeyError: When a key is not bound.
        """
        missing = [key for key in keys if key not in self._context]
        if missing:
            raise KeyError(f"not bound to this logger: {', '.join(missing)}")
        return self.try_unbind(*keys)

    def try_unbind(self, *keys: str) -> BoundLogger:
        """Return a new logger without these keys, ignoring keys that are not bound.

        Args:
            *keys: Keys to remove.

        Returns:
            The new logger; this one is unchanged.
        """
        context = {k: v for k, v in self._context.items() if k not in keys}
        return type(self)(self._logger, context)

    def new(self, **values: Any) -> BoundLogger:
        """Return a new logger bound to these key/values only.

        Args:
            **values: Key/values for every line of the new logger.

        Returns:
            The new logger; this one is unchanged.
        """
        return type(self)(self._logger, values)

    # Logging ----------------------------------------------------------------------
    # Each method checks the level before anything else, so a filtered-out call builds
    # nothing.

    def debug(self, event: object, *args: object, **kw: Any) -> None:
        """Log an event at DEBUG level (see ``log``)."""
        try:
            enabled = self._enabled[_DEBUG]
        except KeyError:
            enabled = self._logger.isEnabledFor(_DEBUG)
        if enabled:
            self._emit(_DEBUG, event, args, kw)

    def info(self, event: object, *args: object, **kw: Any) -> None:
        """Log an event at INFO level (see ``log``)."""
        try:
            enabled = self._enabled[_INFO]
        except KeyError:
            enabled = self._logger.isEnabledFor(_INFO)
        if enabled:
            self._emit(_INFO, event, args, kw)

    def warning(self, event: object, *args: object, **kw: Any) -> None:
        """Log an event at WARNING level (see ``log``)."""
        try:
            enabled = self._enabled[_WARNING]
        except KeyError:
            enabled = self._logger.isEnabledFor(_WARNING)
        if enabled:
            self._emit(_WARNING, event, args, kw)

    warn = warning

    def error(self, event: object, *args: object, **kw: Any) -> None:
        """Log an event at ERROR level (see ``log``)."""
        try:
            enabled = self._enabled[_ERROR]
        except KeyError:
            enabled = self._logger.isEnabledFor(_ERROR)
        if enabled:
            self._emit(_ERROR, event, args, kw)

    def critical(self, event: object, *args: object, **kw: Any) -> None:
        """Log an event at CRITICAL level (see ``log``)."""
        try:
            enabled = self._enabled[_CRITICAL]
        except KeyError:
            enabled = self._logger.isEnabledFor(_CRITICAL)
        if enabled:
            self._emit(_CRITICAL, event, args, kw)

    fatal = critical

    def exception(self, event: object, *args: object, **kw: Any) -> None:
        """Log an event at ERROR level with the current exception's traceback."""
        if self._logger.isEnabledFor(_ERROR):
            kw.setdefault("exc_info", True)
            self._emit(_ERROR, event, args, kw)

    def log(self, level: int | str, event: object, *args: object, **kw: Any) -> None:
        """Log an event at the given level.

        Args:
            level: A level number or name.
            event: What happened; ``%``-style ``args`` are formatted into it.
            *args: Values for ``%`` placeholders in the event.
            **kw: Key/values for this line. ``exc_info=True`` (or an exception) adds
                an ``exception`` field with the formatted traceback;
                ``stack_info=True`` adds a ``stack`` field; the items of a stdlib
                ``extra=`` dict become fields; ``stacklevel`` is ignored.
        """
        number = parse_level(level)
        if self._logger.isEnabledFor(number):
            self._emit(number, event, args, kw)

    def _emit(
        self, level: int, event: object, args: tuple[object, ...], kw: dict[str, Any]
    ) -> None:
        exc_info = stack = None
        if not _STDLIB_KEYWORDS.isdisjoint(kw):
            exc_info = _exc_info(kw.pop("exc_info", None))
            if kw.pop("stack_info", False):
                stack = "Stack (most recent call last):\n" + "".join(
                    traceback.format_stack(sys._getframe(2))
                )
            kw.pop("stacklevel", None)
            extra = kw.pop("extra", None)
            if isinstance(extra, Mapping):
                kw = {**extra, **kw}
            elif extra is not None:
                kw["extra"] = extra
        logger = self._logger
        record = logger.makeRecord(
            logger.name, level, "", 0, event, args, exc_info, None, None, stack
        )
        record.__dict__[FIELDS_ATTRIBUTE] = {**CONTEXT.get(), **self._context, **kw}
        # A record from a custom record factory keeps its class (and plain message).
        if type(record) is _LogRecord:
            record.__class__ = JsonRecord
        logger.handle(record)

    # The stdlib logger ------------------------------------------------------------

    @property
    def name(self) -> str:
        """The stdlib logger's name."""
        return self._logger.name

    @property
    def level(self) -> int:
        """The stdlib logger's own level."""
        return self._logger.level

    @property
    def propagate(self) -> bool:
        """Whether the stdlib logger passes records to its parent's handlers."""
        return self._logger.propagate

    @propagate.setter
    def propagate(self, value: bool) -> None:
        self._logger.propagate = value

    @property
    def disabled(self) -> bool:
        """Whether the stdlib logger drops every record."""
        return self._logger.disabled

    @disabled.setter
    def disabled(self, value: bool) -> None:
        self._logger.disabled = value

    @property
    def handlers(self) -> list[logging.Handler]:
        """The stdlib logger's handlers."""
        return self._logger.handlers

    def getChild(self, suffix: str) -> BoundLogger:  # noqa: N802 - stdlib name
        """A logger for the child stdlib logger, with the same bound values."""
        return type(self)(self._logger.getChild(suffix), self._context)

    def setLevel(self, level: int | str) -> None:  # noqa: N802 - stdlib name
        """Set the stdlib logger's level (number or name)."""
        self._logger.setLevel(parse_level(level))

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - stdlib name
        """Whether a call at this level would be logged."""
        return self._logger.isEnabledFor(level)

    def addHandler(self, handler: logging.Handler) -> None:  # noqa: N802 - stdlib name
        """Add a handler to the stdlib logger."""
        self._logger.addHandler(handler)

    def removeHandler(self, handler: logging.Handler) -> None:  # noqa: N802 - stdlib name
        """Remove a handler from the stdlib logger."""
        self._logger.removeHandler(handler)


def get_logger(
    name: str | None = None,
    level: int | str | None = None,
    stream: IO[str] | None = None,
    clobber_root_handler: bool = True,
    **initial_values: Any,
) -> BoundLogger:
    """Return a BoundLogger writing through ``logging.getLogger(name)``.

    Args:
        name: The stdlib logger name; None for the root logger.
        level: When given, the stdlib logger's level (number or name).
        stream: Where the root JSON handler writes, when this call installs it; None
            means ``sys.stdout`` at the time of writing.
        clobber_root_handler: When fleece's JSON handler is not on the root logger
            yet, replace the root's handlers with it (as ``setup_root_logger``).
        **initial_values: Key/values bound to the returned logger.

    Returns:
        The logger.

    Raises:
        ValueError: When the level is unknown.
    """
    number = None if level is None else parse_level(level)
    if clobber_root_handler:
        ensure_root_handler(stream)
    logger = logging.getLogger(name)
    if number is not None:
        logger.setLevel(number)
    return BoundLogger(logger, initial_values)


getLogger = get_logger  # noqa: N816 - the stdlib spelling, kept from fleece 1.x


def as_bound_logger(logger: BoundLogger | logging.Logger | None) -> BoundLogger:
    """The logger as a BoundLogger (the root logger for None), so keywords work.

    Args:
        logger: A fleece or stdlib logger, or None.

    Returns:
        The same BoundLogger, or one writing through the stdlib logger.
    """
    if isinstance(logger, BoundLogger):
        return logger
    return BoundLogger(logger if logger is not None else logging.getLogger())
