"""Seeing a handler's failures that do not raise: handleError calls and warnings.

stdlib handlers catch their own exceptions and call ``handleError``; watchtower 3
reports a failed delivery with ``warnings.warn(..., WatchtowerWarning)``. Both are
caught here only in the thread that is emitting through a RetryHandler, so warnings
other threads issue meanwhile go on as usual.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import warnings
from collections.abc import Callable, Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Watchtower warnings that are not a failed delivery: retrying would not help.
_NOT_A_DELIVERY_FAILURE = (
    "Log message size exceeds",
    "Received empty message",
    "Received message after logging system shutdown",
)


class HandlerReportedError(RuntimeError):
    """A wrapped handler reported a failure through handleError without an exception."""


class _PerThread(threading.local):
    failures: list[BaseException] | None = None


_STATE = _PerThread()
_INSTALL_LOCK = threading.Lock()
_original_warn: Callable[..., None] | None = None
_watchers = 0


@contextlib.contextmanager
def capturing_failures() -> Iterator[list[BaseException]]:
    """Collect the failures the current thread's handlers report meanwhile.

    Yields:
        The list the failures are appended to.
    """
    outer = _STATE.failures
    failures: list[BaseException] = []
    _STATE.failures = failures
    try:
        yield failures
    finally:
        _STATE.failures = outer


def watch_handle_error(handler: logging.Handler) -> None:
    """Make the handler's handleError report to the capturing thread, if any.

    Args:
        handler: The handler whose failures to see.
    """
    original = handler.handleError

    def handle_error(record: logging.LogRecord) -> None:
        failures = _STATE.failures
        if failures is None:
            original(record)
            return
        error = sys.exc_info()[1]
        failures.append(
            error
            if error is not None
            else HandlerReportedError(f"{type(handler).__name__} reported an error")
        )

    # An instance attribute is the one way to see the calls a handler makes to its
    # own handleError without subclassing it.
    handler.handleError = handle_error  # type: ignore[method-assign]


def _is_delivery_failure(category: object, message: object) -> bool:
    if not isinstance(category, type) or not any(
        cls.__name__ == "WatchtowerWarning" for cls in category.__mro__
    ):
        return False
    return not str(message).startswith(_NOT_A_DELIVERY_FAILURE)


def _warn(
    message: Any,
    category: type[Warning] | None = None,
    stacklevel: int = 1,
    source: Any = None,
    **kwargs: Any,
) -> None:
    failures = _STATE.failures
    if failures is not None:
        if isinstance(message, Warning):
            category = type(message)
        category = category or UserWarning
        if _is_delivery_failure(category, message):
            failures.append(
                message if isinstance(message, Warning) else category(message)
            )
            return
    assert _original_warn is not None  # noqa: S101 - set before _warn is installed
    _original_warn(message, category, stacklevel + 1, source, **kwargs)


def watch_warnings() -> None:
    """Route ``warnings.warn`` through the per-thread capture.

    The hook is installed by the first watcher and stays until every watcher has
    called ``unwatch_warnings``.
    """
    global _original_warn, _watchers  # one process-wide hook, counted
    with _INSTALL_LOCK:
        if _watchers == 0 and _original_warn is None:
            _original_warn = warnings.warn
            warnings.warn = _warn
        _watchers += 1


def unwatch_warnings() -> None:
    """Undo one ``watch_warnings``; the last one puts back the original function.

    When another hook was installed over this one meanwhile, it is left in place
    (and this one keeps passing warnings through to the original).
    """
    global _original_warn, _watchers
    with _INSTALL_LOCK:
        if _watchers == 0:
            return
        _watchers -= 1
        original = _original_warn
        if _watchers == 0 and original is not None and warnings.warn is _warn:
            warnings.warn = original
            _original_warn = None
