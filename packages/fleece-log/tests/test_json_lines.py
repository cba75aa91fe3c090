"""What a line looks like: one JSON object, sorted keys, the fixed fields, context."""

from __future__ import annotations

import datetime
import io
import json
import logging
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleece import log

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_a_call_writes_one_json_line_with_event_level_logger_and_timestamp(
    stream, logger_name
):
    """The fixed fields are always there, next to the call's keywords."""
    logger = log.get_logger(logger_name, stream=stream)

    logger.info("user created", user_id=7)

    [line] = stream.parsed()
    assert {
        "event": "user created",
        "level": "info",
        "logger": logger_name,
        "user_id": 7,
    } == {key: value for key, value in line.items() if key != "timestamp"}
    assert TIMESTAMP.match(line["timestamp"])


def test_the_timestamp_is_utc_now_with_milliseconds(stream, logger_name):
    """The timestamp parses as ISO-8601 UTC and is the time of the call."""
    logger = log.get_logger(logger_name, stream=stream)
    before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)

    logger.info("tick")

    stamp = datetime.datetime.fromisoformat(stream.last()["timestamp"])
    after = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    assert datetime.timedelta(0) == stamp.utcoffset()
    assert before <= stamp <= after


def test_keys_are_written_sorted(stream, logger_name):
    """The raw text has its keys in sorted order."""
    logger = log.get_logger(logger_name, stream=stream)

    logger.warning("sorted", zebra=1, apple=2, mango=3)

    text = stream.getvalue().strip()
    keys = list(json.loads(text))
    assert sorted(keys) == keys
    assert text.startswith('{"apple":2,"event":"sorted"')


@pytest.mark.parametrize(
    ("method", "level"),
    [
        ("debug", "debug"),
        ("info", "info"),
        ("warning", "warning"),
        ("warn", "warning"),
        ("error", "error"),
        ("critical", "critical"),
    ],
)
def test_each_level_method_writes_its_lower_case_level(
    stream, logger_name, method, level
):
    """Every level method writes its level name in lower case."""
    logger = log.get_logger(logger_name, level="DEBUG", stream=stream)

    getattr(logger, method)("hello")

    assert level == stream.last()["level"]


def test_log_takes_a_level_number_or_name(stream, logger_name):
    """log(level, ...) accepts stdlib numbers and names."""
    logger = log.get_logger(logger_name, level="DEBUG", stream=stream)

    logger.log(logging.ERROR, "by number")
    logger.log("warn", "by name")

    assert [(line["event"], line["level"]) for line in stream.parsed()] == [
        ("by number", "error"),
        ("by name", "warning"),
    ]


def test_percent_style_arguments_are_formatted_into_the_event(stream, logger_name):
    """Positional arguments fill %-placeholders, as with the stdlib."""
    logger = log.get_logger(logger_name, stream=stream)

    logger.info("got %s items from %r", 3, "queue")
    logger.info("%(user)s logged in", {"user": "ann"})

    assert [line["event"] for line in stream.parsed()] == [
        "got 3 items from 'queue'",
        "ann logged in",
    ]


def test_wrong_percent_arguments_still_write_a_line(stream, logger_name):
    """A format string that does not match its arguments is written as-is."""
    logger = log.get_logger(logger_name, stream=stream)

    logger.info("two %s %s", "only-one")

    assert stream.last()["event"] == "'two %s %s' % ('only-one',)"


def test_values_json_cannot_encode_are_written_with_repr(stream, logger_name):
    """Objects, NaN, non-string keys and cycles never make a call raise."""

    class Thing:
        def __repr__(self) -> str:
            return "<Thing>"

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    cycle: list[object] = []
    cycle.append(cycle)
    logger = log.get_logger(logger_name, stream=stream)

    logger.info(
        "odd values",
        thing=Thing(),
        nan=math.nan,
        keys={(1, 2): "tuple key", 3: "int key"},
        cycle=cycle,
        broken=Broken(),
        when=datetime.date(2024, 1, 2),
    )

    line = stream.last()
    assert line["thing"] == "<Thing>"
    assert line["nan"] == "nan"
    assert line["keys"] == {"(1, 2)": "tuple key", "3": "int key"}
    assert line["cycle"] == ["<recursion>"]
    assert line["broken"] == "<unrepresentable Broken>"
    assert line["when"] == "datetime.date(2024, 1, 2)"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.binary()
    | st.builds(object),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text() | st.integers() | st.tuples(st.integers()), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@given(
    values=st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), json_values)
)
def test_any_values_give_one_parseable_line(values):
    """Whatever the keyword values, the handler writes exactly one valid JSON line."""
    stream = io.StringIO()
    logger = logging.getLogger("tests.fleece_log.hypothesis")
    logger.propagate = False
    handler = log.JsonStreamHandler(stream)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    try:
        log.BoundLogger(logger).info("values", **values)
    finally:
        logger.handlers[:] = []

    [text] = stream.getvalue().splitlines()
    line = json.loads(text)
    assert line["event"] == "values"
    assert set(values) - {"event", "level", "logger", "timestamp"} <= set(line)


def test_exc_info_adds_the_traceback_as_one_field_of_one_line(stream, logger_name):
    """exception() and exc_info=True add an `exception` field, no raw traceback."""
    logger = log.get_logger(logger_name, stream=stream)

    try:
        raise ValueError("bad input")
    except ValueError:
        logger.exception("failed", step=2)
        logger.error("failed again", exc_info=True)

    first, second = stream.parsed()
    assert len(stream.getvalue().splitlines()) == 2
    assert (first["event"], first["level"], first["step"]) == ("failed", "error", 2)
    assert first["exception"].startswith("Traceback (most recent call last):")
    assert first["exception"].endswith("ValueError: bad input")
    assert second["exception"].endswith("ValueError: bad input")


def test_exc_info_takes_an_exception_instance(stream, logger_name):
    """An exception passed as exc_info is formatted outside its except block."""
    logger = log.get_logger(logger_name, stream=stream)
    try:
        raise KeyError("missing")
    except KeyError as caught:
        error = caught

    logger.warning("later", exc_info=error)

    assert stream.last()["exception"].endswith("KeyError: 'missing'")


def test_stack_info_adds_a_stack_field(stream, logger_name):
    """stack_info=True adds the caller's stack."""
    logger = log.get_logger(logger_name, stream=stream)

    logger.info("where", stack_info=True)

    stack = stream.last()["stack"]
    assert stack.startswith("Stack (most recent call last):")
    assert "test_stack_info_adds_a_stack_field" in stack


def test_fixed_fields_win_over_keywords_of_the_same_name(stream, logger_name):
    """A keyword named like a fixed field does not hide the real value."""
    logger = log.get_logger(logger_name, stream=stream)

    logger.info("real event", level="fake", logger="fake")

    line = stream.last()
    assert ("real event", "info", logger_name) == (
        line["event"],
        line["level"],
        line["logger"],
    )


def test_stdlib_loggers_write_the_same_shape(stream, logger_name):
    """A plain logging.getLogger record comes out as the same JSON object."""
    log.get_logger(stream=stream)
    log.bind_context(request="r-1")

    logging.getLogger(logger_name).warning(
        "retrying %s", "GetItem", extra={"attempt": 2}
    )

    line = stream.last()
    assert {
        "attempt": 2,
        "event": "retrying GetItem",
        "level": "warning",
        "logger": logger_name,
        "request": "r-1",
    } == {key: value for key, value in line.items() if key != "timestamp"}
    assert TIMESTAMP.match(line["timestamp"])


def test_stdlib_exceptions_are_one_line_too(stream, logger_name):
    """logging.exception from stdlib code becomes one line with `exception`."""
    log.setup_root_logger(stream=stream)

    try:
        {}["key"]
    except KeyError:
        logging.getLogger(logger_name).exception("lookup failed")

    assert len(stream.getvalue().splitlines()) == 1
    assert stream.last()["exception"].endswith("KeyError: 'key'")


def test_the_formatter_can_be_used_on_any_handler(logger_name):
    """JsonFormatter on a user's own handler writes the same lines."""
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setFormatter(log.JsonFormatter())
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)
    logger.addHandler(handler)
    logger.propagate = False

    logger.bind(a=1).info("own handler")

    assert {"a": 1, "event": "own handler", "level": "info"}.items() <= json.loads(
        text.getvalue()
    ).items()


@pytest.fixture
def plain_handler(logger_name):
    """A stdlib StreamHandler without a formatter on the stdlib logger of the name."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    stdlib_logger = logging.getLogger(logger_name)
    stdlib_logger.addHandler(handler)
    yield handler, output
    stdlib_logger.removeHandler(handler)


def test_a_handler_attached_without_a_formatter_writes_the_json_line(
    plain_handler, stream, logger_name
):
    """As in 1.x, any handler gets the JSON line, bound values and context included."""
    _, output = plain_handler
    logger = log.get_logger(logger_name, stream=stream).bind(worker="w-1")
    log.bind_context(request="r-1")

    logger.info("polled %s", "queue", jobs=3)

    line = json.loads(output.getvalue())
    assert line == stream.last()
    assert (line["event"], line["jobs"], line["worker"], line["request"]) == (
        "polled queue",
        3,
        "w-1",
        "r-1",
    )


def test_a_handler_with_its_own_formatter_keeps_it(plain_handler, logger_name):
    """The user's format is applied; its %(message)s is the JSON line."""
    handler, output = plain_handler
    handler.setFormatter(logging.Formatter("%(levelname)s|%(name)s|%(message)s"))
    logger = log.get_logger(logger_name, clobber_root_handler=False)
    logger.setLevel("INFO")

    logger.info("polled", jobs=3)

    level, name, message = output.getvalue().rstrip("\n").split("|")
    assert (level, name) == ("INFO", logger_name)
    assert (json.loads(message)["event"], json.loads(message)["jobs"]) == ("polled", 3)


def test_a_retry_handler_around_a_plain_handler_writes_the_json_line(logger_name):
    """Through RetryHandler the wrapped handler formats the JSON line too."""
    output = io.StringIO()
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)
    logger.propagate = False
    logger.addHandler(log.RetryHandler(logging.StreamHandler(output)))

    logger.info("polled", jobs=3)

    assert json.loads(output.getvalue())["jobs"] == 3


def test_a_bad_percent_format_gives_a_json_line_to_every_handler(
    plain_handler, logger_name
):
    """Arguments that do not fit the format never make a handler fail."""
    _, output = plain_handler
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)

    logger.info("items: %d", "not-a-number")

    assert json.loads(output.getvalue())["event"] == "'items: %d' % ('not-a-number',)"


def test_records_of_a_custom_record_factory_keep_their_plain_message(
    plain_handler, logger_name
):
    """A record class set with logging.setLogRecordFactory is left as it is."""

    class OwnRecord(logging.LogRecord):
        pass

    _, output = plain_handler
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(OwnRecord)
    try:
        logger.info("polled", jobs=3)
    finally:
        logging.setLogRecordFactory(previous)

    assert output.getvalue() == "polled\n"


def test_a_queue_listener_writes_the_line_once_not_nested(logger_name):
    """QueueHandler puts the formatted line in msg; the listener's line is the same."""
    import logging.handlers
    import queue

    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    output = io.StringIO()
    target = logging.StreamHandler(output)
    target.setFormatter(log.JsonFormatter())
    listener = logging.handlers.QueueListener(records, target)
    logger = log.get_logger(logger_name, level="INFO", clobber_root_handler=False)
    logger.propagate = False
    logger.addHandler(logging.handlers.QueueHandler(records))

    listener.start()
    try:
        logger.info("polled", jobs=3)
    finally:
        listener.stop()

    line = json.loads(output.getvalue())
    assert (line["event"], line["jobs"]) == ("polled", 3)
