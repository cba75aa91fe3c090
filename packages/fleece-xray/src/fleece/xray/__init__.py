"""AWS X-Ray tracing for Lambda functions, on aws-xray-sdk or OpenTelemetry.

``trace_xray_subsegment`` records calls as subsegments,
``monkey_patch_botocore_for_xray`` and ``monkey_patch_requests_for_xray`` trace every
AWS call and HTTP request, and ``put_annotation``/``put_metadata`` add searchable or
free-form data. ``configure`` (or ``FLEECE_XRAY_BACKEND``) picks the backend. None of
it ever breaks the traced program: without an active, sampled trace it does nothing.
"""

from fleece.xray._annotations import put_annotation, put_metadata
from fleece.xray._backend import BACKEND_ENV, configure
from fleece.xray._decorator import trace_xray_subsegment
from fleece.xray._patching import (
    monkey_patch_botocore_for_xray,
    monkey_patch_requests_for_xray,
)
from fleece.xray._safe import to_safe_annotation_key, to_safe_annotation_value
from fleece.xray._trace_id import XRayTraceID, get_trace_id

__all__ = [
    "BACKEND_ENV",
    "XRayTraceID",
    "configure",
    "get_trace_id",
    "monkey_patch_botocore_for_xray",
    "monkey_patch_requests_for_xray",
    "put_annotation",
    "put_metadata",
    "to_safe_annotation_key",
    "to_safe_annotation_value",
    "trace_xray_subsegment",
]
