"""Trace every botocore call and requests request, patched when those modules load.

With aws-xray-sdk, the wrappers reuse its metadata processors (operation, region,
request id, HTTP method/URL/status) and trace header injection, but call into the SDK
only while tracing is active, so untraced code pays nothing and logs nothing. With
OpenTelemetry, its botocore and requests instrumentations do the work.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

from fleece.xray import _otel as otel
from fleece.xray._activity import active_recorder, preload_sdk_in_lambda
from fleece.xray._backend import uses_otel
from fleece.xray._recording import record_call
from fleece.xray._warnings import warn_once

# The SDK's own patch() checks this flag too, so it never wraps botocore twice.
_BOTOCORE_FLAG = "_xray_enabled"
_REQUESTS_FLAG = "_fleece_xray_enabled"
_OTEL_FLAG = "_fleece_xray_otel_enabled"
_SDK_SAMPLING_OPERATIONS = frozenset(
    {"GetSamplingRules", "GetSamplingTargets", "PutTraceSegments"}
)

_hooks_lock = threading.Lock()
_hooked: set[str] = set()


def _patch_when_imported(module: str, patcher: Any) -> None:
    import wrapt

    with _hooks_lock:
        if module in _hooked:
            return
        _hooked.add(module)
    # Runs now if the module is loaded already, else right after its import.
    wrapt.register_post_import_hook(patcher, module)


def monkey_patch_botocore_for_xray() -> None:
    """Record every AWS API call made through botocore (boto3, fleece.boto3).

    Each call becomes a subsegment (namespace ``aws``, named after the service) with
    the operation, region, request id and HTTP status, and carries the trace header
    to AWS. Idempotent; botocore is patched when it is first imported, so calling
    this does not import it.
    """
    _patch_when_imported("botocore.client", _patch_botocore)
    if not uses_otel():
        preload_sdk_in_lambda()


def monkey_patch_requests_for_xray() -> None:
    """Record every HTTP request made through requests (and fleece.requests).

    Each request becomes a subsegment (namespace ``remote``, named after the host)
    with the method, URL (without query string) and status, and sends the
    ``X-Amzn-Trace-Id`` header. Idempotent; requests is patched when it is first
    imported, so calling this does not import it.
    """
    _patch_when_imported("requests", _patch_requests)
    if not uses_otel():
        preload_sdk_in_lambda()


def _patch_botocore(client_module: ModuleType) -> None:
    # Runs while `import botocore.client` completes: the module is passed in, as
    # `botocore.client` is not yet an attribute of the botocore package.
    if uses_otel():
        _instrument(
            client_module,
            "botocore",
            "opentelemetry.instrumentation.botocore",
            "BotocoreInstrumentor",
            "BaseClient._make_api_call",
        )
        return
    _wrap_once(
        client_module,
        _BOTOCORE_FLAG,
        "botocore",
        [
            # Named, so that wrapt imports it inside the guard; first, so that a
            # failed import leaves botocore unwrapped.
            (
                "botocore.endpoint",
                "Endpoint.prepare_request",
                _botocore_request_with_header,
            ),
            (client_module, "BaseClient._make_api_call", _traced_api_call),
        ],
    )


def _patch_requests(requests: ModuleType) -> None:
    if uses_otel():
        _instrument(
            requests,
            "requests",
            "opentelemetry.instrumentation.requests",
            "RequestsInstrumentor",
            "Session.send",
        )
        return
    _wrap_once(
        requests,
        _REQUESTS_FLAG,
        "requests",
        [
            (requests, "Session.request", _traced_request),
            (requests, "Session.prepare_request", _requests_request_with_header),
        ],
    )


def _wrap_once(
    module: ModuleType,
    flag: str,
    library: str,
    targets: list[tuple[ModuleType | str, str, Any]],
) -> None:
    """Wrap each ``(module or its name, "Class.method", wrapper)``, once per module.

    ``flag`` is set on ``module`` only when every wrapper is in place.
    """
    import wrapt

    if getattr(module, flag, False):
        return
    try:
        for target, name, wrapper in targets:
            wrapt.wrap_function_wrapper(target, name, wrapper)
    except Exception as error:  # an import hook must never fail the user's import
        warn_once(f"patch-{library}", f"{library} not patched for X-Ray: %r", error)
        return
    setattr(module, flag, True)


def _instrument(
    module: ModuleType,
    library: str,
    instrumentation: str,
    instrumentor: str,
    entry: str,
) -> None:
    """Switch on OpenTelemetry's instrumentation of ``library``, in Lambda's trace.

    ``entry`` (the call each traced operation goes through) is wrapped once more,
    outside the instrumentation, so that a call made outside any span joins the
    trace Lambda started and is flushed when it ends.
    """
    import importlib

    import wrapt

    if getattr(module, _OTEL_FLAG, False):
        return
    try:
        # Its spans go to the global tracer provider, installed (by fleece, if
        # nobody else did) when the first span starts.
        found = getattr(importlib.import_module(instrumentation), instrumentor)()
        if not found.is_instrumented_by_opentelemetry:
            found.instrument(skip_dep_check=True)
        wrapt.wrap_function_wrapper(module, entry, _in_lambda_trace)
    except ImportError as error:
        otel.warn_unavailable(error)
        return
    except Exception as error:  # an import hook must never fail the user's import
        warn_once(f"patch-{library}", f"{library} not instrumented: %r", error)
        return
    setattr(module, _OTEL_FLAG, True)


def _in_lambda_trace(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    joined = otel.join_lambda_trace()
    if joined is None:
        return wrapped(*args, **kwargs)
    try:
        return wrapped(*args, **kwargs)
    finally:
        otel.leave_lambda_trace(joined)


def _traced_api_call(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    recorder = active_recorder(sampled_only=False)
    if recorder is None:
        return wrapped(*args, **kwargs)
    try:
        from aws_xray_sdk.ext.boto_utils import aws_meta_processor

        service = instance._service_model.metadata["endpointPrefix"]
        operation = kwargs.get("operation_name") or args[0]
    except Exception as error:
        warn_once("botocore", "AWS call not traced: %r", error)
        return wrapped(*args, **kwargs)
    if service == "xray" and operation in _SDK_SAMPLING_OPERATIONS:
        return wrapped(*args, **kwargs)
    return record_call(
        recorder,
        service,
        "aws",
        wrapped,
        args,
        kwargs,
        instance=instance,
        meta_processor=aws_meta_processor,
    )


def _add_trace_header(recorder: Any, headers: Any) -> None:
    try:
        from aws_xray_sdk.ext.util import inject_trace_header

        subsegment = recorder.current_subsegment()
        if subsegment is not None:
            inject_trace_header(headers, subsegment)
    except Exception as error:
        warn_once("header", "X-Ray trace header not sent: %r", error)


def _botocore_request_with_header(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    recorder = active_recorder(sampled_only=False)
    if recorder is not None:
        request: Any = args[0] if args else kwargs.get("request")
        url = str(getattr(request, "url", ""))
        # The SDK's own sampling calls must not carry a trace header.
        if "GetCentralizedSamplingRules" not in url and "SamplingTargets" not in url:
            _add_trace_header(recorder, request.headers)
    return wrapped(*args, **kwargs)


def _traced_request(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    recorder = active_recorder(sampled_only=False)
    if recorder is None:
        return wrapped(*args, **kwargs)
    try:
        from aws_xray_sdk.ext.util import get_hostname

        name = get_hostname(kwargs.get("url") or args[1])
    except Exception as error:
        warn_once("requests", "HTTP request not traced: %r", error)
        return wrapped(*args, **kwargs)
    return record_call(
        recorder,
        name,
        "remote",
        wrapped,
        args,
        kwargs,
        instance=instance,
        meta_processor=_http_processor,
    )


def _http_processor(
    *,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    return_value: Any,
    exception: BaseException | None,
    subsegment: Any,
    stack: Any,
    **_: Any,
) -> None:
    from aws_xray_sdk.core.models import http
    from aws_xray_sdk.ext.util import strip_url

    method = kwargs.get("method") or args[0]
    url = kwargs.get("url") or args[1]
    # requests.get() passes "get"; X-Ray shows what went on the wire.
    subsegment.put_http_meta(http.METHOD, str(method).upper())
    subsegment.put_http_meta(http.URL, strip_url(str(url)))
    if return_value is not None:
        subsegment.put_http_meta(http.STATUS, return_value.status_code)
    elif exception is not None:
        subsegment.add_exception(exception, stack)


def _requests_request_with_header(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    recorder = active_recorder(sampled_only=False)
    if recorder is not None:
        request: Any = args[0] if args else kwargs.get("request")
        if getattr(request, "headers", None) is None:
            request.headers = {}
        _add_trace_header(recorder, request.headers)
    return wrapped(*args, **kwargs)
