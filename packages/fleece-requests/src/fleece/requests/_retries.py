"""urllib3 ``Retry`` objects built from the forms that ``retries=`` accepts."""

from __future__ import annotations

import copy
import math
from collections.abc import Collection, Mapping
from typing import Any, TypeAlias

from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

Retries: TypeAlias = Retry | Mapping[str, Any] | int | None
"""What ``retries=`` accepts: None, a number of retries, Retry arguments, a Retry."""

DEFAULT_BACKOFF_MAX = 30.0
"""Longest single wait between attempts, Retry-After included, unless set."""

# Position of ``backoff_max`` in ``Retry.__init__``'s parameters (urllib3 2.x).
_BACKOFF_MAX_POSITION = 9

NO_RETRIES = Retry(0, read=False)
"""What requests' own adapter uses: no retries at all."""

_COUNTS = ("total", "connect", "read", "redirect", "status", "other")
_DURATIONS = ("backoff_factor", "backoff_max", "backoff_jitter")

ACCEPTED = (
    "retries must be None (the installed default), a number of retries, a dict of "
    "urllib3 Retry arguments, a urllib3 Retry, or 0/False for no retries"
)


class CappedRetry(Retry):
    """A urllib3 ``Retry`` whose waits never exceed ``backoff_max``.

    urllib3 sleeps as long as a ``Retry-After`` header asks (up to six hours);
    a Lambda function would be billed for all of it and time out. Here each
    wait, backoff or Retry-After, is at most ``backoff_max`` seconds, which
    defaults to 30 instead of urllib3's 120.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) <= _BACKOFF_MAX_POSITION:
            kwargs.setdefault("backoff_max", DEFAULT_BACKOFF_MAX)
        super().__init__(*args, **kwargs)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        """Return the Retry-After wait in seconds, at most ``backoff_max``."""
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.backoff_max)


def capped(retry: Retry) -> Retry:
    """Return ``retry`` with its Retry-After waits capped at its ``backoff_max``.

    A plain ``Retry`` becomes a :class:`CappedRetry` with the same settings, and
    with fleece's 30 s ``backoff_max`` when it has urllib3's default (120 s); a
    subclass is left as it is, since it may decide its waits itself.
    """
    if type(retry) is not Retry:
        return retry
    twin = copy.copy(retry)
    twin.__class__ = CappedRetry
    if twin.backoff_max == Retry.DEFAULT_BACKOFF_MAX:
        # urllib3's default, which nobody chose for a Lambda: fleece's applies.
        twin.backoff_max = DEFAULT_BACKOFF_MAX
    return twin


def check_retry(retry: Retry) -> Retry:
    """Return ``retry`` if its settings can work, so mistakes surface at once.

    Raises:
        TypeError: a setting has the wrong type.
        ValueError: a count or a duration is negative.
    """
    for name in _COUNTS:
        value = getattr(retry, name, None)
        if value is None or isinstance(value, bool):
            continue
        if not isinstance(value, int):
            raise TypeError(f"Retry {name} must be an int or None, got {value!r}")
        if value < 0:
            raise ValueError(f"Retry {name} must be 0 or more, got {value!r}")
    for name in _DURATIONS:
        value = getattr(retry, name, 0)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise TypeError(f"Retry {name} must be a number of seconds, got {value!r}")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"Retry {name} must be 0 or more seconds, got {value!r}")
    statuses = retry.status_forcelist
    if not _is_collection_of(statuses, int):
        raise TypeError(
            f"Retry status_forcelist must be a collection of status codes, "
            f"got {statuses!r}"
        )
    methods = retry.allowed_methods
    if methods is not None and not _is_collection_of(methods, str):
        raise TypeError(
            f"Retry allowed_methods must be a collection of method names or None, "
            f"got {methods!r}"
        )
    return retry


def build_retry(*args: Any, **kwargs: Any) -> Retry:
    """Build a checked :class:`CappedRetry` from ``Retry`` arguments.

    Raises:
        TypeError: an argument is unknown or has the wrong type.
        ValueError: a count or a duration is negative.
    """
    try:
        retry = CappedRetry(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"invalid urllib3 Retry arguments: {error}") from None
    return check_retry(retry)


def resolve_retries(retries: object, default: Retry | None) -> Retry:
    """Turn a ``retries=`` value into the ``Retry`` the connection pool uses.

    Args:
        retries: None, an int, a mapping of Retry arguments, a Retry, or False.
        default: the installed default, used for None and as the template for
            an int.

    Raises:
        TypeError: ``retries`` is none of the accepted forms.
        ValueError: a number of retries is negative, or a setting is.
    """
    if retries is None:
        return NO_RETRIES if default is None else default
    if isinstance(retries, bool):
        if retries:
            raise TypeError(f"{ACCEPTED}; True is ambiguous, pass a number of retries")
        return NO_RETRIES
    if isinstance(retries, Retry):
        return capped(check_retry(retries))
    if isinstance(retries, int):
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, got {retries}")
        if retries == 0:
            return NO_RETRIES
        if default is None:
            return build_retry(total=retries)
        return default.new(total=retries)
    if isinstance(retries, Mapping):
        return build_retry(**retries)
    raise TypeError(f"{ACCEPTED}; got {type(retries).__name__} {retries!r}")


def _is_collection_of(values: object, kind: type) -> bool:
    return (
        isinstance(values, Collection)
        and not isinstance(values, str | bytes)
        and all(
            isinstance(value, kind) and not isinstance(value, bool) for value in values
        )
    )
