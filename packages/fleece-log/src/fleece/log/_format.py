"""Rendering a log record as one JSON line."""

from __future__ import annotations

import json
import json.encoder
import logging
import math
import time

from fleece.log._context import CONTEXT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Attribute that carries the key/values a BoundLogger call bound to its record.
FIELDS_ATTRIBUTE = "_fleece_fields"
# Attribute that keeps the JSON line a JsonRecord rendered as its message.
_LINE_ATTRIBUTE = "_fleece_line"

# Everything a stdlib LogRecord carries by itself; any other attribute came from
# `extra=` and is written as a field.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()
    | {"message", "asctime", "taskName", FIELDS_ATTRIBUTE, _LINE_ATTRIBUTE}
)

_LEVEL_NAMES: dict[str, str] = {}
_LogRecord = logging.LogRecord


def _repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # a broken __repr__ must not break logging
        return f"<unrepresentable {type(value).__name__}>"


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=_repr, allow_nan=False
)
# JSONEncoder.encode builds a new C encoder for every call; one built once is the same
# encoder without that cost. Without a markers dict a cycle ends in RecursionError,
# which sends the line through the slow path below.
_make_c_encoder = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODER = (
    None
    if _make_c_encoder is None
    else _make_c_encoder(
        None,
        _repr,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        True,
        False,
        False,
    )
)


def _sanitized(value: object, seen: frozenset[int]) -> object:
    """Return a copy of value that the JSON encoder accepts (slow path)."""
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict | list | tuple):
        if id(value) in seen:
            return "<recursion>"
        inner = seen | {id(value)}
        if isinstance(value, dict):
            return {
                key if isinstance(key, str) else _repr(key): _sanitized(item, inner)
                for key, item in value.items()
            }
        return [_sanitized(item, inner) for item in value]
    return _repr(value)


def encode(line: dict[str, Any]) -> str:
    """Encode a dict as compact JSON with sorted keys; never raises.

    Values JSON cannot represent (objects, NaN, non-string keys, cycles) are written
    with ``repr()``.

    Args:
        line: The fields to encode.

    Returns:
        The JSON text.
    """
    try:
        if _C_ENCODER is not None:
            return "".join(_C_ENCODER(line, 0))
        return _ENCODER.encode(line)
    except (TypeError, ValueError, RecursionError):
        return _ENCODER.encode(_sanitized(line, frozenset()))


def best_effort_message(record: logging.LogRecord) -> str:
    """The text of a record whose ``msg % args`` fails: ``<msg repr> % <args repr>``."""
    return f"{_repr(record.msg)} % {_repr(record.args)}"


def _message(record: logging.LogRecord) -> str:
    # A JsonRecord's getMessage is its whole JSON line; its event is msg % args.
    if type(record) is JsonRecord:
        return _LogRecord.getMessage(record)
    return record.getMessage()


def _stdlib_fields(record: logging.LogRecord) -> dict[str, Any]:
    extra = {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES
    }
    return {**CONTEXT.get(), **extra}


def frozen_copy(
    record: logging.LogRecord,
) -> tuple[logging.LogRecord, Exception | None]:
    """A copy of the record that renders the same later, in any thread or context.

    The message is formatted now (letting go of its arguments), the context of this
    moment is bound to it, and an exception becomes its traceback text.

    Args:
        record: The record to keep.

    Returns:
        The copy, and the error raised by ``msg % args`` when that failed (the copy
        then holds the best-effort text).
    """
    copy = _LogRecord.__new__(type(record))
    attributes = copy.__dict__
    attributes.update(record.__dict__)
    error = None
    if record.args:
        try:
            copy.msg = _message(record)
        except Exception as failure:  # the record's own fault: keep what it says
            error = failure
            copy.msg = best_effort_message(record)
        copy.args = None
    if FIELDS_ATTRIBUTE not in attributes:
        attributes[FIELDS_ATTRIBUTE] = _stdlib_fields(record)
    if copy.exc_info:
        if not copy.exc_text:
            copy.exc_text = _LINE_FORMATTER.formatException(copy.exc_info)
        copy.exc_info = None
    return copy, error


class _TimestampCache:
    """Formats epoch seconds as ISO-8601 UTC with milliseconds, reusing the seconds."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        # One tuple, replaced whole, so that threads never pair a second with the
        # text of another.
        self._last = (-1, "")

    def format(self, created: float) -> str:
        second = int(created)
        millisecond = int((created - second) * 1000)
        last_second, prefix = self._last
        if second != last_second:
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._last = (second, prefix)
        return f"{prefix}.{millisecond:03d}Z"


class JsonFormatter(logging.Formatter):
    """Formats every record as one JSON object with sorted keys.

    Always present: ``event`` (the formatted message), ``level`` (lower-case name),
    ``logger`` (the logger name) and ``timestamp`` (ISO-8601 UTC with milliseconds);
    then the invocation context, the logger's bound values, the call's keywords (or a
    stdlib record's ``extra=`` attributes), ``exception`` and ``stack`` when present.
    """

    def __init__(self) -> None:
        super().__init__()
        self._timestamps = _TimestampCache()

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as one JSON line (without the newline).

        Args:
            record: The record to render.

        Returns:
            The JSON text.
        """
        attributes = record.__dict__
        # The line a fleece record already gave as its message, kept even when a
        # handler (QueueHandler.prepare) has put that line in its msg since.
        rendered: str | None = attributes.get(_LINE_ATTRIBUTE)
        if rendered is not None:
            return rendered
        fields = attributes.get(FIELDS_ATTRIBUTE)
        if fields is None:
            fields = _stdlib_fields(record)
        line = {
            **fields,
            "event": self._event(record),
            "level": self._level(record.levelname),
            "logger": record.name,
            "timestamp": self._timestamps.format(record.created),
        }
        if record.exc_info or record.exc_text:
            if not record.exc_text and record.exc_info:
                record.exc_text = self.formatException(record.exc_info)
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return encode(line)

    @staticmethod
    def _event(record: logging.LogRecord) -> str:
        try:
            return _message(record)
        except Exception:  # a bad %-format must not lose the line
            return best_effort_message(record)

    @staticmethod
    def _level(levelname: str) -> str:
        name = _LEVEL_NAMES.get(levelname)
        if name is None:
            name = _LEVEL_NAMES[levelname] = levelname.lower()
        return name


_LINE_FORMATTER = JsonFormatter()


class JsonRecord(logging.LogRecord):
    """A record of a fleece logger, whose message is its whole JSON line.

    Any handler formatting ``%(message)s`` (a handler without a formatter,
    watchtower's default one, a user's ``"%(levelname)s %(message)s"``) writes the JSON
    line with the event, bound values, keywords and context, as fleece 1.x did.
    ``JsonFormatter`` renders the same line, taking the event from ``msg % args``.
    """

    def getMessage(self) -> str:  # noqa: N802 - the stdlib name
        """The record's JSON line (rendered once, then reused)."""
        attributes = self.__dict__
        line: str | None = attributes.get(_LINE_ATTRIBUTE)
        if line is None:
            line = attributes[_LINE_ATTRIBUTE] = _LINE_FORMATTER.format(self)
        return line
