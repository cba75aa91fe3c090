"""put_annotation / put_metadata and the 1.x key and value helpers."""

from __future__ import annotations

import math
from typing import Any

import pytest

from fleece.testing import XRayDaemon
from fleece.xray import (
    put_annotation,
    put_metadata,
    to_safe_annotation_key,
    to_safe_annotation_value,
)


@pytest.mark.parametrize(
    ("key", "safe"),
    [
        ("user_id", "user_id"),
        ("user-id", "userid"),
        ("order.total (EUR)", "ordertotalEUR"),
        ("déjà vu", "djvu"),
        (42, "42"),
    ],
)
def test_annotation_keys_keep_only_what_xray_indexes(key: Any, safe: str) -> None:
    """Letters, digits and underscores stay; punctuation, spaces and accents go."""
    assert to_safe_annotation_key(key) == safe


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("eu-west-1", "eu-west-1"),
        (3, 3),
        (2.5, 2.5),
        (True, True),
        (None, "None"),
        (math.inf, "inf"),
        (["a", 1], "['a', 1]"),
        ("x" * 5000, "x" * 1021 + "..."),
    ],
)
def test_annotation_values_are_strings_numbers_or_booleans(
    value: object, safe: object
) -> None:
    """Numbers stay numbers (X-Ray filters compare them); the rest is str()'d."""
    assert to_safe_annotation_value(value) == safe
    assert type(to_safe_annotation_value(value)) is type(safe)


def test_annotations_and_metadata_land_on_the_current_subsegment(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """Keys and values are made safe; metadata keeps JSON types, reprs the rest."""
    code = """
        import datetime
        from fleece.xray import put_annotation, put_metadata, trace_xray_subsegment

        put_annotation("ignored", "no subsegment open yet")
        put_metadata("ignored", 1)

        @trace_xray_subsegment(skip_args=True)
        def handler():
            put_annotation("customer-id", 1234)
            put_annotation("tier", "gold")
            put_annotation("vip?", True)
            put_annotation("discount", float("nan"))
            put_annotation("!!!", "no usable key: dropped")
            put_metadata("order", {"items": [1, 2], "when": datetime.date(2024, 5, 1)})
            put_metadata("raw", b"bytes", namespace="debug")
            return "done"

        print(handler())
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.returncode, outcome.stderr, outcome.stdout) == (0, "", "done\n")
    (handler,) = outcome.documents
    assert handler["annotations"] == {
        "customerid": 1234,
        "tier": "gold",
        "vip": True,
        "discount": "nan",
    }
    assert handler["metadata"] == {
        "default": {"order": {"items": [1, 2], "when": "datetime.date(2024, 5, 1)"}},
        "debug": {"raw": "b'bytes'"},
    }


def test_metadata_values_too_large_for_a_datagram_are_cut(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """A 1 MB value would make the datagram undeliverable: it is cut to 16 KiB."""
    code = """
        from fleece.xray import put_metadata, trace_xray_subsegment

        @trace_xray_subsegment
        def handler():
            put_metadata("payload", {"rows": ["row"] * 200_000})

        handler()
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    (handler,) = outcome.documents
    payload = handler["metadata"]["default"]["payload"]
    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert payload.startswith('{"rows": ["row", "row"')
    assert len(payload.encode()) <= 16 * 1024
    assert len(xray_daemon.datagrams[0]) < 64 * 1024


def test_annotations_and_metadata_past_the_datagram_budget_are_dropped_quietly(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """Many large values on one subsegment: it still arrives, under 64 KiB.

    What does not fit is dropped with one warning per process, instead of the
    SDK failing to send the subsegment and logging a traceback on every call.
    """
    code = """
        from fleece.xray import put_annotation, put_metadata, trace_xray_subsegment

        @trace_xray_subsegment
        def handler(*blobs):
            for i in range(8):
                put_metadata(f"m{i}", "m" * 20_000)
            for i in range(100):
                put_annotation(f"a{i}", "a" * 2_000)
            raise ValueError("v" * 5_000)

        for _ in range(2):
            try:
                handler(*["b" * 2_000] * 30)
            except ValueError:
                print("raised")
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.returncode, outcome.stdout) == (0, "raised\nraised\n")
    (warning,) = outcome.stderr.splitlines()
    assert "must stay under 64 KiB" in warning
    assert [doc["name"] for doc in outcome.documents] == ["handler", "handler"]
    assert all(len(datagram) < 64 * 1024 for datagram in xray_daemon.datagrams)
    first = outcome.documents[0]
    kept = first["metadata"]["default"]
    assert {"args", "kwargs", "m0"} <= set(kept)
    assert "m7" not in kept
    assert "a99" not in first.get("annotations", {})
    assert first["fault"] is True


@pytest.mark.parametrize(
    ("namespace", "error"),
    [("AWS.internal", ValueError), ("", ValueError), (7, TypeError)],
)
def test_a_reserved_or_invalid_metadata_namespace_is_refused(
    namespace: Any, error: type[Exception]
) -> None:
    """X-Ray reserves AWS.*: the mistake shows up at once, even when not traced."""
    with pytest.raises(error, match="namespace"):
        put_metadata("key", "value", namespace=namespace)


def test_annotations_outside_a_trace_do_nothing() -> None:
    """Not traced: put_annotation and put_metadata are silent no-ops."""
    assert put_annotation("key", "value") is None
    assert put_metadata("key", {"a": 1}) is None
