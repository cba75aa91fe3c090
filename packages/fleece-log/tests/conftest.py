"""Fixtures for fleece-log's tests: a clean root logger and context per test."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fleece.log import clear_context

_names = itertools.count()


class Lines(io.StringIO):
    """A text stream whose written lines can be read back as parsed JSON."""

    def parsed(self) -> list[dict[str, Any]]:
        """Every line written so far, each parsed with json.loads."""
        return [json.loads(line) for line in self.getvalue().splitlines()]

    def last(self) -> dict[str, Any]:
        """The last line written, parsed."""
        return self.parsed()[-1]


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    """Restore the root logger and empty the fleece context around each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    clear_context()
    yield
    clear_context()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def stream() -> Lines:
    """A stream to point fleece's JSON handler at."""
    return Lines()


@pytest.fixture
def logger_name() -> str:
    """A logger name no other test uses, so levels and handlers do not carry over."""
    return f"tests.fleece_log.{next(_names)}"


class WatchtowerWarning(UserWarning):
    """Stands for watchtower's warning class, which RetryHandler matches by name."""


class FlakyHandler(logging.Handler):
    """A handler that fails while `down` (or for its first `failures` records).

    Args:
        failures: How many emit calls fail before it works.
        mode: How it fails: "raise" (emit raises), "handle_error" (emit catches and
            calls handleError, as stdlib handlers do) or "warn" (emit issues a
            WatchtowerWarning, as watchtower 3 does for a failed delivery).
    """

    def __init__(self, failures: int = 0, mode: str = "raise") -> None:
        super().__init__()
        self.failures = failures
        self.mode = mode
        self.down = False
        self.attempts = 0
        self.delivered: list[str] = []
        self.lines: list[str] = []
        self.flushed = 0
        self.closed = False

    def emit(self, record: logging.LogRecord) -> None:
        self.attempts += 1
        if self.down or self.failures > 0:
            self.failures -= 1
            self._fail(record)
            return
        self.delivered.append(record.getMessage())
        self.lines.append(self.format(record))

    def _fail(self, record: logging.LogRecord) -> None:
        error = ConnectionError(f"sink unavailable (attempt {self.attempts})")
        if self.mode == "raise":
            raise error
        if self.mode == "handle_error":
            try:
                raise error
            except ConnectionError:
                self.handleError(record)
            return
        import warnings

        warnings.warn(
            f"Failed to deliver logs: {error}", WatchtowerWarning, stacklevel=1
        )

    def flush(self) -> None:
        self.flushed += 1

    def close(self) -> None:
        self.closed = True
        super().close()


class GatedHandler(logging.Handler):
    """A handler whose emit signals `entered` and waits for `proceed` (10 s at most)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.proceed = threading.Event()
        self.delivered: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entered.set()
        self.proceed.wait(timeout=10)
        self.delivered.append(record.getMessage())

    @contextlib.contextmanager
    def holding(
        self, handler: logging.Handler, record: logging.LogRecord
    ) -> Iterator[None]:
        """Within the block, another thread is inside this sink, sending record."""
        worker = threading.Thread(target=handler.handle, args=(record,))
        worker.start()
        self.entered.wait(timeout=10)
        try:
            yield
        finally:
            self.proceed.set()
            worker.join()


@pytest.fixture
def gated_handler() -> GatedHandler:
    """A GatedHandler: a sink that holds the sending thread until released."""
    return GatedHandler()


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the backoff sleeps instead of sleeping; random() returns 1.0."""
    import random
    import time

    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    monkeypatch.setattr(random, "random", lambda: 1.0)
    return sleeps


def _record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("tests.retry", level, __file__, 1, message, (), None)


@pytest.fixture
def make_record() -> Callable[..., logging.LogRecord]:
    """Make a stdlib record as a logger would: make_record(message, level=INFO)."""
    return _record


@pytest.fixture
def flaky_handler() -> type[FlakyHandler]:
    """The FlakyHandler class: FlakyHandler(failures=0, mode="raise")."""
    return FlakyHandler


@pytest.fixture
def watchtower_warning() -> type[WatchtowerWarning]:
    """A warning class named as watchtower's."""
    return WatchtowerWarning


class CloudWatch:
    """A CloudWatch Logs client at the moto server, and RetryHandlers around it.

    The client fails fast while the server is down (one attempt, short timeouts), as
    the README advises; ``api_calls`` counts the PutLogEvents requests it sends.
    """

    def __init__(self, server: Any) -> None:
        import boto3
        from botocore.config import Config

        self.server = server
        self.client = boto3.client(
            "logs",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(
                retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10
            ),
        )
        self.api_calls = 0
        self.client.meta.events.register("before-send.logs.PutLogEvents", self._count)

    def _count(self, **kwargs: Any) -> None:
        self.api_calls += 1

    def handler(self, group: str, stream: str = "s", **options: Any) -> Any:
        """A RetryHandler(watchtower.CloudWatchLogHandler(...)) writing to group."""
        import watchtower

        from fleece import log

        sink = watchtower.CloudWatchLogHandler(
            log_group_name=group,
            log_stream_name=stream,
            use_queues=False,
            boto3_client=self.client,
        )
        return log.RetryHandler(sink, **options)

    def messages(self, group: str, stream: str = "s") -> list[str]:
        """The messages of a log stream, oldest first."""
        response = self.client.get_log_events(
            logGroupName=group, logStreamName=stream, startFromHead=True
        )
        return [event["message"] for event in response["events"]]


@pytest.fixture
def cloudwatch(moto_env: Any) -> Iterator[CloudWatch]:
    """CloudWatch Logs on the moto server; the server runs again after the test."""
    yield CloudWatch(moto_env)
    moto_env.start()


def _timed(call: Callable[..., object], *args: object, **kwargs: object) -> float:
    import time

    start = time.monotonic()
    call(*args, **kwargs)
    return time.monotonic() - start


@pytest.fixture
def timed() -> Callable[..., float]:
    """timed(call, *args, **kwargs): run the call and return the seconds it took."""
    return _timed
