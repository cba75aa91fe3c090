"""BoundLogger: binding, levels, and the stdlib logger behind it."""

from __future__ import annotations

import logging

import pytest

from fleece import log


def test_get_logger_and_getlogger_are_the_same_function():
    """getLogger is the 1.x spelling of get_logger."""
    assert log.getLogger is log.get_logger


def test_get_logger_wraps_the_stdlib_logger_of_that_name(logger_name):
    """name, handlers and level are the stdlib logger's."""
    logger = log.get_logger(logger_name, level=logging.WARNING)
    stdlib = logging.getLogger(logger_name)

    assert isinstance(logger, log.BoundLogger)
    assert (logger_name, logging.WARNING) == (logger.name, stdlib.level)
    assert logger.level == logging.WARNING
    assert logger.handlers is stdlib.handlers
    assert logging.getLogger() is log.get_logger()._logger


def test_initial_values_are_bound(stream, logger_name):
    """Keywords of get_logger are on every line of the logger."""
    logger = log.get_logger(logger_name, stream=stream, service="billing")

    logger.info("one")
    logger.info("two")

    assert [line["service"] for line in stream.parsed()] == ["billing", "billing"]


def test_bind_returns_a_new_logger_and_leaves_the_original_alone(stream, logger_name):
    """bind adds values to a copy only."""
    base = log.get_logger(logger_name, stream=stream, a=1)

    bound = base.bind(b=2)
    bound.info("bound")
    base.info("base")

    bound_line, base_line = stream.parsed()
    assert (bound_line["a"], bound_line["b"]) == (1, 2)
    assert "b" not in base_line


@pytest.mark.parametrize(
    "derive",
    [
        lambda logger: logger.bind(b=2),
        lambda logger: logger.unbind("a"),
        lambda logger: logger.try_unbind("a"),
        lambda logger: logger.new(c=3),
    ],
    ids=["bind", "unbind", "try_unbind", "new"],
)
def test_every_derived_logger_leaves_the_original_unchanged(
    stream, logger_name, derive
):
    """bind, unbind, try_unbind and new return a new logger; the original is kept."""
    original = log.get_logger(logger_name, stream=stream, a=1)

    derived = derive(original)
    original.info("original")

    assert derived is not original
    assert {"a": 1, "event": "original"}.items() <= stream.last().items()
    assert not {"b", "c"} & set(stream.last())


def test_unbind_removes_keys_and_refuses_unknown_ones(stream, logger_name):
    """unbind drops bound keys and raises KeyError naming a key that is not bound."""
    logger = log.get_logger(logger_name, stream=stream, a=1, b=2)

    logger.unbind("a").info("without a")

    assert "a" not in stream.last()
    assert stream.last()["b"] == 2
    with pytest.raises(KeyError, match="missing"):
        logger.unbind("missing")


def test_try_unbind_ignores_keys_that_are_not_bound(stream, logger_name):
    """try_unbind is unbind without the error."""
    logger = log.get_logger(logger_name, stream=stream, a=1)

    logger.try_unbind("a", "missing").info("clean")

    assert "a" not in stream.last()


def test_new_starts_from_only_the_given_values(stream, logger_name):
    """new drops everything bound before."""
    logger = log.get_logger(logger_name, stream=stream, a=1).bind(b=2)

    logger.new(c=3).info("fresh")

    line = stream.last()
    assert ("a" in line, "b" in line, line["c"]) == (False, False, 3)


def test_call_keywords_win_over_bound_values_which_win_over_context(
    stream, logger_name
):
    """The nearest value of a key is written."""
    log.bind_context(key="context", only_context=1)
    logger = log.get_logger(logger_name, stream=stream, key="bound")

    logger.info("first")
    logger.info("second", key="call")

    first, second = stream.parsed()
    assert (first["key"], second["key"], first["only_context"]) == ("bound", "call", 1)


def test_a_call_below_the_level_builds_nothing(stream, logger_name):
    """Below the level neither the event nor the values are turned into text."""

    class Loud:
        def __str__(self) -> str:
            raise AssertionError("formatted although filtered")

        __repr__ = __str__

    logger = log.get_logger(logger_name, level="INFO", stream=stream)

    logger.debug(Loud(), value=Loud())
    logger.debug("%s", Loud())

    assert stream.getvalue() == ""


def test_level_changes_take_effect_at_once(stream, logger_name):
    """setLevel on the bound logger (or the stdlib one) changes what is written."""
    logger = log.get_logger(logger_name, level="INFO", stream=stream)
    logger.debug("hidden")

    logger.setLevel("DEBUG")
    logger.debug("shown")
    logging.getLogger(logger_name).setLevel(logging.ERROR)
    logger.warning("hidden too")

    assert [line["event"] for line in stream.parsed()] == ["shown"]
    assert logger.isEnabledFor(logging.ERROR)
    assert not logger.isEnabledFor(logging.WARNING)


def test_logging_disable_silences_bound_loggers(stream, logger_name):
    """logging.disable applies to fleece loggers as to stdlib ones."""
    logger = log.get_logger(logger_name, level="INFO", stream=stream)
    logger.info("before")

    logging.disable(logging.CRITICAL)
    try:
        logger.error("while disabled")
    finally:
        logging.disable(logging.NOTSET)

    assert [line["event"] for line in stream.parsed()] == ["before"]


def test_handlers_added_through_the_bound_logger_reach_the_stdlib_logger(
    logger_name,
):
    """addHandler/removeHandler change the stdlib logger's handlers."""
    logger = log.get_logger(logger_name, clobber_root_handler=False)
    handler = logging.NullHandler()

    logger.addHandler(handler)
    added = list(logging.getLogger(logger_name).handlers)
    logger.removeHandler(handler)

    assert [handler] == added
    assert logging.getLogger(logger_name).handlers == []


def test_other_stdlib_logger_attributes_are_reachable(logger_name):
    """Anything else (getEffectiveLevel, propagate, getChild) works as on stdlib."""
    logger = log.get_logger(logger_name, level="ERROR", clobber_root_handler=False)

    logger.propagate = False
    child = logger.bind(a=1).getChild("child")

    assert logger.getEffectiveLevel() == logging.ERROR
    assert logging.getLogger(logger_name).propagate is False
    assert f"{logger_name}.child" == child.name
    assert isinstance(child, log.BoundLogger)


def test_a_bad_level_is_refused_with_its_name(logger_name):
    """An unknown level name raises ValueError naming it."""
    with pytest.raises(ValueError, match="'LOUD' is not a log level"):
        log.get_logger(logger_name, level="LOUD")


def test_calls_written_for_a_stdlib_logger_work_unchanged(stream, logger_name):
    """extra=, exc_info=, stack_info= and stacklevel= mean what they mean in logging."""
    logger = log.get_logger(logger_name, stream=stream)

    try:
        raise OSError("disk full")
    except OSError:
        logger.error(
            "write failed for %s",
            "a.txt",
            extra={"attempt": 3},
            exc_info=True,
            stacklevel=2,
        )

    line = stream.last()
    assert line["event"] == "write failed for a.txt"
    assert line["attempt"] == 3
    assert line["exception"].endswith("OSError: disk full")
    assert not {"extra", "stacklevel", "exc_info"} & set(line)
