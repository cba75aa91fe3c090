"""Argument reprs built piece by piece: the same text as repr, up to the 1 KiB cut."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest

from fleece.xray._safe import VALUE_LIMIT, arguments_metadata, bounded_repr

SELF_LIST: list[Any] = [1]
SELF_LIST.append(SELF_LIST)


@pytest.mark.parametrize(
    "value",
    [
        "it's",
        b"\x00bytes",
        bytearray(b"ba"),
        [1, "a", (2,), None],
        (1,),
        (),
        {"a": [1, {2, 3}], 4: frozenset({5})},
        set(),
        frozenset(),
        [],
        {},
        OrderedDict(a=1),
        SELF_LIST,
        3.5,
    ],
)
def test_small_values_are_represented_exactly_as_repr_does(value: Any) -> None:
    """Below the cut, the bounded repr is repr itself."""
    assert bounded_repr(value) == repr(value)


def test_huge_values_are_cut_to_one_kib_with_the_start_of_their_repr() -> None:
    """Text, bytes and nested containers far past 1 KiB come out as repr's start."""
    values = [
        "é" * 100_000,
        b"\xff" * 100_000,
        [list(range(1000))] * 1000,
        dict.fromkeys(range(1000), "v" * 500),
        ("x" * 5000,),
    ]
    args, _ = arguments_metadata(values, {})
    for value, text in zip(values, args, strict=True):
        assert len(text.encode()) <= VALUE_LIMIT
        assert text.endswith("...")
        assert repr(value).startswith(text[:-3][:200])


def test_a_broken_repr_is_named_not_raised() -> None:
    """An object whose __repr__ raises is shown by its type."""

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert bounded_repr([Broken()]) == "[<unrepresentable Broken: RuntimeError>]"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((7, 'é"\n', [1]), {"name": "x", 'k"': "\u2603", "é": b"\x00"})],
)
def test_the_arguments_attribute_is_exactly_the_json_of_the_metadata(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """OpenTelemetry's ``aws.xray.metadata.default`` is what json.dumps would write."""
    from fleece.xray._otel import _arguments_json

    reprs, named = arguments_metadata(args, kwargs)
    text = _arguments_json(reprs, named)
    assert text == json.dumps({"args": reprs, "kwargs": named})
    assert json.loads(text) == {"args": reprs, "kwargs": named}
