"""The process-wide default timeouts and the checks on timeout arguments."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class DefaultTimeouts:
    """Timeouts for clients whose call and ``config=`` do not set them.

    Attributes:
        connect: seconds to connect, or None (botocore's own default).
        read: seconds to wait for each read, or None (botocore's own default).
    """

    connect: float | None = None
    read: float | None = None


# Global by definition: set once at start-up, read by clients made in any thread;
# set_default_timeout() without arguments resets it.
DEFAULT_TIMEOUTS = DefaultTimeouts()


def check_seconds(value: object, name: str) -> float | None:
    """Return ``value`` if it is None or a usable number of seconds.

    Raises:
        ValueError: ``value`` is not a finite number greater than 0; the
            message names the argument.
    """
    if value is None:
        return None
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        return value
    raise ValueError(
        f"{name} must be a number of seconds greater than 0, got {value!r}"
    )


def pick_timeouts(
    timeout: object, connect_timeout: object, read_timeout: object
) -> tuple[float | None, float | None]:
    """Return ``(connect, read)``: the specific arguments beat ``timeout``.

    Raises:
        ValueError: an argument is not a number greater than 0.
    """
    both = check_seconds(timeout, "timeout")
    connect = check_seconds(connect_timeout, "connect_timeout")
    read = check_seconds(read_timeout, "read_timeout")
    return (both if connect is None else connect, both if read is None else read)


def set_default_timeout(
    timeout: float | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> None:
    """Set the timeouts of every client and resource created from now on.

    Applies in every thread, to clients whose call and ``config=`` do not set a
    timeout. With no arguments, clients get botocore's defaults (60 s) again.

    Args:
        timeout: seconds, for both connecting and each read.
        connect_timeout: seconds to connect; beats ``timeout``.
        read_timeout: seconds to wait for each read; beats ``timeout``.

    Raises:
        ValueError: a value is not a number greater than 0; the message names
            it and the previous default stays in place.
    """
    DEFAULT_TIMEOUTS.connect, DEFAULT_TIMEOUTS.read = pick_timeouts(
        timeout, connect_timeout, read_timeout
    )
