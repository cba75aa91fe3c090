"""Turn names, keys and values into what X-Ray accepts, within its size limits."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

VALUE_LIMIT = 1024
"""Bytes (UTF-8) kept of one recorded value: an argument's repr, an annotation."""

ARGUMENTS_BUDGET = 24 * 1024
"""JSON bytes of argument reprs recorded per call; a datagram must stay < 64 KiB."""

METADATA_LIMIT = 16 * 1024
"""Bytes of JSON one put_metadata value may take before it is cut."""

ENTITY_BUDGET = 54 * 1024
"""JSON bytes of annotations and metadata (arguments included) one subsegment may
hold; the rest of its 64 KiB datagram is left for names, ids, errors and stacks."""

NAME_LIMIT = 200
"""X-Ray's longest (sub)segment name."""

_ELLIPSIS = "..."
_INVALID_NAME_CHARACTERS = re.compile(r"[?;*()!$~^<>]")
_INVALID_KEY_CHARACTERS = re.compile(r"[^A-Za-z0-9_]")
_MAX_DEPTH = 16
_KEY_LIMIT = 128
_MAX_NODES = 2000


def cut(text: str, limit: int = VALUE_LIMIT) -> str:
    """Return ``text`` cut to at most ``limit`` UTF-8 bytes, marked with ``...``.

    Args:
        text: any string.
        limit: the largest size in bytes of the result.
    """
    if text.isascii():
        return (
            text if len(text) <= limit else text[: limit - len(_ELLIPSIS)] + _ELLIPSIS
        )
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    kept = encoded[: limit - len(_ELLIPSIS)].decode("utf-8", "ignore")
    return kept + _ELLIPSIS


def _json_size(text: str) -> int:
    # What the text takes in the datagram: aws-xray-sdk's json.dumps escapes every
    # non-ASCII character (up to 12 bytes each).
    if text.isascii():
        return len(text) + 2
    import json  # only for non-ASCII text, and aws-xray-sdk has loaded it anyway

    return len(json.dumps(text))


_TEXT_TYPES = (str, bytes, bytearray)
_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
    dict: ("{", "}"),
}
_MAX_REPR_DEPTH = 8


def bounded_repr(value: object, limit: int = VALUE_LIMIT) -> str:
    """``repr(value)``, or a string starting as it does and longer than ``limit``.

    Strings, bytes and the built-in containers are represented piece by piece, so a
    30 MB argument costs about ``limit`` bytes, not its whole repr; other objects
    use their own ``__repr__``. Never raises, even for a broken repr.
    """
    return _bounded(value, limit, 0, set())


def _bounded(value: object, budget: int, depth: int, active: set[int]) -> str:
    kind = type(value)
    try:
        if kind in _TEXT_TYPES:
            sized: Any = value
            # One character past the budget tells `cut` to mark the text as cut.
            return repr(sized if len(sized) <= budget else sized[: budget + 1])
        brackets = _BRACKETS.get(kind)
        if brackets is None:
            return repr(value)
    except Exception as error:
        return f"<unrepresentable {kind.__name__}: {type(error).__name__}>"
    return _bounded_container(value, kind, brackets, budget, depth, active)


def _bounded_container(
    value: Any,
    kind: type,
    brackets: tuple[str, str],
    budget: int,
    depth: int,
    active: set[int],
) -> str:
    if not value:
        return repr(value)
    if id(value) in active:  # a container holding itself, as repr shows it
        return "{...}" if kind is dict else "[...]" if kind is list else "(...)"
    if depth >= _MAX_REPR_DEPTH:
        return brackets[0] + _ELLIPSIS + brackets[1]
    active.add(id(value))
    parts: list[str] = []
    used = len(brackets[0])
    try:
        for item in value.items() if kind is dict else value:
            if used > budget:
                parts.append(_ELLIPSIS)
                break
            if kind is dict:
                key = _bounded(item[0], budget - used, depth + 1, active)
                text = key + ": " + _bounded(item[1], budget - used, depth + 1, active)
            else:
                text = _bounded(item, budget - used, depth + 1, active)
            parts.append(text)
            used += len(text) + 2
    finally:
        active.discard(id(value))
    closing = ",)" if kind is tuple and len(value) == 1 else brackets[1]
    return brackets[0] + ", ".join(parts) + closing


def safe_str(value: object) -> str:
    """``str(value)``, or its bounded repr when ``__str__`` fails; never raises."""
    try:
        return str(value)
    except Exception:
        return bounded_repr(value)


def safe_repr(value: object, limit: int = VALUE_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` bytes; never raises, even for a broken repr."""
    return cut(bounded_repr(value, limit), limit)


def safe_name(name: str) -> str:
    """A (sub)segment name X-Ray keeps: invalid characters removed, at most 200 long."""
    return _INVALID_NAME_CHARACTERS.sub("", name)[:NAME_LIMIT]


def arguments_metadata(
    args: Sequence[object], kwargs: Mapping[str, object]
) -> tuple[list[str], dict[str, str]]:
    """Reprs of a call's arguments, each cut to 1 KiB, about 24 KiB of JSON in all.

    Arguments past the total budget are left out; a last entry says how many.
    """
    # Runs on every traced call: the short ASCII reprs of most arguments are
    # handled inline, without a function call each.
    budget = ARGUMENTS_BUDGET
    reprs: list[str] = []
    for index, value in enumerate(args):
        if budget <= 0:
            reprs.append(f"<{len(args) - index} more omitted>")
            break
        text = bounded_repr(value)
        if text.isascii() and len(text) <= VALUE_LIMIT:
            budget -= len(text) + 2
        else:
            text = cut(text)
            budget -= _json_size(text)
        reprs.append(text)
    named: dict[str, str] = {}
    for index, (key, value) in enumerate(kwargs.items()):
        if budget <= 0:
            named["..."] = f"<{len(kwargs) - index} more omitted>"
            break
        if len(key) > _KEY_LIMIT or not key.isascii():  # e.g. f(**{"é" * 9999: 1})
            key = cut(str(key), _KEY_LIMIT)
        text = bounded_repr(value)
        if text.isascii() and len(text) <= VALUE_LIMIT:
            budget -= len(text) + len(key) + 4
        else:
            text = cut(text)
            budget -= _json_size(text) + _json_size(key)
        named[key] = text
    return reprs, named


def to_safe_annotation_key(key: object) -> str:
    """An annotation key X-Ray indexes: only ASCII letters, digits and underscores.

    Other characters (punctuation, spaces, accents) are removed, as X-Ray drops any
    annotation whose key holds them.

    Args:
        key: the wanted key; not a string → its ``str()``.
    """
    return _INVALID_KEY_CHARACTERS.sub("", key if isinstance(key, str) else str(key))


def to_safe_annotation_value(value: object) -> str | int | float | bool:
    """An annotation value X-Ray accepts: a string, a finite number or a boolean.

    Strings, booleans and finite numbers are kept (numbers stay numbers, so that
    filter expressions can compare them); a string is cut to 1 KiB; anything else
    (None, NaN, objects) becomes its ``str()``.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return cut(str(value))
    return cut(safe_str(value))


class _Converter:
    """Copies a value into JSON types, bounded in depth and in number of nodes."""

    def __init__(self) -> None:
        self.nodes = 0

    def convert(self, value: object, depth: int = 0) -> Any:
        self.nodes += 1
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else str(value)
        if depth < _MAX_DEPTH and self.nodes < _MAX_NODES:
            if isinstance(value, Mapping):
                return {
                    (key if isinstance(key, str) else safe_repr(key)): self.convert(
                        item, depth + 1
                    )
                    for key, item in value.items()
                }
            if isinstance(value, list | tuple | set | frozenset):
                return [self.convert(item, depth + 1) for item in value]
        return safe_repr(value)


def to_safe_metadata_value(value: object) -> Any:
    """A JSON-ready copy of ``value`` for X-Ray metadata; never raises.

    Dicts, lists, tuples, sets, strings, finite numbers, booleans and None are kept;
    anything else (and what lies deeper than 16 levels or past 2000 items) becomes
    its repr cut to 1 KiB. A value whose JSON would exceed 16 KiB is replaced by its
    JSON text cut to that size.
    """
    import json

    try:
        safe = _Converter().convert(value)
        encoded = json.dumps(safe)
    except Exception:  # e.g. RecursionError on a self-referencing container
        return safe_repr(value)
    if len(encoded) > METADATA_LIMIT:
        return cut(encoded, METADATA_LIMIT)
    return safe
