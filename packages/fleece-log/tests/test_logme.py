"""logme: entry and exit lines around a function, as fleece 1.x wrote them."""

from __future__ import annotations

import logging

import pytest

from fleece import log


def test_a_call_logs_entering_and_exiting_with_the_response(stream):
    """Two DEBUG lines on the root logger; the exit line carries the return value."""
    log.setup_root_logger(stream=stream)

    @log.logme()
    def add(a, b):
        return a + b

    result = add(1, b=2)

    assert result == 3
    assert [
        (line["event"], line["level"], line.get("add_response"))
        for line in stream.parsed()
    ] == [("Entering add", "debug", None), ("Exiting add", "debug", 3)]


def test_a_stdlib_logger_works_too(stream, logger_name):
    """fleece 1.x raised TypeError on the exit line of a stdlib logger."""
    log.setup_root_logger(stream=stream)

    @log.logme(level="INFO", logger=logging.getLogger(logger_name))
    def greet():
        return "hi"

    greet()

    assert [(x["event"], x["logger"]) for x in stream.parsed()] == [
        ("Entering greet", logger_name),
        ("Exiting greet", logger_name),
    ]
    assert stream.last()["greet_response"] == "hi"


def test_an_exception_is_logged_on_the_exit_line_and_raised(stream, logger_name):
    """The exit line says what was raised; the caller still gets the exception."""
    logger = log.get_logger(logger_name, stream=stream)

    @log.logme(logging.WARNING, logger)
    def fail():
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        fail()

    assert stream.last()["event"] == "Exiting fail"
    assert stream.last()["fail_raised"] == "KeyError('missing')"


def test_below_the_loggers_level_nothing_is_written(stream, logger_name):
    """DEBUG lines of a logger at INFO are filtered out."""
    logger = log.get_logger(logger_name, level="INFO", stream=stream)

    @log.logme(logger=logger)
    def quiet():
        return 1

    assert quiet() == 1
    assert stream.getvalue() == ""


def test_the_decorated_function_keeps_its_name_and_docstring():
    """1.x's wrapper hid both."""

    @log.logme()
    def documented():
        """Says why."""

    assert (documented.__name__, documented.__doc__) == ("documented", "Says why.")


def test_an_unknown_level_is_refused():
    """The level is checked when decorating, not at the first call."""
    with pytest.raises(ValueError, match="not a log level"):
        log.logme(level="LOUD")
