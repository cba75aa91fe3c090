"""Annotations and metadata on the current X-Ray (sub)segment or OpenTelemetry span."""

from __future__ import annotations

import weakref
from typing import Any

from fleece.xray import _otel as otel
from fleece.xray._activity import active_recorder
from fleece.xray._backend import uses_otel
from fleece.xray._safe import (
    ENTITY_BUDGET,
    cut,
    to_safe_annotation_key,
    to_safe_annotation_value,
    to_safe_metadata_value,
)
from fleece.xray._stacks import current_task_stack
from fleece.xray._warnings import LOGGER, warn_once


def _writable_entity(recorder: Any) -> Any:
    entity = recorder.get_trace_entity()
    # Lambda's own segment (the facade) is read-only: the SDK raises on any change.
    if entity is not None and getattr(entity, "initializing", None) is not None:
        # An untraced task started by a traced coroutine: annotate that coroutine.
        stack = current_task_stack()
        entity = stack[-1] if stack else None
    if entity is None:
        LOGGER.debug("no X-Ray subsegment open; annotation or metadata dropped")
    return entity


_used_bytes: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
"""JSON bytes of annotations and metadata counted so far on each open entity."""


def _fits(entity: Any, key: str, value: object) -> bool:
    """Whether ``entity`` has room for one more annotation or metadata value.

    Its datagram must stay under 64 KiB, or the SDK fails to send it and logs an
    error each time (X-Ray refuses larger documents from the collector too); what
    does not fit is dropped, with one warning per process.
    """
    import json  # loaded by aws-xray-sdk already whenever tracing is active

    used = _used_bytes.get(entity)
    if used is None:  # the first value: count what the entity holds already
        held = (
            [entity.annotations, entity.metadata]
            if hasattr(entity, "annotations")
            else dict(otel.span_attributes(entity))
        )
        used = len(json.dumps(held, default=str))
    # A value replacing one under the same key is counted twice: a safe overcount.
    added = len(json.dumps([key, value]))  # safe values: JSON types only
    if used + added <= ENTITY_BUDGET:
        _used_bytes[entity] = used + added
        return True
    warn_once(
        "budget",
        "X-Ray annotation or metadata %r dropped: the subsegment holds %d bytes "
        "of them already, and its datagram must stay under 64 KiB",
        key,
        used,
    )
    return False


def put_annotation(key: str, value: object) -> None:
    """Annotate the current X-Ray (sub)segment; annotations are indexed for search.

    The key keeps only ASCII letters, digits and underscores; the value stays a
    string, a finite number or a boolean (anything else becomes its ``str()``). In
    Lambda an annotation needs an open subsegment (a decorated function running);
    without one, or when nothing is traced, the call does nothing. Annotations and
    metadata past 54 KiB on one subsegment are dropped, so that it can be sent.

    Args:
        key: the annotation's name.
        value: its value.
    """
    entity = _current_entity()
    if entity is None:
        return
    safe_key = to_safe_annotation_key(key)
    if not safe_key:
        LOGGER.debug("X-Ray annotation key %r has no usable character", key)
        return
    try:
        if entity is _WRITABLE:
            entity = _writable_entity(active_recorder())
        safe_value = to_safe_annotation_value(value)
        if entity is not None and _fits(entity, safe_key, safe_value):
            if hasattr(entity, "put_annotation"):
                entity.put_annotation(safe_key, safe_value)
            else:
                otel.annotate(entity, safe_key, safe_value)
    except Exception as error:
        warn_once("annotation", "X-Ray annotation not recorded: %r", error)


_WRITABLE = object()
"""Stands for aws-xray-sdk's current entity, looked up once a value is to be set."""


def _current_entity() -> Any:
    """The recording OpenTelemetry span, ``_WRITABLE`` for aws-xray-sdk, or None."""
    if uses_otel():
        return otel.recording_span()
    return None if active_recorder() is None else _WRITABLE


def put_metadata(key: str, value: object, namespace: str = "default") -> None:
    """Attach metadata (not indexed) to the current X-Ray (sub)segment.

    The value is copied into JSON types: containers, strings, finite numbers,
    booleans and None are kept, anything else becomes its repr (cut to 1 KiB), and a
    value larger than 16 KiB of JSON is cut. Annotations and metadata past 54 KiB
    on one subsegment are dropped, so that it can be sent. Does nothing when
    nothing is traced.

    Args:
        key: the metadata's name within ``namespace``.
        value: what to record.
        namespace: a group of metadata; ``AWS.`` namespaces are reserved by X-Ray.

    Raises:
        TypeError: ``namespace`` is not a string.
        ValueError: ``namespace`` is empty or starts with ``AWS.``.
    """
    if not isinstance(namespace, str):
        raise TypeError(f"put_metadata namespace must be a string, got {namespace!r}")
    if not namespace or namespace.startswith("AWS."):
        raise ValueError(
            f"put_metadata namespace {namespace!r} is not allowed: it must be "
            "non-empty, and X-Ray reserves namespaces starting with 'AWS.'"
        )
    entity = _current_entity()
    if entity is None:
        return
    try:
        if entity is _WRITABLE:
            entity = _writable_entity(active_recorder())
        safe_key = cut(key if isinstance(key, str) else str(key))
        safe_value = to_safe_metadata_value(value)
        if entity is not None and _fits(entity, safe_key, safe_value):
            if hasattr(entity, "put_metadata"):
                entity.put_metadata(safe_key, safe_value, namespace)
            else:
                otel.add_metadata(entity, safe_key, safe_value, namespace)
    except Exception as error:
        warn_once("metadata", "X-Ray metadata not recorded: %r", error)
