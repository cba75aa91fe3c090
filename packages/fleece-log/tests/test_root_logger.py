"""setup_root_logger and the root handler get_logger installs."""

from __future__ import annotations

import io
import json
import logging

import pytest

from fleece import log


def test_setup_root_logger_replaces_every_root_handler_with_one_json_handler(stream):
    """Whatever was on the root goes; one JSON StreamHandler is left."""
    root = logging.getLogger()
    root.addHandler(logging.StreamHandler(io.StringIO()))

    log.setup_root_logger(stream=stream)

    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    assert handler.stream is stream


def test_setup_root_logger_is_idempotent(stream):
    """Calling it twice leaves one handler and one line per record."""
    log.setup_root_logger(stream=stream)
    log.setup_root_logger(stream=stream)

    logging.getLogger("tests.idempotent").info("once")

    assert len(logging.getLogger().handlers) == 1
    assert [line["event"] for line in stream.parsed()] == ["once"]


def test_setup_root_logger_defaults_to_debug_as_in_1x(stream, monkeypatch):
    """With no level and no AWS_LAMBDA_LOG_LEVEL, the root level is DEBUG."""
    monkeypatch.delenv("AWS_LAMBDA_LOG_LEVEL", raising=False)

    log.setup_root_logger(stream=stream)

    assert logging.getLogger().level == logging.DEBUG


@pytest.mark.parametrize(
    ("lambda_level", "expected"),
    [
        ("TRACE", logging.DEBUG),
        ("DEBUG", logging.DEBUG),
        ("INFO", logging.INFO),
        ("WARN", logging.WARNING),
        ("ERROR", logging.ERROR),
        ("FATAL", logging.CRITICAL),
        ("info", logging.INFO),
    ],
)
def test_setup_root_logger_follows_aws_lambda_log_level(
    stream, monkeypatch, lambda_level, expected
):
    """Lambda's log level control names map onto stdlib levels."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", lambda_level)

    log.setup_root_logger(stream=stream)

    assert expected == logging.getLogger().level


def test_the_level_argument_wins_over_the_environment(stream, monkeypatch):
    """An explicit level is used even when AWS_LAMBDA_LOG_LEVEL is set."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR")

    log.setup_root_logger(level="INFO", stream=stream)

    assert logging.getLogger().level == logging.INFO


def test_a_bad_aws_lambda_log_level_is_named_in_the_error(stream, monkeypatch):
    """An unknown value raises ValueError naming the variable and the value."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "CHATTY")

    with pytest.raises(ValueError, match="AWS_LAMBDA_LOG_LEVEL='CHATTY'"):
        log.setup_root_logger(stream=stream)


def test_get_logger_replaces_a_plain_root_handler_once(stream, logger_name):
    """The first get_logger installs the JSON handler; later calls leave the root."""
    root = logging.getLogger()
    plain = logging.StreamHandler(io.StringIO())
    root.addHandler(plain)

    log.get_logger(logger_name, stream=stream)
    installed = list(root.handlers)
    log.get_logger(logger_name + ".other", stream=io.StringIO())

    assert plain not in installed
    assert installed == root.handlers
    assert installed[0].stream is stream


def test_the_root_handler_get_logger_installs_follows_aws_lambda_log_level(
    stream, logger_name, monkeypatch
):
    """As setup_root_logger does, the first get_logger uses Lambda's log level."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
    logger = log.get_logger(logger_name, stream=stream)

    logger.info("hidden")
    logger.warning("shown")

    assert logging.getLogger().level == logging.WARNING
    assert [line["event"] for line in stream.parsed()] == ["shown"]


def test_get_logger_without_clobbering_leaves_the_root_alone(logger_name):
    """clobber_root_handler=False does not touch the root's handlers."""
    before = list(logging.getLogger().handlers)

    log.get_logger(logger_name, clobber_root_handler=False)

    assert before == logging.getLogger().handlers


def test_the_default_stream_is_the_current_stdout(capsys, logger_name):
    """Without a stream, lines go to sys.stdout as it is when writing."""
    log.setup_root_logger()

    log.get_logger(logger_name).info("to stdout", n=1)

    out = capsys.readouterr().out
    assert {"event": "to stdout", "n": 1}.items() <= json.loads(out).items()


def test_the_root_logger_keeps_the_level_get_logger_was_given(stream):
    """get_logger(level=...) for the root wins over the set-up's default level."""
    root = log.get_logger(level="WARNING", stream=stream)

    root.info("hidden")
    root.warning("shown")

    assert logging.getLogger().level == logging.WARNING
    assert [line["event"] for line in stream.parsed()] == ["shown"]
