"""RetryHandler around watchtower's CloudWatch handler, on a moto server that stops.

The client fails fast while the server is down (one attempt, short timeouts), as the
README advises; the bounds on time below are generous safety margins, each far below
what the same scenario cost before the circuit breaker (1.3 to 10 s a call).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from contextlib import contextmanager

import boto3
import pytest
import watchtower

from fleece import log
from fleece.testing import LambdaContext


@contextmanager
def attached(handler, logger_name):
    """A fleece logger writing only through handler, closed afterwards."""
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


def new_group(cloudwatch):
    """A fresh log group on the moto server."""
    group = f"group-{uuid.uuid4()}"
    cloudwatch.client.create_log_group(logGroupName=group)
    return group


def test_no_record_is_lost_when_cloudwatch_goes_away_and_comes_back(
    cloudwatch, logger_name, capsys
):
    """Stop the server mid-run, log, restart it, log again: all records arrive."""
    group = new_group(cloudwatch)
    handler = cloudwatch.handler(group, backoff_base=0.001, backoff_cap=0.01)

    with attached(handler, logger_name) as logger:
        logger.info("before the outage", n=1)
        assert [json.loads(m)["event"] for m in cloudwatch.messages(group)] == [
            "before the outage"
        ]

        cloudwatch.server.stop()
        logger.info("during the outage", n=2)
        logger.info("still down", n=3)
        kept = handler.pending

        cloudwatch.server.start()
        # A restarted moto starts empty; the real service keeps its log groups.
        cloudwatch.client.create_log_group(logGroupName=group)
        logger.info("after the outage", n=4)
        handler.flush()

    lines = [json.loads(message) for message in cloudwatch.messages(group)]
    assert kept == 2
    assert [(line["event"], line["n"]) for line in lines] == [
        ("during the outage", 2),
        ("still down", 3),
        ("after the outage", 4),
    ]
    assert (handler.pending, handler.dropped) == (0, 0)
    assert "Traceback" not in capsys.readouterr().err


def test_the_1x_readme_example_sends_the_json_line_to_cloudwatch(moto_env, logger_name):
    """RetryHandler(watchtower.CloudWatchLogHandler(...)) as in 1.x sends JSON lines.

    No formatter is set: watchtower's own default formatter writes the record's
    message, which for a fleece logger is its JSON line with every field.
    """
    stream_name = str(uuid.uuid4())
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)
    logger.propagate = False

    # watchtower 3 still takes the 1.x argument names, with its own deprecation.
    with pytest.warns(DeprecationWarning, match="Please use"):
        logger.addHandler(
            log.RetryHandler(
                watchtower.CloudWatchLogHandler(
                    log_group="WORKER-POLL", stream_name=stream_name, use_queues=False
                )
            )
        )

    @log.inject_lambda_context
    def handler(event, context):
        logger.bind(worker="w-1").info("polled", jobs=3)

    try:
        handler({"requestContext": {"requestId": "api-7"}}, LambdaContext())
    finally:
        for handler_on_logger in list(logger.handlers):
            logger.removeHandler(handler_on_logger)
            handler_on_logger.close()

    response = boto3.client("logs").get_log_events(
        logGroupName="WORKER-POLL", logStreamName=stream_name
    )
    [line] = [json.loads(event["message"]) for event in response["events"]]
    assert {
        "event": "polled",
        "jobs": 3,
        "worker": "w-1",
        "api_request_id": "api-7",
        "level": "info",
        "logger": logger_name,
    }.items() <= line.items()
    assert line["lambda_request_id"]


def test_a_delivery_failure_warning_from_watchtower_is_retried(cloudwatch, logger_name):
    """A put_log_events failure reported only as a WatchtowerWarning is retried."""
    group = new_group(cloudwatch)
    sink = watchtower.CloudWatchLogHandler(
        log_group_name=group,
        log_stream_name="s",
        use_queues=False,
        boto3_client=cloudwatch.client,
        create_log_stream=False,
    )
    handler = log.RetryHandler(sink, max_retries=2, backoff_base=0.001)
    record = logging.LogRecord(logger_name, logging.INFO, "", 0, "hello", (), None)

    handler.handle(record)
    kept = handler.pending
    cloudwatch.client.create_log_stream(logGroupName=group, logStreamName="s")
    handler.flush()

    assert (kept, handler.pending) == (1, 0)
    assert cloudwatch.messages(group) == ["hello"]


def test_a_record_whose_message_cannot_be_formatted_does_not_hold_up_the_rest(
    cloudwatch, logger_name, capsys, timed
):
    """A stdlib "items: %d" % "text" record is sent as text, once, and the rest follow.

    watchtower's emit raises on such a record; it used to be retried ahead of every
    record behind it, each call blocking about 1.3 s.
    """
    group = new_group(cloudwatch)
    handler = cloudwatch.handler(group)
    stdlib_logger = logging.getLogger(logger_name)
    stdlib_logger.propagate = False
    stdlib_logger.setLevel(logging.INFO)
    stdlib_logger.addHandler(handler)

    try:
        elapsed = timed(stdlib_logger.info, "items: %d", "not-a-number")
        for n in range(10):
            elapsed += timed(stdlib_logger.info, "good %d", n)
    finally:
        stdlib_logger.removeHandler(handler)
        handler.close()

    assert cloudwatch.messages(group) == [
        "'items: %d' % ('not-a-number',)",
        *(f"good {n}" for n in range(10)),
    ]
    err = capsys.readouterr().err
    assert err.count("fleece.log.RetryHandler:") == 1
    assert "could not be formatted (TypeError" in err
    assert (handler.pending, elapsed < 5) == (0, True)


def test_after_giving_up_calls_return_at_once_and_the_sink_is_probed_once_an_interval(
    cloudwatch, logger_name, capsys, timed
):
    """During an outage later calls only queue; recovery resends all, in order."""
    group = new_group(cloudwatch)
    handler = cloudwatch.handler(group, probe_interval=1.0)

    with attached(handler, logger_name) as logger:
        cloudwatch.server.stop()
        first_call = timed(logger.info, "n", n=0)
        calls_before = cloudwatch.api_calls
        loop_start = time.monotonic()
        for n in range(1, 101):
            logger.info("n", n=n)
        loop = time.monotonic() - loop_start
        probes_calls = cloudwatch.api_calls - calls_before
        pending = handler.pending

        cloudwatch.server.start()
        cloudwatch.client.create_log_group(logGroupName=group)
        time.sleep(handler.probe_interval)
        logger.info("n", n=101)
        handler.flush()

    assert first_call < handler.blocking_budget + 2
    assert loop < 3  # 100 calls; each used to re-run the whole retry cycle
    # watchtower sends PutLogEvents 5 times an attempt; a probe is 2 attempts at most.
    assert probes_calls <= 10 * (loop / handler.probe_interval + 1)
    assert pending == 101
    assert [json.loads(m)["n"] for m in cloudwatch.messages(group)] == list(range(102))
    assert capsys.readouterr().err.count("fleece.log.RetryHandler:") == 1


def test_no_call_waits_for_other_threads_retries(cloudwatch, logger_name, timed):
    """With 5 threads logging during an outage, each call stays within the bound."""
    group = new_group(cloudwatch)
    handler = cloudwatch.handler(group)
    durations: list[float] = []

    def work(thread: int, logger) -> None:
        for n in range(20):
            durations.append(timed(logger.info, "n", thread=thread, n=n))

    with attached(handler, logger_name) as logger:
        cloudwatch.server.stop()
        threads = [
            threading.Thread(target=work, args=(thread, logger)) for thread in range(5)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cloudwatch.server.start()
        cloudwatch.client.create_log_group(logGroupName=group)
        handler.flush()

    assert max(durations) < handler.blocking_budget + 2
    lines = [json.loads(message) for message in cloudwatch.messages(group)]
    for thread in range(5):
        assert [line["n"] for line in lines if line["thread"] == thread] == list(
            range(20)
        )


def test_the_backlog_is_bounded_by_bytes_dropping_the_oldest(
    cloudwatch, logger_name, capsys
):
    """Large records during an outage: the oldest go, counted and reported once."""
    group = new_group(cloudwatch)
    handler = cloudwatch.handler(
        group, backoff_base=0.001, backlog_bytes=200_000, probe_interval=60
    )
    payload = "x" * 20_000

    with attached(handler, logger_name) as logger:
        cloudwatch.server.stop()
        for n in range(50):
            logger.info("big", n=n, payload=payload)
        kept, dropped = handler.pending, handler.dropped
        cloudwatch.server.start()
        cloudwatch.client.create_log_group(logGroupName=group)
        handler.flush()

    delivered = [json.loads(message)["n"] for message in cloudwatch.messages(group)]
    assert kept == 9  # 9 lines of 20,100 bytes fit in 200,000
    assert (dropped, handler.dropped) == (41, 41)
    assert delivered == list(range(41, 50))
    assert capsys.readouterr().err.count("the backlog is full") == 1


def test_a_restarted_sink_that_lost_its_log_group_is_reported_once_without_spinning(
    cloudwatch, logger_name, capsys
):
    """moto restarted empty: one line says the group is missing; records wait."""
    group = new_group(cloudwatch)
    handler = cloudwatch.handler(group, backoff_base=0.01, probe_interval=0.5)

    with attached(handler, logger_name) as logger:
        logger.info("before", n=0)
        cloudwatch.server.stop()
        cloudwatch.server.start()
        calls_before = cloudwatch.api_calls
        start = time.monotonic()
        for n in range(1, 21):
            logger.info("after the restart", n=n)
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        calls = cloudwatch.api_calls - calls_before
        kept = handler.pending
        cloudwatch.client.create_log_group(logGroupName=group)
        handler.flush()

    err = capsys.readouterr().err
    assert err.count("The specified log group does not exist") == 1
    # One retry cycle (6 attempts of 5 requests), then a probe (2 attempts) at most
    # once an interval.
    assert calls <= 30 + 10 * (elapsed / handler.probe_interval + 1)
    assert kept == 20
    # The restart lost "before" with the group; everything after it arrives.
    assert [json.loads(m)["n"] for m in cloudwatch.messages(group)] == list(
        range(1, 21)
    )
