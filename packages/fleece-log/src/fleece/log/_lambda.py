"""The Lambda handler decorator that puts request ids into every line."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping

from fleece.log._context import CONTEXT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _Result = TypeVar("_Result")


class _ColdStart:
    """Whether this process has not served an invocation yet (one per process)."""

    def __init__(self) -> None:
        self.pending = True

    def take(self) -> bool:
        pending, self.pending = self.pending, False
        return pending


_COLD_START = _ColdStart()


def _xray_trace_id() -> str | None:
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "Root" and value:
            return value
    return None


def _api_request_id(event: object) -> object:
    """The API Gateway request id of an event, or None.

    Proxy, HTTP API and Function URL events keep it in requestContext; the 1.x
    request-template event in rawContext.
    """
    if not isinstance(event, Mapping):
        return None
    for context_key in ("requestContext", "rawContext"):
        request_context = event.get(context_key)
        if isinstance(request_context, Mapping):
            request_id = request_context.get("requestId")
            if request_id is not None:
                return request_id
    return None


def _invocation_fields(event: object, context: object) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    request_id = getattr(context, "aws_request_id", None)
    if request_id is not None:
        fields["lambda_request_id"] = request_id
    function_name = getattr(context, "function_name", None)
    if function_name is not None:
        fields["function_name"] = function_name
    api_request_id = _api_request_id(event)
    if api_request_id is not None:
        fields["api_request_id"] = api_request_id
    fields["cold_start"] = _COLD_START.take()
    trace_id = _xray_trace_id()
    if trace_id is not None:
        fields["xray_trace_id"] = trace_id
    return fields


def inject_request_ids_into_environment(
    handler: Callable[[Any, Any], _Result],
) -> Callable[[Any, Any], _Result]:
    """Decorate a Lambda handler so that every line logged during it has its ids.

    During the invocation every line carries ``lambda_request_id``,
    ``api_request_id`` (API Gateway and Function URL events), ``function_name``,
    ``cold_start`` and ``xray_trace_id`` (when ``_X_AMZN_TRACE_ID`` is set). They, and
    whatever the handler bound with ``bind_context``, are removed when it returns or
    raises. Fields the event or context lack are left out.

    Args:
        handler: A Lambda handler taking ``(event, context)``.

    Returns:
        The decorated handler.
    """

    @functools.wraps(handler)
    def invoke(event: Any, context: Any) -> _Result:
        token = CONTEXT.set({**CONTEXT.get(), **_invocation_fields(event, context)})
        try:
            return handler(event, context)
        finally:
            CONTEXT.reset(token)

    return invoke


inject_lambda_context = inject_request_ids_into_environment
