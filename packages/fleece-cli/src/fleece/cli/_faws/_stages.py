"""Stage selectors: a stage's own name, or a ``/regex/`` matching whole stage names.

``environments.yml``'s ``stages:``, ``config.yml``'s ``stages:`` and its ``+stage``
keys all pick an entry for a stage the same way: the entry named exactly as the
stage first, else the first ``/regex/`` (in file order) that matches the whole name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

_T = TypeVar("_T")


def is_regex(selector: str) -> bool:
    """Return whether ``selector`` is a ``/regex/`` rather than a stage name."""
    return len(selector) > 1 and selector.startswith("/") and selector.endswith("/")


def regex_error(selector: str) -> str | None:
    """Return why a ``/regex/`` selector does not compile, or None when it does.

    A stage name is never wrong: None.
    """
    if not is_regex(selector):
        return None
    try:
        re.compile(selector[1:-1])
    except re.error as error:
        return str(error)
    return None


def matches(selector: str, stage: str) -> bool:
    """Return whether ``selector`` is ``stage``'s name or fully matches it.

    A ``/regex/`` that does not compile matches nothing.
    """
    if not is_regex(selector):
        return selector == stage
    try:
        return re.fullmatch(selector[1:-1], stage) is not None
    except re.error:
        return False


def select(entries: Iterable[tuple[str, _T]], stage: str) -> tuple[str, _T] | None:
    """Return the ``(selector, entry)`` for ``stage``: exact name, else first regex.

    Args:
        entries: ``(selector, entry)`` pairs in file order.
        stage: the stage name.
    """
    candidates = list(entries)
    for selector, entry in candidates:
        if not is_regex(selector) and selector == stage:
            return selector, entry
    for selector, entry in candidates:
        if is_regex(selector) and matches(selector, stage):
            return selector, entry
    return None
