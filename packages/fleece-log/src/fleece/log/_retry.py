"""RetryHandler: retries, backoff and a backlog around an unreliable handler."""

from __future__ import annotations

import collections
import logging
import sys
import threading
import time

from fleece.log._failures import (
    capturing_failures,
    watch_handle_error,
    watch_warnings,
)

_WARNING_INTERVAL = 60.0


def _non_negative(name: str, value: float, kind: type = float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float if kind is float else int)
        or value < 0
    ):
        expected = "a number" if kind is float else "an integer"
        raise ValueError(f"{name} must be {expected} >= 0, not {value!r}")


class RetryHandler(logging.Handler):
    """A handler that wraps an unreliable one and retries it.

    A record fails when the wrapped handler raises, reports an error through
    ``handleError`` (as stdlib handlers do) or warns of a failed delivery while
    emitting (as watchtower 3 does with ``WatchtowerWarning``). A failed record is
    retried up to ``max_retries`` times, sleeping
    ``random() * min(backoff_cap, backoff_base * 2**n)`` before the n-th retry (from
    0: full jitter). When every retry fails and ``ignore_errors`` is true, the program
    goes on: the record is kept in a bounded backlog (oldest dropped first, counted in
    ``dropped``; ``pending`` says how many wait), re-sent in order before the next
    record once the wrapped handler works again, and on ``flush()``/``close()``; a
    warning goes to stderr at most once a minute. With ``ignore_errors`` false the
    first exception is raised instead.

    The wrapper's own level and filters apply; ``setFormatter``, ``flush`` and
    ``close`` reach the wrapped handler.

    Args:
        handler: The handler to wrap.
        max_retries: Retries after the first attempt.
        backoff_base: Sleep bound (seconds) before the first retry; doubles each retry.
        backoff_cap: Largest sleep bound (seconds).
        ignore_errors: Keep going (and keep the record) when every retry fails.
        backlog: How many failed records to keep for re-sending.

    Raises:
        TypeError: When ``handler`` is not a ``logging.Handler``.
        ValueError: When a number is negative or of the wrong type.
    """

    def __init__(
        self,
        handler: logging.Handler,
        max_retries: int = 5,
        backoff_base: float = 0.1,
        backoff_cap: float = 1,
        ignore_errors: bool = True,
        backlog: int = 1000,
    ) -> None:
        if not isinstance(handler, logging.Handler):
            raise TypeError(
                f"handler must be a logging.Handler, not {type(handler).__name__}"
            )
        _non_negative("max_retries", max_retries, int)
        _non_negative("backoff_base", backoff_base)
        _non_negative("backoff_cap", backoff_cap)
        _non_negative("backlog", backlog, int)
        super().__init__()
        self.handler = handler
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.ignore_errors = ignore_errors
        self.backlog = backlog
        self.dropped = 0
        self._backlog: collections.deque[logging.LogRecord] = collections.deque(
            maxlen=backlog
        )
        self._emitting = threading.local()
        self._last_warning = -_WARNING_INTERVAL
        watch_handle_error(handler)
        watch_warnings()

    def __repr__(self) -> str:
        return f"<RetryHandler {self.handler!r} ({len(self._backlog)} in backlog)>"

    @property
    def pending(self) -> int:
        """How many records are waiting in the backlog to be re-sent."""
        return len(self._backlog)

    def emit(self, record: logging.LogRecord) -> None:
        """Send the record (after any backlog) through the wrapped handler.

        Args:
            record: The record to send.

        Raises:
            Exception: The first failure, when every retry fails and
                ``ignore_errors`` is false.
        """
        # A record logged by the wrapped handler itself while it sends (botocore's
        # own logging, say) would recurse: it is left to the other handlers.
        if getattr(self._emitting, "active", False):
            return
        self._emitting.active = True
        try:
            if self._backlog and not self._drain():
                self._keep(record, None)
                return
            failure = self._deliver(record)
            if failure is not None:
                if not self.ignore_errors:
                    raise failure
                self._keep(record, failure)
        finally:
            self._emitting.active = False

    def setFormatter(self, fmt: logging.Formatter | None) -> None:  # noqa: N802
        """Set the formatter of this handler and of the wrapped one."""
        super().setFormatter(fmt)
        self.handler.setFormatter(fmt)

    def flush(self) -> None:
        """Re-send the backlog, then flush the wrapped handler."""
        with self.lock:  # type: ignore[union-attr]
            self._drain()
        self.handler.flush()

    def close(self) -> None:
        """Re-send the backlog, then close the wrapped handler and this one."""
        with self.lock:  # type: ignore[union-attr]
            if not self._drain():
                self._write_warning(
                    f"{len(self._backlog)} log records could not be delivered "
                    f"through {type(self.handler).__name__} and are lost"
                )
                self._backlog.clear()
        self.handler.close()
        super().close()

    def _drain(self) -> bool:
        backlog = self._backlog
        while backlog:
            if self._deliver(backlog[0]) is not None:
                return False
            backlog.popleft()
        return True

    def _deliver(self, record: logging.LogRecord) -> BaseException | None:
        first = None
        for retry in range(-1, self.max_retries):
            if retry >= 0:
                import random  # only a failing sink needs it, not every import

                delay = min(self.backoff_cap, self.backoff_base * 2**retry)
                time.sleep(random.random() * delay)  # noqa: S311 - jitter, not crypto
            failure = self._attempt(record)
            if failure is None:
                return None
            first = first or failure
        return first

    def _attempt(self, record: logging.LogRecord) -> BaseException | None:
        handler = self.handler
        if record.levelno < handler.level:
            return None
        with capturing_failures() as failures:
            try:
                handler.handle(record)
            except Exception as error:  # any failure is retried
                return error
        return failures[0] if failures else None

    def _keep(self, record: logging.LogRecord, failure: BaseException | None) -> None:
        backlog = self._backlog
        if len(backlog) == backlog.maxlen:
            self.dropped += 1
        backlog.append(record)
        if failure is not None:
            self._warn_rate_limited(failure)

    def _warn_rate_limited(self, failure: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_warning < _WARNING_INTERVAL:
            return
        self._last_warning = now
        reason = f"{type(failure).__name__}: {failure}"[:300]
        self._write_warning(
            f"could not deliver a log record through {type(self.handler).__name__} "
            f"after {self.max_retries + 1} attempts ({reason}); "
            f"{len(self._backlog)} records kept to re-send, {self.dropped} dropped "
            f"(shown at most once a minute)"
        )

    @staticmethod
    def _write_warning(text: str) -> None:
        try:
            sys.stderr.write(f"fleece.log.RetryHandler: {text}\n")
            sys.stderr.flush()
        except Exception:  # noqa: S110 - nowhere left to report to
            pass
