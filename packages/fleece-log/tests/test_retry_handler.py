"""RetryHandler around handlers that fail in each of the ways handlers fail."""

from __future__ import annotations

import gc
import json
import logging
import logging.handlers
import pickle
import socket
import subprocess
import sys
import warnings

import pytest

from fleece import log

MODES = ["raise", "handle_error", "warn"]


@pytest.mark.parametrize("mode", MODES)
def test_a_failing_record_is_retried_until_it_goes_through(
    no_sleep, mode, capsys, flaky_handler, make_record, watchtower_warning
):
    """Raising, handleError and a watchtower_warning all count as failures."""
    sink = flaky_handler(failures=2, mode=mode)
    handler = log.RetryHandler(sink)

    handler.handle(make_record("hello"))

    assert (sink.delivered, sink.attempts, handler.pending) == (["hello"], 3, 0)
    assert capsys.readouterr() == ("", "")


def test_retries_sleep_with_full_jitter_exponential_backoff(
    no_sleep, flaky_handler, make_record
):
    """Before retry n it sleeps random() * min(cap, base * 2**n)."""
    sink = flaky_handler(mode="raise")
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=5, backoff_base=0.1, backoff_cap=1)

    handler.handle(make_record("lost"))

    assert pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0]) == no_sleep
    assert sink.attempts == 6


def test_the_jitter_scales_each_sleep_by_random(
    no_sleep, monkeypatch, flaky_handler, make_record
):
    """The sleep is a random fraction of the bound (full jitter)."""
    import random

    monkeypatch.setattr(random, "random", lambda: 0.25)
    sink = flaky_handler(failures=2)
    handler = log.RetryHandler(sink, backoff_base=0.4, backoff_cap=10)

    handler.handle(make_record("x"))

    assert pytest.approx([0.1, 0.2]) == no_sleep


@pytest.mark.parametrize("mode", MODES)
def test_giving_up_is_silent_but_for_one_stderr_warning_a_minute(
    no_sleep, mode, capsys, flaky_handler, make_record
):
    """With ignore_errors nothing is raised; stderr gets one short warning."""
    sink = flaky_handler(mode=mode)
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=2)

    handler.handle(make_record("first"))
    handler.handle(make_record("second"))

    err = capsys.readouterr().err
    assert err.count("fleece.log.RetryHandler:") == 1
    assert "FlakyHandler after 3 attempts" in err
    assert "Traceback" not in err
    assert handler.pending == 2


@pytest.mark.parametrize("mode", MODES)
def test_without_ignore_errors_the_first_exception_is_raised(
    no_sleep, mode, flaky_handler, make_record, watchtower_warning
):
    """ignore_errors=False raises the first failure once the retries are spent."""
    sink = flaky_handler(mode=mode)
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=3, ignore_errors=False)

    expected = watchtower_warning if mode == "warn" else ConnectionError
    with pytest.raises(expected, match=r"attempt 1\)"):
        handler.handle(make_record("fails"))
    assert (sink.attempts, handler.pending) == (4, 0)


def test_a_logger_call_raises_without_ignore_errors(
    no_sleep, logger_name, flaky_handler
):
    """The exception reaches the code that logged, as in 1.x."""
    sink = flaky_handler()
    sink.down = True
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)
    logger.propagate = False
    logger.addHandler(log.RetryHandler(sink, max_retries=1, ignore_errors=False))

    with pytest.raises(ConnectionError):
        logger.info("boom")


def test_records_kept_during_an_outage_are_resent_in_order(
    no_sleep, capsys, flaky_handler, make_record
):
    """After the sink recovers the backlog goes first, oldest first."""
    sink = flaky_handler()
    handler = log.RetryHandler(sink, max_retries=1, probe_interval=0)

    handler.handle(make_record("r1"))
    sink.down = True
    for message in ("r2", "r3", "r4"):
        handler.handle(make_record(message))
    sink.down = False
    handler.handle(make_record("r5"))

    assert sink.delivered == ["r1", "r2", "r3", "r4", "r5"]
    assert (handler.pending, handler.dropped) == (0, 0)


def test_a_full_backlog_drops_the_oldest_and_counts_them(
    no_sleep, capsys, flaky_handler, make_record
):
    """backlog bounds the kept records; `dropped` counts what was lost."""
    sink = flaky_handler()
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=0, backlog=2, probe_interval=0)

    for message in ("r1", "r2", "r3", "r4"):
        handler.handle(make_record(message))
    sink.down = False
    handler.handle(make_record("r5"))

    assert sink.delivered == ["r3", "r4", "r5"]
    assert handler.dropped == 2


def test_with_no_backlog_the_handler_still_gives_up_and_stops_trying(
    no_sleep, capsys, flaky_handler, make_record
):
    """backlog=0 keeps nothing; failures still add up to opening the handler."""
    sink = flaky_handler()
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=2, backlog=0, probe_interval=60)

    for _ in range(6):
        handler.handle(make_record("lost"))
    attempts = sink.attempts
    for _ in range(6):
        handler.handle(make_record("lost"))

    assert attempts <= 3 + 1
    assert (sink.attempts, handler.pending, handler.dropped) == (attempts, 0, 12)


def test_flush_and_close_resend_the_backlog_and_reach_the_wrapped_handler(
    no_sleep, capsys, flaky_handler, make_record
):
    """flush() re-sends kept records then flushes the sink; close() closes it."""
    sink = flaky_handler()
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=0)
    handler.handle(make_record("kept"))
    sink.down = False

    handler.flush()
    flushed_after = list(sink.delivered)
    handler.close()

    assert (flushed_after, sink.flushed, sink.closed) == (["kept"], 1, True)


def test_close_reports_records_it_could_not_deliver(
    no_sleep, capsys, flaky_handler, make_record
):
    """Records still undeliverable at close() are reported on stderr."""
    sink = flaky_handler()
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=0)
    handler.handle(make_record("lost"))
    capsys.readouterr()

    handler.close()

    assert "1 log records could not be delivered" in capsys.readouterr().err


def test_the_wrappers_level_and_filters_apply(no_sleep, flaky_handler):
    """Records below the RetryHandler's level or refused by its filters are skipped."""
    sink = flaky_handler()
    handler = log.RetryHandler(sink)
    handler.setLevel(logging.WARNING)
    handler.addFilter(lambda record: "secret" not in record.getMessage())
    logger = logging.getLogger("tests.retry.filters")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)

    logger.info("too low")
    logger.warning("a secret")
    logger.warning("kept")

    assert sink.delivered == ["kept"]


def test_set_formatter_reaches_the_wrapped_handler(flaky_handler):
    """setFormatter is forwarded, so the sink formats as asked."""
    sink = flaky_handler()
    handler = log.RetryHandler(sink)
    formatter = log.JsonFormatter()

    handler.setFormatter(formatter)

    assert sink.formatter is formatter


def test_warnings_from_other_threads_are_neither_swallowed_nor_counted(
    no_sleep, make_record, watchtower_warning, gated_handler
):
    """Another thread's watchtower_warning during an emit reaches its own filters."""
    sink = gated_handler
    handler = log.RetryHandler(sink)

    with (
        sink.holding(handler, make_record("slow")),
        pytest.warns(watchtower_warning, match="from the main thread"),
    ):
        warnings.warn("from the main thread", watchtower_warning, stacklevel=1)

    assert (sink.delivered, no_sleep, handler.pending) == (["slow"], [], 0)


def test_other_warnings_in_the_wrapped_handler_pass_through(no_sleep, make_record):
    """A warning that is not a delivery failure is not swallowed or retried."""

    class DeprecatedSink(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.warn("old option", DeprecationWarning, stacklevel=1)

    handler = log.RetryHandler(DeprecatedSink())

    with pytest.warns(DeprecationWarning, match="old option"):
        handler.handle(make_record("x"))
    assert no_sleep == []


def test_the_wrapped_handlers_handle_error_works_as_usual_outside(
    capsys, flaky_handler, make_record
):
    """Used on its own, the sink's handleError still reports as stdlib does."""
    sink = flaky_handler(failures=1, mode="handle_error")
    log.RetryHandler(sink)

    sink.handle(make_record("direct"))

    assert "--- Logging error ---" in capsys.readouterr().err


# The stdlib HTTPHandler leaves a reset connection's socket to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_stdlib_http_handler_is_retried_when_the_connection_is_reset(
    no_sleep, http_server, make_record
):
    """A real HTTPHandler, whose failures go through handleError, is retried."""
    http_server.enqueue(reset=True, times=2)
    host = http_server.url.removeprefix("http://")
    sink = logging.handlers.HTTPHandler(host, "/logs", method="POST")
    handler = log.RetryHandler(sink)

    handler.handle(make_record("over http"))

    delivered = [r for r in http_server.requests if b"over+http" in r.body]
    assert delivered
    assert (len(no_sleep), handler.pending) == (2, 0)
    sink.close()
    gc.collect()


# The stdlib HTTPHandler leaves a reset connection's socket to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_call_blocks_at_most_the_budget_plus_one_attempt_of_a_slow_failing_sink(
    http_server, make_record, timed
):
    """Each attempt stalls 0.5 s then fails: no call takes a whole retry cycle.

    Before, the first call alone took 6 attempts (3 s) plus its sleeps; once the
    handler gives up, later calls send nothing at all.
    """
    http_server.set_default(stall=0.5, reset=True)
    host = http_server.url.removeprefix("http://")
    sink = logging.handlers.HTTPHandler(host, "/logs", method="POST")
    handler = log.RetryHandler(sink, backoff_base=0.05, backoff_cap=0.1)

    # Every call makes one attempt at least: 6 calls spend the retry cycle.
    durations = [timed(handler.handle, make_record("slow")) for _ in range(8)]
    attempts = len(http_server.requests)
    for _ in range(20):
        handler.handle(make_record("queued"))

    assert max(durations) < handler.blocking_budget + 0.5 + 1.0
    assert attempts <= 6 + 2  # one retry cycle, then one probe at most
    assert len(http_server.requests) == attempts
    assert handler.pending == 28
    sink.close()
    gc.collect()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"max_retries": -1}, "max_retries must be an integer >= 0"),
        ({"max_retries": 1.5}, "max_retries must be an integer >= 0"),
        ({"backoff_base": "fast"}, "backoff_base must be a number >= 0"),
        ({"backoff_cap": -2}, "backoff_cap must be a number >= 0"),
        ({"backlog": None}, "backlog must be an integer >= 0"),
        ({"backlog_bytes": 1.5}, "backlog_bytes must be an integer >= 0"),
        ({"probe_interval": -1}, "probe_interval must be a number >= 0"),
    ],
)
def test_bad_arguments_are_refused_with_their_name(arguments, message, flaky_handler):
    """Each bad number raises ValueError naming the argument."""
    with pytest.raises(ValueError, match=message):
        log.RetryHandler(flaky_handler(), **arguments)


def test_the_wrapped_handler_must_be_a_handler():
    """Passing something else raises TypeError."""
    with pytest.raises(TypeError, match=r"handler must be a logging\.Handler"):
        log.RetryHandler("stdout")  # type: ignore[arg-type]  # deliberately wrong


def test_a_record_too_large_for_the_sink_is_dropped_and_the_rest_go_through(
    no_sleep, capsys, make_record
):
    """A datagram over UDP's limit fails every time; the 10 records behind it arrive.

    A real DatagramHandler sends to a real UDP socket: the oversized record fails
    with "Message too long" however often it is retried.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(5)
        sink = logging.handlers.DatagramHandler(*receiver.getsockname())
        handler = log.RetryHandler(sink)

        handler.handle(make_record("x" * 70_000))
        for n in range(10):
            handler.handle(make_record(f"good {n}"))
        received = [
            pickle.loads(receiver.recv(65_536)[4:])["msg"]  # noqa: S301 - our own
            for _ in range(10)
        ]
        sink.close()

    assert received == [f"good {n}" for n in range(10)]
    assert (handler.pending, handler.rejected, handler.dropped) == (0, 1, 0)
    err = capsys.readouterr().err
    assert err.count("dropped a log record that DatagramHandler refused") == 1
    assert "Message too long" in err


def test_a_kept_record_keeps_the_context_of_the_moment_it_was_logged(
    no_sleep, capsys, flaky_handler, logger_name
):
    """A stdlib record kept during an outage is sent later with its own context."""
    sink = flaky_handler()
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=0, probe_interval=0)
    handler.setFormatter(log.JsonFormatter())
    stdlib_logger = logging.getLogger(logger_name)
    stdlib_logger.propagate = False
    stdlib_logger.setLevel(logging.INFO)
    stdlib_logger.addHandler(handler)

    log.bind_context(invocation="first")
    stdlib_logger.info("kept %s", "for later", extra={"n": 1})
    log.bind_context(invocation="second")
    sink.down = False
    stdlib_logger.info("sent at once")
    stdlib_logger.removeHandler(handler)

    lines = [json.loads(line) for line in sink.lines]
    assert [(x["event"], x["invocation"]) for x in lines] == [
        ("kept for later", "first"),
        ("sent at once", "second"),
    ]
    assert lines[0]["n"] == 1


def test_only_one_thread_talks_to_the_wrapped_handler_and_none_waits_for_it(
    no_sleep, make_record, gated_handler
):
    """While one thread is inside the wrapped handler, another's call returns."""
    sink = gated_handler
    handler = log.RetryHandler(sink)

    with sink.holding(handler, make_record("first")):
        handler.handle(make_record("second"))
        waiting = handler.pending

    assert waiting == 1
    assert (sink.delivered, handler.pending) == (["first", "second"], 0)


def test_the_blocking_budget_is_the_sum_of_the_backoff_bounds():
    """2.5 s with the defaults: 0.1 + 0.2 + 0.4 + 0.8 + 1."""
    handler = log.RetryHandler(logging.NullHandler())

    assert pytest.approx(2.5) == handler.blocking_budget


@pytest.mark.parametrize("mode", ["raise", "handle_error", "warn"])
def test_with_ignore_errors_false_calls_still_raise_and_keep_nothing(
    no_sleep, mode, flaky_handler, make_record, watchtower_warning
):
    """Without ignore_errors there is no backlog: each failing call raises."""
    sink = flaky_handler(mode=mode)
    sink.down = True
    handler = log.RetryHandler(sink, max_retries=1, ignore_errors=False)

    for _ in range(2):
        with pytest.raises((ConnectionError, watchtower_warning)):
            handler.handle(make_record("fails"))
    assert (sink.attempts, handler.pending) == (4, 0)


def test_closing_the_last_retry_handler_puts_warnings_warn_back():
    """warnings.warn is hooked while a RetryHandler is open, restored after the last.

    Run in a fresh interpreter, where no other test's handler is still open.
    """
    code = """if True:
        import logging, warnings
        from fleece import log
        original = warnings.warn
        first = log.RetryHandler(logging.NullHandler())
        second = log.RetryHandler(logging.NullHandler())
        hooked = warnings.warn is not original
        first.close()
        hooked_after_one = warnings.warn is not original
        second.close()
        second.close()
        print(hooked, hooked_after_one, warnings.warn is original)
    """

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert (result.stdout, result.stderr) == ("True True True\n", "")
