"""fleece.log against Powertools Logger and structlog: import, lines/s, filtered debug.

Run: uv run python benchmarks/log.py

- import: CPU time of `python -c "<import>"` minus `python -c pass`, median of repeats.
- lines/s: JSON lines with one bound key, written to a stream that drops them.
- filtered debug: the cost of one debug call below the logger's level (the timing loop's
  own cost excluded: the statement is timed directly), next to an empty method taking
  the same arguments, the floor of any Python logger.

Times are CPU times of this process (and of the child for imports), not wall time, so
that other work on a busy machine does not land in the numbers; rounds alternate
between fleece and the peers, and the medians are reported.

structlog runs in its fastest JSON set-up: a filtering bound logger cached on first use,
writing straight to the stream without the stdlib (orjson and bytes output when orjson
is installed, else the stdlib json module).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import resource
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

from _report import bytecode_env, medians_in_turns, overheads, print_table, row

IMPORT_REPEATS = 7
LINES = 5_000
LINE_REPEATS = 5
FILTERED_CALLS = 100_000
FILTERED_REPEATS = 5


class NullStream:
    """A text/bytes stream that drops what is written (no I/O in the measurement)."""

    def write(self, data: object) -> int:
        return 0

    def flush(self) -> None:
        pass


def run_python(code: str) -> float:
    """CPU seconds (user + system) a fresh interpreter spends running `code`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, env=bytecode_env())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_overheads(codes: list[str]) -> list[float]:
    """Median seconds of each import in a fresh interpreter, minus bare startup."""
    return overheads(
        [functools.partial(run_python, code) for code in codes],
        functools.partial(run_python, "pass"),
        IMPORT_REPEATS,
    )


def lines_timer(logger: Any) -> timeit.Timer:
    statement = "for _ in loop: info('user created', n=1)"
    names = {"loop": range(LINES), "info": logger.info}
    return timeit.Timer(statement, timer=time.process_time, globals=names)


def filtered_timer(logger: Any) -> timeit.Timer:
    return timeit.Timer(
        "debug('user created', n=1)",
        timer=time.process_time,
        globals={"debug": logger.debug},
    )


def seconds_per_run(timer: timeit.Timer, number: int) -> float:
    return timer.timeit(number=number) / number


def interleaved(timers: list[timeit.Timer], number: int, repeats: int) -> list[float]:
    """Median seconds per run of each timer, the timers taking turns."""
    for timer in timers:
        timer.timeit(number=1)
    return medians_in_turns(
        [functools.partial(seconds_per_run, timer, number) for timer in timers],
        repeats,
    )


class EmptyMethod:
    """The floor of any logger method: a call with the same arguments doing nothing."""

    def debug(self, event: object, *args: object, **kw: object) -> None:
        pass


def reset_root() -> None:
    for handler in list(logging.root.handlers):
        logging.root.removeHandler(handler)


def fleece_logger() -> Any:
    from fleece import log

    reset_root()
    log.setup_root_logger(level="INFO", stream=NullStream())  # type: ignore[arg-type]  # a write-only sink, not a full IO
    return log.get_logger("fleece_bench").bind(user_id=7)


def powertools_logger() -> Any:
    from aws_lambda_powertools import Logger

    logger = Logger(service="powertools_bench", level="INFO", stream=NullStream())
    logger.append_keys(user_id=7)
    return logger


def structlog_logger() -> Any:
    import structlog

    renderer: Any
    if importlib.util.find_spec("orjson"):
        import orjson

        renderer = structlog.processors.JSONRenderer(serializer=orjson.dumps)
        factory: Any = structlog.BytesLoggerFactory(file=NullStream())  # type: ignore[arg-type]  # a write-only sink, not a full IO
    else:
        renderer = structlog.processors.JSONRenderer()
        factory = structlog.WriteLoggerFactory(file=NullStream())  # type: ignore[arg-type]  # a write-only sink, not a full IO
    structlog.configure(
        cache_logger_on_first_use=True,
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        logger_factory=factory,
    )
    return structlog.get_logger("structlog_bench").bind(user_id=7)


def main() -> None:
    peers: dict[str, tuple[str, Callable[[], Any]]] = {
        "powertools": ("from aws_lambda_powertools import Logger", powertools_logger),
        "structlog": ("import structlog", structlog_logger),
    }
    imports = import_overheads(
        ["import fleece.log", *(code for code, _ in peers.values())]
    )
    peer_loggers = [make() for _, make in peers.values()]
    # Last, as it replaces the root handlers (Powertools and structlog do not use them).
    loggers = [fleece_logger(), *peer_loggers]
    lines = interleaved([lines_timer(x) for x in loggers], 1, LINE_REPEATS)
    filtered = interleaved(
        [filtered_timer(x) for x in [*loggers, EmptyMethod()]],
        FILTERED_CALLS,
        FILTERED_REPEATS,
    )

    rows = []
    for index, name in enumerate(peers, start=1):
        rows += [
            row(
                f"import overhead ms (vs {name})",
                imports[0] * 1e3,
                imports[index] * 1e3,
                "{:.1f}",
            ),
            row(
                f"JSON lines/s, one bound key (vs {name})",
                LINES / lines[0],
                LINES / lines[index],
                "{:,.0f}",
            ),
            row(
                f"filtered debug call ns (vs {name})",
                filtered[0] * 1e9,
                filtered[index] * 1e9,
                "{:.0f}",
            ),
        ]
    rows.append(
        row(
            "filtered debug call ns (vs an empty method)",
            filtered[0] * 1e9,
            filtered[-1] * 1e9,
            "{:.0f}",
        )
    )
    print_table(rows)
    print(
        "\nratio = fleece / peer (import ms and ns: lower is better; lines/s: higher "
        "is better).\nTargets: import <= 0.5x Powertools, lines/s >= 2.5x Powertools, "
        "filtered debug <= 500 ns."
    )


if __name__ == "__main__":
    main()
