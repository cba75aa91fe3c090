"""Classify Lambda's ``_X_AMZN_TRACE_ID`` header, once per distinct value."""

from __future__ import annotations

import re
from typing import Any

from fleece.xray._environment import TRACE_HEADER_KEY, read_env

_ROOT = re.compile(r"1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}")
_PARENT = re.compile(r"[0-9a-fA-F]{16}")

INVALID, UNSAMPLED, SAMPLED = -1, 0, 1


def parse_trace_header(header: str) -> int:
    """Classify a Lambda trace header.

    Args:
        header: the value of ``_X_AMZN_TRACE_ID``.

    Returns:
        ``SAMPLED`` or ``UNSAMPLED`` for a well-formed header with ``Root``, ``Parent``
        and ``Sampled``; ``INVALID`` for anything else (which aws-xray-sdk would log
        about on every call).
    """
    fields = trace_header_fields(header)
    if fields is None:
        return INVALID
    return {"1": SAMPLED, "0": UNSAMPLED}.get(fields.get("Sampled", ""), INVALID)


def trace_header_fields(header: str) -> dict[str, str] | None:
    """The ``key=value`` fields of a trace header with a valid Root and Parent."""
    fields: dict[str, str] = {}
    for part in header.strip().split(";"):
        key, sep, value = part.partition("=")
        if not sep:
            return None
        fields[key] = value
    root, parent = fields.get("Root", ""), fields.get("Parent", "")
    if not (_ROOT.fullmatch(root) and _PARENT.fullmatch(parent)):
        return None
    return fields


class _HeaderCache:
    """The last trace header seen and its classification (it changes per invocation).

    Both live in one tuple, replaced in one assignment, so threads never see a
    header paired with another header's classification.
    """

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: tuple[Any, int] = (None, INVALID)


_header_cache = _HeaderCache()


def trace_header_state() -> int:
    """Classify the current ``_X_AMZN_TRACE_ID`` (``INVALID`` when it is not set)."""
    raw = read_env(TRACE_HEADER_KEY)
    if raw is None:
        return INVALID
    last_raw, last_state = _header_cache.last
    if raw == last_raw:
        return last_state
    value = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    state = parse_trace_header(value)
    _header_cache.last = (raw, state)
    return state
