"""profile_handler: cProfile a sample of a handler's calls and log the statistics."""

from __future__ import annotations

import functools
import logging

from fleece.log import BoundLogger, get_logger
from fleece.log._logger import as_bound_logger

TYPE_CHECKING = False
if TYPE_CHECKING:
    import cProfile
    from collections.abc import Callable, Sequence
    from typing import Any, TypeVar

    _R = TypeVar("_R")

# The share of calls profiled when no sample is given.
PROFILE_SAMPLE = 0.5
# Only code of the uploaded Lambda package (bundled dependencies included), not the
# standard library or what the runtime provides (boto3). A tuple: 1.x appended the
# limit to its list on every profiled call.
DEFAULT_FILTER: tuple[str, ...] = ("/var/task/",)
DEFAULT_LIMIT = 20
# Writes through the stdlib logger "profiler"; creating it changes no handler.
DEFAULT_LOGGER = get_logger("profiler", clobber_root_handler=False)

_DIGITS = 6


def profile_handler(
    sample: float = PROFILE_SAMPLE,
    stats_filter: Sequence[str | int | float] | None = None,
    stats_limit: int = DEFAULT_LIMIT,
    logger: BoundLogger | logging.Logger = DEFAULT_LOGGER,
    log_event: bool = False,
) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Decorate a Lambda handler so that a sample of its calls is profiled.

    A profiled call logs one INFO line, ``Profiling completed``, with
    ``total_calls``, ``primitive_calls``, ``total_time`` (seconds) and
    ``profiling_data``: the functions by cumulative time, each with ``ncalls``,
    ``tottime``, ``tpercall``, ``cumtime``, ``cpercall``, ``filename``, ``lineno``
    and ``function``, as fleece 1.x, with numbers as JSON numbers. Profiling or
    logging the statistics never makes the handler fail; the handler's result and
    exceptions pass through unchanged.

    Args:
        sample: The share of calls to profile, from 0 (none) to 1 (all).
        stats_filter: pstats restrictions applied before the limit: regular
            expressions matched against ``file:line(function)``, counts and
            fractions. ``DEFAULT_FILTER`` (code under ``/var/task/``) when None.
        stats_limit: How many functions to list at most.
        logger: A fleece or stdlib logger; ``DEFAULT_LOGGER`` ("profiler") by default.
        log_event: Add the event under ``lambda_event``, as 1.x always did. Off by
            default: events carry headers, tokens and bodies.

    Returns:
        The decorator.

    Raises:
        ValueError: When ``sample`` is not within 0..1 or ``stats_limit`` is not a
            count.
    """
    if isinstance(sample, bool) or not isinstance(sample, int | float):
        raise ValueError(f"sample must be a number from 0 to 1, not {sample!r}")
    if not 0 <= sample <= 1:
        raise ValueError(f"sample must be a number from 0 to 1, not {sample!r}")
    if isinstance(stats_limit, bool) or not isinstance(stats_limit, int):
        raise ValueError(f"stats_limit must be an integer >= 0, not {stats_limit!r}")
    if stats_limit < 0:
        raise ValueError(f"stats_limit must be an integer >= 0, not {stats_limit!r}")
    restrictions = (*(DEFAULT_FILTER if stats_filter is None else stats_filter),)
    restrictions += (stats_limit,)
    bound = as_bound_logger(logger)

    def decorator(func: Callable[..., _R]) -> Callable[..., _R]:
        @functools.wraps(func)
        def wrapper(event: Any, context: Any, *args: Any, **kwargs: Any) -> _R:
            import random  # only a decorated handler's first call pays for it

            if random.random() >= sample:  # noqa: S311 - sampling, not crypto
                bound.debug("Skipping profiling")
                return func(event, context, *args, **kwargs)
            import cProfile

            profile = cProfile.Profile()
            try:
                profile.enable()
            except ValueError as error:  # another profiler is running (3.12+)
                bound.warning("Skipping profiling", reason=str(error))
                return func(event, context, *args, **kwargs)
            try:
                return func(event, context, *args, **kwargs)
            finally:
                profile.disable()
                extra = {"lambda_event": event} if log_event else {}
                _log_statistics(profile, restrictions, bound, extra)

        return wrapper

    return decorator


def _log_statistics(
    profile: cProfile.Profile,
    restrictions: tuple[str | int | float, ...],
    logger: BoundLogger,
    extra: dict[str, Any],
) -> None:
    try:
        import io
        import pstats

        stats = pstats.Stats(profile, stream=io.StringIO())
        stats.sort_stats(pstats.SortKey.CUMULATIVE)
        # typeshed declares neither the raw table nor the totals, and gives
        # get_print_list's (file, line, function) keys as str.
        table: Any = stats
        selected: list[Any] = table.get_print_list(restrictions)[1]
        profiling_data = []
        for function in selected:
            primitive, calls, own, cumulative, _ = table.stats[function]
            filename, lineno, name = function
            profiling_data.append(
                {
                    "ncalls": calls,
                    "tottime": round(own, _DIGITS),
                    "tpercall": round(own / calls, _DIGITS) if calls else 0.0,
                    "cumtime": round(cumulative, _DIGITS),
                    "cpercall": round(cumulative / primitive, _DIGITS)
                    if primitive
                    else 0.0,
                    "filename": filename,
                    "lineno": lineno,
                    "function": name,
                }
            )
        totals = {
            "total_calls": table.total_calls,
            "primitive_calls": table.prim_calls,
            "total_time": round(table.total_tt, _DIGITS),
        }
    except Exception as error:  # profiling must never break the handler
        logger.warning("Profiling failed", error=repr(error))
        return
    logger.info("Profiling completed", profiling_data=profiling_data, **totals, **extra)
