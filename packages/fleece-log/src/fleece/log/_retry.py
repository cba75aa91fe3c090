"""RetryHandler: retries, a circuit breaker and a bounded backlog around a handler."""

from __future__ import annotations

import collections
import logging
import sys
import threading
import time

from fleece.log._failures import (
    capturing_failures,
    unwatch_warnings,
    watch_handle_error,
    watch_warnings,
)
from fleece.log._format import frozen_copy

_REPORT_INTERVAL = 60.0
_REPORT_KEYS = 64
_MIN_BUDGET = 0.1

# A kept record and its size: the length of its line as the wrapped handler formats it.
_Kept = tuple[logging.LogRecord, int]


def _non_negative(name: str, value: float, kind: type = float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float if kind is float else int)
        or value < 0
    ):
        expected = "a number" if kind is float else "an integer"
        raise ValueError(f"{name} must be {expected} >= 0, not {value!r}")


def _reason(failure: BaseException) -> str:
    return f"{type(failure).__name__}: {failure}"[:300]


class RetryHandler(logging.Handler):
    """A handler that wraps an unreliable one: retries, then a circuit breaker.

    A record fails when the wrapped handler raises, reports an error through
    ``handleError`` (as stdlib handlers do) or warns of a failed delivery while
    emitting (as watchtower 3 does with ``WatchtowerWarning``). It is retried up to
    ``max_retries`` times, sleeping ``random() * min(backoff_cap, backoff_base * 2**n)``
    before the n-th retry (from 0: full jitter).

    With ``ignore_errors`` (the default), once ``max_retries + 1`` attempts in a row
    fail the handler opens: later calls only add their record to a backlog and return
    (microseconds), and the wrapped handler is tried again with the oldest record at
    most once every ``probe_interval`` seconds. When it answers, the backlog is sent
    in order before newer records (and on ``flush()``/``close()``). The backlog keeps at
    most ``backlog`` records and ``backlog_bytes`` bytes of formatted lines, dropping
    the oldest (counted in ``dropped``). A record the wrapped handler refuses while it
    accepts the one behind it is dropped (counted in ``rejected``) instead of holding
    up the rest; a record whose ``msg % args`` fails is sent as its best-effort text.
    Each of these is reported once on stderr (at most once a minute per reason).

    Only one thread talks to the wrapped handler at a time; the others leave their
    record to it and return, so no call waits for another thread's retries. A call
    starts no retry and no sleep once ``blocking_budget`` seconds have passed, so it
    blocks at most that long plus one attempt of the wrapped handler.

    With ``ignore_errors`` false each call retries its own record and raises the
    first failure when every retry fails (nothing is kept).

    The wrapper's own level and filters apply; ``setFormatter``, ``flush`` and
    ``close`` reach the wrapped handler.

    Args:
        handler: The handler to wrap.
        max_retries: Retries after the first attempt.
        backoff_base: Sleep bound (seconds) before the first retry; doubles each retry.
        backoff_cap: Largest sleep bound (seconds).
        ignore_errors: Keep going (and keep the record) when every retry fails.
        backlog: How many failed records to keep for re-sending.
        backlog_bytes: How many bytes of formatted lines to keep for re-sending.
        probe_interval: Seconds between attempts while the wrapped handler is down.

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
        backlog_bytes: int = 10 * 2**20,
        probe_interval: float = 5.0,
    ) -> None:
        if not isinstance(handler, logging.Handler):
            raise TypeError(
                f"handler must be a logging.Handler, not {type(handler).__name__}"
            )
        _non_negative("max_retries", max_retries, int)
        _non_negative("backoff_base", backoff_base)
        _non_negative("backoff_cap", backoff_cap)
        _non_negative("backlog", backlog, int)
        _non_negative("backlog_bytes", backlog_bytes, int)
        _non_negative("probe_interval", probe_interval)
        super().__init__()
        self.handler = handler
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.ignore_errors = ignore_errors
        self.backlog = backlog
        self.backlog_bytes = backlog_bytes
        self.probe_interval = probe_interval
        self.dropped = 0
        self.rejected = 0
        # Records waiting, oldest first, and the ones the sending thread holds.
        self._queue: collections.deque[_Kept] = collections.deque()
        self._holding: list[_Kept] = []
        self._queued_bytes = 0
        self._queue_lock = threading.Lock()
        # Held by the one thread talking to the wrapped handler; never waited for
        # by a logging call.
        self._send_lock = threading.Lock()
        self._failures = 0
        self._open = False
        self._next_probe = 0.0
        self._check_refused = False
        self._reported: dict[str, float] = {}
        self._emitting = threading.local()
        watch_handle_error(handler)
        watch_warnings()
        self._watching = True

    def __repr__(self) -> str:
        state = "open" if self._open else "closed"
        return f"<RetryHandler {self.handler!r} ({state}, {self.pending} in backlog)>"

    @property
    def pending(self) -> int:
        """How many records are waiting in the backlog to be re-sent."""
        return len(self._queue) + len(self._holding)

    @property
    def blocking_budget(self) -> float:
        """Seconds after which a logging call starts no new attempt and no sleep.

        The sum of the backoff bounds of one retry cycle,
        ``sum(min(backoff_cap, backoff_base * 2**n) for n < max_retries)``: 2.5 s with
        the defaults; at least 0.1 s, so that a call still sends a few waiting
        records when there are no retries. A call blocks at most this plus one
        attempt of the wrapped handler.
        """
        return max(
            _MIN_BUDGET,
            sum(
                min(self.backoff_cap, self.backoff_base * (1 << n))
                for n in range(self.max_retries)
            ),
        )

    def handle(self, record: logging.LogRecord) -> bool:
        """Filter the record and emit it, without the handler-wide lock.

        ``logging.Handler.handle`` would hold this handler's lock through the retries,
        making every other thread wait; ``emit`` does its own locking.
        """
        passed: object = self.filter(record)
        if not passed:
            return False
        # From Python 3.12 a filter may return the record to use instead.
        self.emit(passed if isinstance(passed, logging.LogRecord) else record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Send the record through the wrapped handler, after any backlog.

        Args:
            record: The record to send.

        Raises:
            Exception: The first failure, when every retry fails and
                ``ignore_errors`` is false.
        """
        # A record logged by the wrapped handler itself while it sends (botocore's
        # own logging, say) would feed itself: it is left to the other handlers.
        if getattr(self._emitting, "active", False):
            return
        if not self.ignore_errors:
            self._send_or_raise(record)
            return
        start = time.monotonic()
        if self._send_lock.acquire(blocking=False):
            try:
                if self._queue or self._open:
                    self._push(record)
                    self._send(start + self.blocking_budget)
                else:
                    failure = self._attempt(record)
                    if failure is not None:
                        self._send_after_failure(record, failure, start)
            finally:
                self._send_lock.release()
        else:
            self._push(record)
        if self._queue:
            self._trim()
            self._send_left_over(start + self.blocking_budget)

    def setFormatter(self, fmt: logging.Formatter | None) -> None:  # noqa: N802 - stdlib name
        """Set the formatter of this handler and of the wrapped one."""
        super().setFormatter(fmt)
        self.handler.setFormatter(fmt)

    def flush(self) -> None:
        """Re-send the backlog (trying the wrapped handler now), then flush it."""
        if self.ignore_errors:
            with self._send_lock:
                self._send(None)
        self.handler.flush()

    def close(self) -> None:
        """Re-send the backlog, then close the wrapped handler and this one."""
        if self.ignore_errors:
            with self._send_lock:
                self._send(None)
                with self._queue_lock:
                    lost = len(self._queue)
                    self._queue.clear()
                    self._queued_bytes = 0
            if lost:
                self._write_report(
                    f"{lost} log records could not be delivered "
                    f"through {type(self.handler).__name__} and are lost"
                )
        self.handler.close()
        if self._watching:
            self._watching = False
            unwatch_warnings()
        super().close()

    # Sending ----------------------------------------------------------------------

    def _send_after_failure(
        self, record: logging.LogRecord, failure: BaseException, start: float
    ) -> None:
        """Retry a record whose first attempt failed, ahead of any queued meanwhile."""
        deadline = start + self.blocking_budget
        # Counted on from earlier calls when backlog=0 left nothing queued meanwhile.
        self._failures += 1
        self._push(record, failure)
        if self._failures <= self.max_retries or not self._give_up(failure, deadline):
            self._send(deadline, started=True)

    def _send(self, deadline: float | None, started: bool = False) -> None:
        """Send the backlog in order; the caller holds the send lock.

        Stops when the backlog is empty, when the wrapped handler is down and not due
        for a probe, or when the next sleep or attempt would pass the deadline (None:
        flush and close, which try now and have none). The first pause and attempt of
        a call (``started`` false) always go ahead: a pause is never longer than the
        budget.
        """
        first = not started
        while self._queue:
            now = time.monotonic()
            if deadline is not None and not first and now >= deadline:
                return
            if self._open:
                if deadline is not None and not self._probe_due(now):
                    return
                self._next_probe = now + self.probe_interval
                self._check_refused = False
            elif self._failures:
                pause = self._pause(self._failures - 1)
                if deadline is not None and not first and now + pause > deadline:
                    return
                time.sleep(pause)
            first = False
            head = self._hold()
            failure = self._attempt(head[0])
            if failure is None:
                self._release(head, delivered=True)
                self._open, self._failures = False, 0
                continue
            self._release(head, delivered=False)
            self._failures += 1
            if not self._open and self._failures <= self.max_retries:
                continue
            if self._give_up(failure, deadline):
                return

    def _give_up(self, failure: BaseException, deadline: float | None) -> bool:
        """After the last retry or a failed probe: drop a refused record, or open.

        Returns:
            Whether to stop sending (the wrapped handler is down).
        """
        if self._reject_if_refused(failure, deadline):
            return False
        self._trip(failure)
        return True

    def _reject_if_refused(
        self, failure: BaseException, deadline: float | None
    ) -> bool:
        """Tell a record the wrapped handler refuses from one that is down.

        The record behind the failing one is tried once: if it goes through, the
        failing record gets one more attempt (time allowing) and, failing again, is
        dropped.

        Returns:
            Whether the failing record was dealt with (sent or dropped).
        """
        if len(self._queue) < 2 or (
            deadline is not None and time.monotonic() > deadline
        ):
            return False
        head = self._hold()
        behind = self._hold()
        if self._attempt(behind[0]) is not None:
            self._release(behind, delivered=False)
            self._release(head, delivered=False)
            return False
        self._release(behind, delivered=True)
        # Past the deadline the record is dropped untried: it already failed every
        # retry, and the wrapped handler has just taken the next one.
        in_time = deadline is None or time.monotonic() < deadline
        again = self._attempt(head[0]) if in_time else failure
        self._release(head, delivered=True)
        if again is not None:
            self.rejected += 1
            self._report(
                "rejected",
                f"dropped a log record that {type(self.handler).__name__} refused "
                f"while it accepted the next one ({_reason(again)}); "
                f"{self.rejected} dropped so far (RetryHandler.rejected)",
            )
        self._open, self._failures = False, 0
        return True

    def _trip(self, failure: BaseException) -> None:
        attempts = "a new attempt" if self._open else f"{self.max_retries + 1} attempts"
        if not self._open:
            self._open = True
            # Alone in the backlog, the record may be one the wrapped handler refuses:
            # the next call tries at once, with its own record behind it to tell.
            self._check_refused = len(self._queue) < 2
        self._next_probe = time.monotonic() + self.probe_interval
        self._report(
            _reason(failure),
            f"could not deliver log records through {type(self.handler).__name__} "
            f"after {attempts} ({_reason(failure)}); keeping up to {self.backlog} "
            f"records ({self.backlog_bytes} bytes) to send in order once it answers, "
            f"trying at most every {self.probe_interval:g} s; logging calls do not "
            f"wait meanwhile",
        )

    def _probe_due(self, now: float) -> bool:
        return now >= self._next_probe or (
            self._check_refused and len(self._queue) >= 2
        )

    def _send_left_over(self, deadline: float) -> None:
        """Send records other threads queued while this one held the send lock."""
        while self._queue and (not self._open or self._probe_due(time.monotonic())):
            if time.monotonic() >= deadline or not self._send_lock.acquire(
                blocking=False
            ):
                return
            try:
                self._send(deadline)
            finally:
                self._send_lock.release()

    def _send_or_raise(self, record: logging.LogRecord) -> None:
        first = self._attempt(record)
        if first is None:
            return
        for retry in range(self.max_retries):
            time.sleep(self._pause(retry))
            if self._attempt(record) is None:
                return
        raise first

    def _pause(self, retry: int) -> float:
        import random  # only a failing sink needs it, not every import

        bound = min(self.backoff_cap, self.backoff_base * (1 << retry))
        return random.random() * bound  # noqa: S311 - jitter, not crypto

    def _attempt(self, record: logging.LogRecord) -> BaseException | None:
        handler = self.handler
        if record.levelno < handler.level:
            return None
        self._emitting.active = True
        try:
            with capturing_failures() as failures:
                try:
                    handler.handle(record)
                except Exception as error:  # any failure is retried
                    return error
            return failures[0] if failures else None
        finally:
            self._emitting.active = False

    # The backlog ------------------------------------------------------------------

    def _push(
        self, record: logging.LogRecord, failure: BaseException | None = None
    ) -> None:
        """Keep a record: at the back, or at the front when it has just failed.

        A record that failed first goes ahead of those other threads queued while it
        was being sent, which are newer.
        """
        kept, broken = frozen_copy(record)
        if broken is not None:
            self._report(
                "unformattable",
                f"a log record's message could not be formatted ({_reason(broken)}); "
                f"it is sent as {kept.msg!r}"[:500],
            )
            if failure is not None:
                self._failures = 0  # the record's fault, not the wrapped handler's
        try:
            size = len(self.handler.format(kept))
        except Exception:  # the wrapped handler's attempts will report it
            size = len(str(kept.msg))
        with self._queue_lock:
            if failure is None:
                self._queue.append((kept, size))
            else:
                self._queue.appendleft((kept, size))
            self._queued_bytes += size

    def _hold(self) -> _Kept:
        """Take the oldest record out of the backlog while it is being sent."""
        with self._queue_lock:
            kept = self._queue.popleft()
            self._holding.append(kept)
        return kept

    def _release(self, kept: _Kept, delivered: bool) -> None:
        """Forget a sent record, or put a failed one back at the front."""
        with self._queue_lock:
            self._holding.remove(kept)
            if delivered:
                self._queued_bytes -= kept[1]
            else:
                self._queue.appendleft(kept)

    def _trim(self) -> None:
        """Drop the oldest records while the backlog is over either bound."""
        with self._queue_lock:
            queue = self._queue
            before = self.dropped
            while queue and (
                len(queue) + len(self._holding) > self.backlog
                or self._queued_bytes > self.backlog_bytes
            ):
                self._queued_bytes -= queue.popleft()[1]
                self.dropped += 1
            dropped_now = self.dropped - before
        if dropped_now:
            self._report(
                "dropped",
                f"the backlog is full ({self.backlog} records, {self.backlog_bytes} "
                f"bytes): dropping the oldest records; {self.dropped} dropped so far "
                f"(RetryHandler.dropped)",
            )

    # Reporting --------------------------------------------------------------------

    def _report(self, reason: str, text: str) -> None:
        """Write a line to stderr, once a minute at most for the same reason."""
        key = "".join(c for c in reason if not c.isdigit())
        now = time.monotonic()
        last = self._reported.get(key)
        if last is not None and now - last < _REPORT_INTERVAL:
            return
        if len(self._reported) >= _REPORT_KEYS:
            self._reported.clear()
        self._reported[key] = now
        self._write_report(text)

    @staticmethod
    def _write_report(text: str) -> None:
        try:
            sys.stderr.write(f"fleece.log.RetryHandler: {text}\n")
            sys.stderr.flush()
        except Exception:  # noqa: S110 - nowhere left to report to
            pass
