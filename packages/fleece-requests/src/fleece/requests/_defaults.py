"""The process-wide default timeout and retries, and their setters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from urllib3.util.retry import Retry

from fleece.requests._retries import build_retry, capped, check_retry
from fleece.requests._timeouts import Timeout, combine_timeouts


@dataclass
class Defaults:
    """What requests use when neither the call nor its session says otherwise.

    Attributes:
        timeout: seconds, or ``(connect, read)``; None means no timeout.
        retries: the installed ``Retry``; None means requests' own (no retries).
    """

    timeout: Timeout | None = None
    retries: Retry | None = None


# Global by definition: set once at start-up, read by every thread's requests;
# set_default_timeout() and set_default_retries() without arguments reset it.
DEFAULTS = Defaults()


def set_default_timeout(
    timeout: Timeout | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> None:
    """Install the timeout used by requests that do not set one.

    Applies to every thread and to every session created without a timeout.
    Call it with no arguments to remove the default: requests then wait as long
    as plain requests does (forever).

    Args:
        timeout: seconds for connecting and for each read, or a
            ``(connect, read)`` pair.
        connect_timeout: seconds to connect; beats ``timeout``.
        read_timeout: seconds to wait for each read; beats ``timeout``.

    Raises:
        ValueError: a value is not a number greater than 0 (or a valid pair);
            the message names it and the previous default stays in place.
    """
    DEFAULTS.timeout = combine_timeouts(timeout, connect_timeout, read_timeout)


def set_default_retries(*args: Any, **kwargs: Any) -> None:
    """Install the retries used by requests that do not set ``retries=``.

    Example: ``set_default_retries(total=5, backoff_factor=1,
    status_forcelist=[429, 503])``. Each wait, Retry-After included, lasts at
    most ``backoff_max`` seconds (default 30). With no arguments (or None) the
    default is removed: no retries, as in plain requests.

    Args:
        *args: ``urllib3.Retry`` arguments, or one ``Retry`` (used as is), or
            one dict of Retry arguments.
        **kwargs: ``urllib3.Retry`` keyword arguments.

    Raises:
        TypeError: an argument is unknown or has the wrong type.
        ValueError: a count or a duration is negative.
    """
    if len(args) == 1 and not kwargs:
        (only,) = args
        if only is None:
            DEFAULTS.retries = None
            return
        if isinstance(only, Retry):
            DEFAULTS.retries = capped(check_retry(only))
            return
        if isinstance(only, Mapping):
            DEFAULTS.retries = build_retry(**only)
            return
    if not args and not kwargs:
        DEFAULTS.retries = None
        return
    if any(isinstance(arg, Retry | Mapping) for arg in args):
        raise TypeError(
            "set_default_retries takes either one Retry (or dict) alone, "
            "or urllib3 Retry arguments"
        )
    DEFAULTS.retries = build_retry(*args, **kwargs)
