"""fleece.profiling: @profile_handler logs cProfile statistics as one JSON line."""

from __future__ import annotations

import pytest

from fleece import log, profiling

THIS_FILE = r"test_profiling\.py"


def fibonacci(n):
    """Recursive, so pstats lists it with calls/primitive calls."""
    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)


def handler(event, context):
    """A Lambda handler with some work to profile."""
    return {"fib": fibonacci(event["n"])}


@pytest.fixture
def lines(stream, logger_name):
    """The logger the decorator writes to, and the parsed lines it wrote."""
    logger = log.get_logger(logger_name, level="DEBUG", stream=stream)
    return logger, stream


def test_a_profiled_call_logs_the_statistics_and_returns_the_result(
    lines, lambda_context
):
    """sample=1 profiles the call; the line lists this file's functions."""
    logger, stream = lines
    profiled = profiling.profile_handler(
        sample=1, stats_filter=[THIS_FILE], logger=logger
    )(handler)

    result = profiled({"n": 10}, lambda_context)

    assert result == {"fib": 55}
    [line] = stream.parsed()
    assert (line["event"], line["level"]) == ("Profiling completed", "info")
    assert "lambda_event" not in line
    assert line["total_calls"] >= 177
    by_name = {entry["function"]: entry for entry in line["profiling_data"]}
    assert {"handler", "fibonacci"} <= set(by_name)
    fib = by_name["fibonacci"]
    assert (fib["ncalls"], fib["lineno"]) == (177, fibonacci.__code__.co_firstlineno)
    assert fib["filename"].endswith("test_profiling.py")
    assert fib["cumtime"] >= fib["tottime"] >= 0


def test_the_sample_argument_decides_how_many_calls_are_profiled(lines, lambda_context):
    """1.x profiled half the calls whatever sample said; 0 and 1 now mean it."""
    logger, stream = lines
    never = profiling.profile_handler(sample=0, logger=logger)(handler)
    always = profiling.profile_handler(sample=1, logger=logger)(handler)

    for _ in range(5):
        never({"n": 1}, lambda_context)
        always({"n": 1}, lambda_context)

    events = [line["event"] for line in stream.parsed()]
    assert events.count("Skipping profiling") == 5
    assert events.count("Profiling completed") == 5


def test_the_limit_applies_on_every_call_and_the_default_filter_stays_put(
    lines, lambda_context
):
    """1.x appended the limit to the shared filter list on every profiled call."""
    logger, stream = lines
    before = profiling.DEFAULT_FILTER
    profiled = profiling.profile_handler(
        sample=1, stats_filter=[], stats_limit=2, logger=logger
    )(handler)

    for _ in range(3):
        profiled({"n": 5}, lambda_context)

    assert [len(line["profiling_data"]) for line in stream.parsed()] == [2, 2, 2]
    assert profiling.DEFAULT_FILTER == before == ("/var/task/",)


def test_the_event_is_logged_only_when_asked(lines, lambda_context):
    """Events carry secrets; log_event=True brings back 1.x's lambda_event field."""
    logger, stream = lines
    profiled = profiling.profile_handler(sample=1, logger=logger, log_event=True)(
        handler
    )

    profiled({"n": 2}, lambda_context)

    assert stream.last()["lambda_event"] == {"n": 2}


def test_an_exception_passes_through_and_the_statistics_are_still_logged(
    lines, lambda_context
):
    """The handler's own error reaches the caller unchanged."""
    logger, stream = lines
    profiled = profiling.profile_handler(sample=1, logger=logger)(handler)

    with pytest.raises(KeyError, match="n"):
        profiled({}, lambda_context)

    assert stream.last()["event"] == "Profiling completed"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"sample": 1.5}, "sample must be a number from 0 to 1"),
        ({"sample": "half"}, "sample must be a number from 0 to 1"),
        ({"stats_limit": -1}, "stats_limit must be an integer >= 0"),
        ({"stats_limit": 2.5}, "stats_limit must be an integer >= 0"),
    ],
)
def test_bad_arguments_are_refused_with_their_name(arguments, message):
    """Each bad argument raises ValueError naming it, when decorating."""
    with pytest.raises(ValueError, match=message):
        profiling.profile_handler(**arguments)
