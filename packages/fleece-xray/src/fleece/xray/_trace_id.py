"""``get_trace_id()``: the X-Ray ids of the current trace, as fleece 1.x gave them."""

from __future__ import annotations

import os
from typing import NamedTuple

from fleece.xray import _otel as otel
from fleece.xray._activity import active_recorder
from fleece.xray._backend import uses_otel
from fleece.xray._environment import TRACE_HEADER_ENV
from fleece.xray._trace_header import trace_header_fields
from fleece.xray._warnings import warn_once


class XRayTraceID(NamedTuple):
    """The current X-Ray trace: what a downstream call's trace header carries."""

    trace_id: str
    """``1-<8 hex digits>-<24 hex digits>``, the ``Root`` of the trace."""
    parent_id: str
    """The id (16 hex digits) of the current subsegment or span; Lambda's
    ``Parent`` when none is open."""
    sampled: bool
    """Whether the trace is recorded."""


def get_trace_id() -> XRayTraceID | None:
    """The X-Ray trace id, parent id and sampled flag of the current trace.

    With a (sub)segment or span open, its ids; otherwise those of the trace Lambda
    started for the invocation (``_X_AMZN_TRACE_ID``). None outside a trace or with
    a malformed trace header. Never raises.
    """
    try:
        ids = otel.current_ids() if uses_otel() else _open_entity_ids()
    except Exception as error:
        warn_once("trace-id", "X-Ray trace id not read: %r", error)
        ids = None
    if ids is not None:
        return XRayTraceID(*ids)
    fields = trace_header_fields(os.environ.get(TRACE_HEADER_ENV, ""))
    if fields is None:
        return None
    return XRayTraceID(fields["Root"], fields["Parent"], fields.get("Sampled") == "1")


def _open_entity_ids() -> tuple[str, str, bool] | None:
    recorder = active_recorder(sampled_only=False)
    if recorder is None:
        return None
    entity = recorder.get_trace_entity()
    if entity is None:
        return None
    return str(entity.trace_id), str(entity.id), bool(entity.sampled)
