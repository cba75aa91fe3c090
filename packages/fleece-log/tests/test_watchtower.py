"""RetryHandler around watchtower's CloudWatch handler, on a moto server that stops."""

from __future__ import annotations

import json
import logging
import uuid

import boto3
import pytest
import watchtower
from botocore.config import Config

from fleece import log

# Fail fast while the server is down: one attempt, short timeouts.
FAST_FAILING = Config(
    retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10
)


def logs_client(moto_server):
    """A CloudWatch Logs client at the moto server."""
    return boto3.client(
        "logs",
        endpoint_url=moto_server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=FAST_FAILING,
    )


def events_in(client, group, stream):
    """The messages of a log stream, oldest first."""
    response = client.get_log_events(
        logGroupName=group, logStreamName=stream, startFromHead=True
    )
    return [event["message"] for event in response["events"]]


def test_no_record_is_lost_when_cloudwatch_goes_away_and_comes_back(
    moto_env, logger_name, capsys
):
    """Stop the server mid-run, log, restart it, log again: all records arrive."""
    group, stream = f"group-{uuid.uuid4()}", "worker"
    client = logs_client(moto_env)
    sink = watchtower.CloudWatchLogHandler(
        log_group_name=group,
        log_stream_name=stream,
        use_queues=False,
        boto3_client=client,
    )
    handler = log.RetryHandler(sink, backoff_base=0.001, backoff_cap=0.01)
    handler.setFormatter(log.JsonFormatter())
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)
    logger.propagate = False
    logger.addHandler(handler)

    try:
        logger.info("before the outage", n=1)
        assert [
            json.loads(message)["event"] for message in events_in(client, group, stream)
        ] == ["before the outage"]

        moto_env.stop()
        logger.info("during the outage", n=2)
        logger.info("still down", n=3)
        kept = handler.pending

        moto_env.start()
        # A restarted moto starts empty; the real service keeps its log groups.
        client.create_log_group(logGroupName=group)
        logger.info("after the outage", n=4)
        handler.flush()
    finally:
        logger.removeHandler(handler)
        handler.close()

    lines = [json.loads(message) for message in events_in(client, group, stream)]
    assert kept == 2
    assert [(line["event"], line["n"]) for line in lines] == [
        ("during the outage", 2),
        ("still down", 3),
        ("after the outage", 4),
    ]
    assert (handler.pending, handler.dropped) == (0, 0)
    assert capsys.readouterr().err.count("fleece.log.RetryHandler:") == 1


def test_the_1x_readme_example_still_runs(moto_env, logger_name):
    """The README's RetryHandler(watchtower.CloudWatchLogHandler(...)) form works."""
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
    try:
        logger.info("polled", items=3)
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()

    client = boto3.client("logs")
    assert events_in(client, "WORKER-POLL", stream_name) == ["polled"]


def test_a_delivery_failure_warning_from_watchtower_is_retried(moto_env, logger_name):
    """A put_log_events failure reported only as a WatchtowerWarning is retried."""
    group = f"group-{uuid.uuid4()}"
    client = logs_client(moto_env)
    sink = watchtower.CloudWatchLogHandler(
        log_group_name=group,
        log_stream_name="s",
        use_queues=False,
        boto3_client=client,
        create_log_stream=False,
    )
    handler = log.RetryHandler(sink, max_retries=2, backoff_base=0.001)
    record = logging.LogRecord(logger_name, logging.INFO, "", 0, "hello", (), None)

    handler.handle(record)
    kept = handler.pending
    client.create_log_stream(logGroupName=group, logStreamName="s")
    handler.flush()

    assert (kept, handler.pending) == (1, 0)
    assert events_in(client, group, "s") == ["hello"]
