"""The JSON stream handler and the root logger set-up."""

from __future__ import annotations

import logging
import sys
import threading

from fleece.log._format import JsonFormatter
from fleece.log._levels import root_level

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_ROOT_LOCK = threading.Lock()


class JsonStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]  # any text stream
    """A StreamHandler writing one JSON line per record.

    With no stream it writes to whatever ``sys.stdout`` is when a line is written, so
    that a replaced stdout (Lambda's runtime, pytest's capture) still gets the lines.
    """

    def __init__(self, stream: IO[str] | None = None) -> None:
        logging.Handler.__init__(self)
        self._stream = stream
        self.setFormatter(JsonFormatter())

    # StreamHandler declares `stream` as a plain attribute; a property lets None mean
    # "the current sys.stdout" while setStream() keeps working.
    @property
    def stream(self) -> IO[str]:
        """The stream lines are written to."""
        return sys.stdout if self._stream is None else self._stream

    @stream.setter
    def stream(self, value: IO[str] | None) -> None:
        self._stream = value

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record as one JSON line and flush.

        Args:
            record: The record to write.
        """
        try:
            line = self.format(record)
            stream = self.stream
            stream.write(line + "\n")
            stream.flush()
        except RecursionError:
            raise
        except Exception:  # reported through handleError, as stdlib does
            self.handleError(record)


def setup_root_logger(
    level: int | str | None = None, stream: IO[str] | None = None
) -> None:
    """Replace every root handler with one JSON StreamHandler; idempotent.

    Args:
        level: The root level (number or name). When None, Lambda's
            ``AWS_LAMBDA_LOG_LEVEL`` (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) is used,
            else DEBUG.
        stream: Where lines go; None means ``sys.stdout`` at the time of writing.

    Raises:
        ValueError: When the level (argument or environment variable) is unknown.
    """
    number = root_level(level)
    with _ROOT_LOCK:
        _install_root_handler(stream)
        logging.root.setLevel(number)


def ensure_root_handler(stream: IO[str] | None) -> None:
    """Set up the root logger unless fleece's JSON handler is already on it.

    Args:
        stream: Where lines go; None means ``sys.stdout`` at the time of writing.
    """
    root = logging.root
    if any(isinstance(handler, JsonStreamHandler) for handler in root.handlers):
        return
    number = root_level(None)
    with _ROOT_LOCK:
        if not any(isinstance(handler, JsonStreamHandler) for handler in root.handlers):
            _install_root_handler(stream)
            root.setLevel(number)


def _install_root_handler(stream: IO[str] | None) -> None:
    root = logging.root
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(JsonStreamHandler(stream))
