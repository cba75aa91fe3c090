"""Checking and combining the timeout arguments of fleece.requests."""

from __future__ import annotations

import math
from typing import TypeAlias

Timeout: TypeAlias = float | tuple[float | None, float | None]
"""Seconds for both phases, or ``(connect, read)``; None in the tuple: no limit."""


def check_seconds(value: object, name: str) -> float:
    """Return ``value`` if it is a usable number of seconds.

    Raises:
        ValueError: ``value`` is not a finite number greater than 0.
    """
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        return float(value)
    raise ValueError(
        f"{name} must be a number of seconds greater than 0, got {value!r}"
    )


def check_timeout(value: object, name: str = "timeout") -> Timeout | None:
    """Return ``value`` as a requests timeout, checked.

    Args:
        value: None, seconds, or a ``(connect, read)`` pair whose items are
            seconds or None.
        name: the argument's name, for the error message.

    Raises:
        ValueError: ``value`` is not one of those.
    """
    if value is None:
        return None
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be seconds or a (connect, read) pair, got {value!r}"
            )
        connect, read = value
        return (
            None if connect is None else check_seconds(connect, f"{name}[0] (connect)"),
            None if read is None else check_seconds(read, f"{name}[1] (read)"),
        )
    return check_seconds(value, name)


def combine_timeouts(
    timeout: object, connect_timeout: object, read_timeout: object
) -> Timeout | None:
    """Merge the three timeout arguments: the specific ones beat ``timeout``.

    Raises:
        ValueError: one of them is not valid; the message names it.
    """
    base = check_timeout(timeout)
    connect = (
        None
        if connect_timeout is None
        else check_seconds(connect_timeout, "connect_timeout")
    )
    read = None if read_timeout is None else check_seconds(read_timeout, "read_timeout")
    if connect is None and read is None:
        return base
    base_connect, base_read = base if isinstance(base, tuple) else (base, base)
    return (
        base_connect if connect is None else connect,
        base_read if read is None else read,
    )
