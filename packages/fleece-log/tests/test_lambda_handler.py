"""inject_request_ids_into_environment: request ids on every line of an invocation."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from fleece import log
from fleece.testing import (
    LambdaContext,
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
    request_template_event,
)

TRACE_HEADER = (
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
)


def test_lines_during_an_invocation_carry_the_request_ids(
    stream, logger_name, monkeypatch
):
    """Request ids, function name and the X-Ray trace id are on every line."""
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)
    logger = log.get_logger(logger_name, stream=stream)
    context = LambdaContext(function_name="orders", aws_request_id="lambda-1")
    event = apigw_v1_event("GET", "/orders", request_id="api-1")

    @log.inject_request_ids_into_environment
    def handler(event, context):
        logger.info("handling")
        return "done"

    assert handler(event, context) == "done"

    line = stream.last()
    assert {
        "lambda_request_id": "lambda-1",
        "api_request_id": "api-1",
        "function_name": "orders",
        "xray_trace_id": "1-5759e988-bd862e3fe1be46a994272793",
    }.items() <= line.items()
    assert isinstance(line["cold_start"], bool)


@pytest.mark.parametrize(
    "make_event",
    [apigw_v1_event, apigw_v2_event, function_url_event, request_template_event],
)
def test_the_api_request_id_comes_from_every_http_event_shape(
    stream, logger_name, make_event
):
    """REST v1, HTTP API v2, Function URL and 1.x request-template events."""
    logger = log.get_logger(logger_name, stream=stream)
    event = make_event("POST", "/items", request_id="api-xyz")

    @log.inject_lambda_context
    def handler(event, context):
        logger.info("handling")

    handler(event, LambdaContext())

    assert stream.last()["api_request_id"] == "api-xyz"


def test_events_and_contexts_without_ids_still_work(stream, logger_name, monkeypatch):
    """An ALB event, a plain dict, a list and a context of None are fine."""
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    logger = log.get_logger(logger_name, stream=stream)

    @log.inject_lambda_context
    def handler(event, context):
        logger.info("handling")

    handler(alb_event("GET", "/"), LambdaContext(aws_request_id="l-2"))
    handler({"Records": []}, None)
    handler([1, 2], object())

    alb, plain, listed = stream.parsed()
    assert alb["lambda_request_id"] == "l-2"
    assert "api_request_id" not in alb
    for line in (plain, listed):
        assert not {"lambda_request_id", "api_request_id", "xray_trace_id"} & set(line)


def test_ids_are_removed_after_the_invocation(stream, logger_name):
    """Lines logged after the handler returned carry none of its ids."""
    logger = log.get_logger(logger_name, stream=stream)

    @log.inject_lambda_context
    def handler(event, context):
        log.bind_context(user="ann")
        logger.info("inside")

    handler(apigw_v2_event(request_id="api-1"), LambdaContext())
    logger.info("outside")

    inside, outside = stream.parsed()
    assert {"api_request_id", "lambda_request_id", "user"} <= set(inside)
    assert not {"api_request_id", "lambda_request_id", "cold_start", "user"} & set(
        outside
    )


def test_ids_are_removed_when_the_handler_raises(stream, logger_name):
    """A raising handler does not leak its API request id into the next invocation."""
    logger = log.get_logger(logger_name, stream=stream)

    @log.inject_lambda_context
    def handler(event, context):
        logger.info("inside", call=event["call"])
        if event["call"] == 1:
            raise RuntimeError("boom")

    first = apigw_v1_event(request_id="api-1")
    first["call"] = 1
    with pytest.raises(RuntimeError, match="boom"):
        handler(first, LambdaContext(aws_request_id="l-1"))
    logger.info("between")
    handler({"call": 2}, LambdaContext(aws_request_id="l-2"))

    inside_first, between, inside_second = stream.parsed()
    assert inside_first["api_request_id"] == "api-1"
    assert "api_request_id" not in between
    assert "lambda_request_id" not in between
    assert "api_request_id" not in inside_second
    assert inside_second["lambda_request_id"] == "l-2"


def test_the_decorator_keeps_the_handler_name(stream):
    """functools.wraps: the decorated handler keeps its name and docstring."""

    @log.inject_request_ids_into_environment
    def lambda_handler(event, context):
        """Handle it."""

    assert (
        lambda_handler.__name__,
        lambda_handler.__doc__,
    ) == ("lambda_handler", "Handle it.")


def test_cold_start_is_true_on_the_first_invocation_of_a_process_only(tmp_path):
    """In a fresh process the first invocation says cold_start true, then false."""
    script = tmp_path / "handler.py"
    script.write_text(
        textwrap.dedent(
            """
            from fleece import log
            from fleece.testing import LambdaContext

            logger = log.get_logger("handler")

            @log.inject_lambda_context
            def handler(event, context):
                logger.info("invoked")

            @log.inject_lambda_context
            def other_handler(event, context):
                logger.info("invoked")

            for _ in range(2):
                handler({}, LambdaContext())
            other_handler({}, LambdaContext())
            """
        )
    )

    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    )

    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["cold_start"] for line in lines] == [True, False, False]
