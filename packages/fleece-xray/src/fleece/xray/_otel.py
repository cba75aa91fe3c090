"""The OpenTelemetry backend: spans with X-Ray ids, in Lambda's trace, sent over OTLP.

Spans start under the span that is current (one of fleece's, or one opened by the
ADOT layer or the application); with none, under the ``Parent`` of Lambda's
``_X_AMZN_TRACE_ID``, so they join the trace Lambda started and share its sampling
decision. Without an installed tracer provider, fleece installs one: X-Ray ids
(``AwsXRayIdGenerator``) and a batch of spans exported over OTLP/HTTP to
``OTEL_EXPORTER_OTLP_ENDPOINT`` (the ADOT collector extension: ``localhost:4318``).
The outermost span of an invocation flushes the batch when it ends, within
``flush_timeout`` seconds, before Lambda freezes the process.

Annotations and metadata become span attributes as the ADOT collector's ``awsxray``
exporter reads them: an annotation is an attribute whose key is listed in the
``aws.xray.annotations`` attribute; the metadata of namespace ``N`` is the JSON
object in the attribute ``aws.xray.metadata.N``.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import threading
from contextvars import ContextVar
from typing import Any, NamedTuple

from fleece.xray._environment import LAMBDA_KEY, TRACE_HEADER_KEY, read_env
from fleece.xray._safe import METADATA_LIMIT, cut, safe_str
from fleece.xray._trace_header import INVALID, SAMPLED, trace_header_state
from fleece.xray._warnings import warn_once

ANNOTATIONS_ATTRIBUTE = "aws.xray.annotations"
"""The span attribute listing the attribute keys X-Ray indexes as annotations."""

METADATA_PREFIX = "aws.xray.metadata."
"""``aws.xray.metadata.<namespace>``: that namespace's metadata, a JSON object."""

FLUSH_TIMEOUT = 1.0
"""Seconds the end of an invocation may wait for its spans to be exported."""

_DEFAULT_METADATA = METADATA_PREFIX + "default"
_encode_string = json.encoder.encode_basestring_ascii
_TRACE_HEADER = "X-Amzn-Trace-Id"
_EXPORT_LOGGERS = (
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.otlp.common.http",
    "urllib3.connectionpool",
    "urllib3.util.retry",
)
_modules = sys.modules


class _LambdaParent(NamedTuple):
    span: Any
    """A non-recording span carrying Lambda's Root, Parent and Sampled."""
    sampled: bool


class Opened(NamedTuple):
    """A span fleece started, and what ending it takes."""

    span: Any
    token: Any
    outermost: bool


class _OTel:
    """OpenTelemetry's pieces, filled in once by ``load``."""

    __slots__ = (
        "attach",
        "current_span",
        "detach",
        "error_status",
        "failed",
        "flush_timeout",
        "get_current",
        "header",
        "lock",
        "owns_provider",
        "propagator",
        "provider",
        "set_span",
        "set_value",
        "span_key",
        "suppress_key",
        "tracer",
    )

    def __init__(self) -> None:
        self.tracer: Any = None
        self.provider: Any = None
        self.failed = False
        self.owns_provider = False
        self.flush_timeout = FLUSH_TIMEOUT
        self.lock = threading.Lock()
        self.header: tuple[Any, _LambdaParent | None] = (None, None)
        self.get_current: Any = None
        self.current_span: Any = None
        self.set_span: Any = None
        self.set_value: Any = None
        self.span_key: Any = None
        self.attach: Any = None
        self.detach: Any = None
        self.suppress_key: Any = None
        self.propagator: Any = None
        self.error_status: Any = None


_otel = _OTel()


def owns_provider() -> bool:
    """Whether the global tracer provider is the one fleece installed."""
    return _otel.owns_provider


def set_flush_timeout(seconds: float) -> None:
    """Set how long the end of an invocation may wait for the export (see module)."""
    _otel.flush_timeout = seconds


def load() -> Any:
    """Import OpenTelemetry, install a provider if none is; the tracer, or None.

    Without the ``otel`` extra installed, tracing is off, with one warning.
    """
    if _otel.tracer is not None or _otel.failed:
        return _otel.tracer
    with _otel.lock:
        if _otel.tracer is None and not _otel.failed:
            try:
                _set_up()
            except Exception as error:
                _otel.failed = True
                warn_unavailable(error)
    return _otel.tracer


def preload_in_lambda() -> None:
    """Load OpenTelemetry now when in Lambda: the init phase pays, not invocations."""
    if _otel.tracer is None and read_env(LAMBDA_KEY) is not None:
        load()


def warn_unavailable(error: Exception) -> None:
    """Say, once per process, that OpenTelemetry could not be loaded."""
    warn_once(
        "otel-import",
        "X-Ray tracing through OpenTelemetry is off (install fleece-xray[otel]): %r",
        error,
    )


def _set_up() -> None:
    from opentelemetry import context, trace
    from opentelemetry.propagators.aws import AwsXRayPropagator
    from opentelemetry.trace.propagation import _SPAN_KEY

    from fleece.xray._backend import otel_provider_installed

    if not otel_provider_installed():
        trace.set_tracer_provider(_own_provider())
        _otel.owns_provider = True
        _add_xray_propagation()
    _otel.provider = trace.get_tracer_provider()
    runtime = context._RUNTIME_CONTEXT
    # The context variable's own get() (C) when the runtime context is the default
    # one built on contextvars: one Python frame less on every traced call.
    variable = getattr(runtime, "_current_context", None)
    _otel.get_current = (
        variable.get if isinstance(variable, ContextVar) else runtime.get_current
    )
    _otel.span_key = _SPAN_KEY
    _otel.attach = runtime.attach
    _otel.detach = runtime.detach
    _otel.current_span = trace.get_current_span
    _otel.set_span = trace.set_span_in_context
    _otel.suppress_key = context._SUPPRESS_INSTRUMENTATION_KEY
    _otel.propagator = AwsXRayPropagator()
    _otel.set_value = context.set_value
    _otel.error_status = functools.partial(trace.Status, trace.StatusCode.ERROR)
    _otel.tracer = _otel.provider.get_tracer("fleece.xray")


def _own_provider() -> Any:
    """A tracer provider with X-Ray ids exporting over OTLP/HTTP, quiet on failure."""
    import os

    from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes = {"cloud.provider": "aws", "cloud.platform": "aws_lambda"}
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if function_name and not os.environ.get("OTEL_SERVICE_NAME"):
        attributes["service.name"] = function_name
    provider = TracerProvider(
        id_generator=AwsXRayIdGenerator(), resource=Resource.create(attributes)
    )
    # Exported when an invocation ends (or 512 spans wait): a timer firing while
    # Lambda freezes the process would cut an export in half.
    exporter: Any = _QuietExporter()
    provider.add_span_processor(
        BatchSpanProcessor(exporter, schedule_delay_millis=60_000)
    )
    return provider


def _add_xray_propagation() -> None:
    """Send ``X-Amzn-Trace-Id`` downstream too, unless OTEL_PROPAGATORS says else."""
    import os

    if os.environ.get("OTEL_PROPAGATORS"):
        return
    from opentelemetry import propagate
    from opentelemetry.propagators.aws import AwsXRayPropagator
    from opentelemetry.propagators.composite import CompositePropagator

    propagate.set_global_textmap(
        CompositePropagator([propagate.get_global_textmap(), AwsXRayPropagator()])
    )


_exporting = threading.local()


class _ExportLogFilter(logging.Filter):
    """Keeps the exporter's logging to one warning per process.

    While fleece's exporter runs on a thread, the records of the OTLP exporter and
    of urllib3 from that thread are dropped; the first warning or error among them
    becomes fleece's one warning.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(_exporting, "active", False):
            return True
        if record.levelno >= logging.WARNING:
            warn_once("export", "X-Ray spans not exported: %s", record.getMessage())
        return False


_EXPORTER_VARIABLES = (
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
)


class _QuietExporter:
    """An OTLP/HTTP span exporter that never raises and logs one warning at most.

    Wraps OpenTelemetry's ``OTLPSpanExporter`` (the batch processor calls only
    ``export``, ``force_flush`` and ``shutdown``), with its request timeout set to
    the flush timeout unless ``OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT`` says otherwise:
    the flush at the end of an invocation waits for one export at most. When the
    endpoint or timeout settings change (a test pointing at its own collector), the
    next export builds a new exporter from them.
    """

    def __init__(self) -> None:
        from opentelemetry.sdk.trace.export import SpanExportResult

        log_filter = _ExportLogFilter()
        for name in _EXPORT_LOGGERS:
            logging.getLogger(name).addFilter(log_filter)
        self._failure = SpanExportResult.FAILURE
        self._settings: tuple[Any, ...] = ()
        self._exporter: Any = None
        self._follow_settings()

    def _follow_settings(self) -> Any:
        """The exporter for the current settings, built anew if they changed."""
        import os

        settings = (
            *(os.environ.get(name) for name in _EXPORTER_VARIABLES),
            _otel.flush_timeout,
        )
        if settings != self._settings or self._exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                OTLPSpanExporter,
            )

            old, timeout_set = self._exporter, any(settings[2:4])
            # Any: its shutdown() carries no annotations.
            self._exporter = OTLPSpanExporter(
                timeout=None if timeout_set else _otel.flush_timeout
            )
            self._settings = settings
            if old is not None:
                old.shutdown()
        return self._exporter

    def export(self, spans: Any) -> Any:
        """Send ``spans``; a failure is reported once, never raised."""
        _exporting.active = True
        try:
            return self._follow_settings().export(spans)
        except Exception as error:
            warn_once("export", "X-Ray spans not exported: %r", error)
            return self._failure
        finally:
            _exporting.active = False

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Nothing is buffered here: the batch processor holds the spans."""
        return True

    def shutdown(self) -> None:
        """Close the exporter's HTTP session."""
        try:
            self._exporter.shutdown()
        except Exception as error:
            warn_once("export", "X-Ray span exporter not shut down: %r", error)


def _lambda_parent() -> _LambdaParent | None:
    """Lambda's trace from ``_X_AMZN_TRACE_ID``, parsed once per header value."""
    raw = read_env(TRACE_HEADER_KEY)
    if raw is None or read_env(LAMBDA_KEY) is None:
        return None
    last_raw, parent = _otel.header
    if raw == last_raw:
        return parent
    state = trace_header_state()
    parent = None
    if state != INVALID:
        value = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        extracted = _otel.current_span(_otel.propagator.extract({_TRACE_HEADER: value}))
        if extracted.get_span_context().is_valid:
            parent = _LambdaParent(extracted, state == SAMPLED)
    _otel.header = (raw, parent)
    return parent


def _loaded() -> bool:
    """Whether OpenTelemetry is loaded, loading it if there may be a trace.

    There may be one with a Lambda trace header, or with OpenTelemetry imported
    already (someone may have opened a span).
    """
    if _otel.tracer is not None:
        return True
    if (
        read_env(TRACE_HEADER_KEY) is None
        and _modules.get("opentelemetry.trace") is None
    ):
        return False
    return load() is not None


def parent_context() -> tuple[Any, bool] | None:
    """Where a new span goes: ``(context, outermost)``, or None if not traced.

    A recording current span is the parent; with no current span, a sampled Lambda
    trace header is (the span is then the invocation's outermost).
    """
    if _otel.tracer is None and not _loaded():
        return None
    current = _otel.get_current()
    span = current.get(_otel.span_key)
    if span is not None:
        if span.is_recording():
            return current, False
        if span.get_span_context().is_valid:
            return None
    if read_env(TRACE_HEADER_KEY) is None or current.get(_otel.suppress_key):
        return None  # the common untraced case ends here, in about 0.3 µs
    parent = _lambda_parent()
    if parent is None or not parent.sampled:
        return None
    return _otel.set_span(parent.span, current), True


def begin(
    name: str,
    parent: tuple[Any, bool],
    arguments: tuple[list[str], dict[str, str]] | None,
) -> Opened | None:
    """Start a span named ``name`` and make it current; None if OpenTelemetry fails.

    Args:
        name: the span's name.
        parent: what ``parent_context`` returned.
        arguments: argument reprs to record as ``default`` metadata, if any.
    """
    context, outermost = parent
    try:
        attributes = (
            None
            if arguments is None
            else {_DEFAULT_METADATA: _arguments_json(*arguments)}
        )
        span = _otel.tracer.start_span(name, context, attributes=attributes)
        token = _otel.attach(_otel.set_span(span, context))
    except Exception as error:
        warn_once("begin", "X-Ray span %r not recorded: %r", name, error)
        return None
    return Opened(span, token, outermost)


def _arguments_json(args: list[str], kwargs: dict[str, str]) -> str:
    """``json.dumps({"args": args, "kwargs": kwargs})``, at a third of its cost.

    All are strings: each is escaped by the C encoder json.dumps itself uses.
    """
    quote = _encode_string
    return (
        '{"args": ['
        + ", ".join([quote(text) for text in args])
        + '], "kwargs": {'
        + ", ".join([quote(key) + ": " + quote(text) for key, text in kwargs.items()])
        + "}}"
    )


def end(opened: Opened | None, exception: BaseException | None) -> None:
    """End what ``begin`` started, recording ``exception`` (an error if an Exception).

    The outermost span of an invocation also flushes the spans to the collector.
    """
    if opened is None:
        return
    span = opened.span
    try:
        if isinstance(exception, Exception):
            record_error(span, exception)
        span.end()
    except Exception as error:
        warn_once("end", "X-Ray span not recorded: %r", error)
    try:
        _otel.detach(opened.token)
    except Exception as error:  # a coroutine finished in another context
        warn_once("detach", "X-Ray span context not restored: %r", error)
    if opened.outermost:
        flush()


def record_error(span: Any, exception: BaseException) -> None:
    """Mark ``span`` failed (status ERROR) with an ``exception`` event."""
    import traceback

    message = cut(safe_str(exception))
    kind = type(exception)
    name = kind.__qualname__
    if kind.__module__ not in ("builtins", "__main__"):
        name = f"{kind.__module__}.{name}"
    span.set_status(_otel.error_status(f"{name}: {message}"))
    span.add_event(
        "exception",
        {
            "exception.type": name,
            "exception.message": message,
            "exception.stacktrace": cut(
                "".join(traceback.format_exception(exception)), METADATA_LIMIT
            ),
        },
    )


def flush() -> None:
    """Export the finished spans now, within the flush timeout; never raises."""
    force_flush = getattr(_otel.provider, "force_flush", None)
    if force_flush is None:
        return
    try:
        force_flush(int(_otel.flush_timeout * 1000))
    except Exception as error:
        warn_once("flush", "X-Ray spans not flushed: %r", error)


def recording_span() -> Any:
    """The current span if it records (fleece's or anyone's), else None."""
    if not _loaded():
        return None
    span = _otel.current_span(_otel.get_current())
    return span if span.is_recording() else None


def span_attributes(span: Any) -> Any:
    """The attributes set on ``span`` so far (empty for spans that hide them)."""
    attributes = getattr(span, "attributes", None)
    return attributes if attributes is not None else {}


def annotate(span: Any, key: str, value: str | float | bool) -> None:
    """Set ``key`` on ``span`` and list it among the keys X-Ray indexes."""
    span.set_attribute(key, value)
    keys = span_attributes(span).get(ANNOTATIONS_ATTRIBUTE) or ()
    if key not in keys:
        span.set_attribute(ANNOTATIONS_ATTRIBUTE, (*keys, key))


def add_metadata(span: Any, key: str, value: Any, namespace: str) -> None:
    """Merge ``{key: value}`` into the JSON metadata of ``namespace`` on ``span``."""
    name = METADATA_PREFIX + namespace
    held = span_attributes(span).get(name)
    try:
        metadata = json.loads(held) if isinstance(held, str) else {}
    except ValueError:
        metadata = {}
    if not isinstance(metadata, dict):
        metadata = {}
    metadata[key] = value
    span.set_attribute(name, json.dumps(metadata))


def current_ids() -> tuple[str, str, bool] | None:
    """``(X-Ray trace id, span id, sampled)`` of the current span, if there is one."""
    if not _loaded():
        return None
    span_context = _otel.current_span(_otel.get_current()).get_span_context()
    if not span_context.is_valid:
        return None
    trace_id = f"{span_context.trace_id:032x}"
    return (
        f"1-{trace_id[:8]}-{trace_id[8:]}",
        f"{span_context.span_id:016x}",
        bool(span_context.trace_flags.sampled),
    )


def join_lambda_trace() -> tuple[Any, bool] | None:
    """Make Lambda's trace current for an instrumented call made outside any span.

    Returns:
        ``(token to detach, whether to flush after)``, or None to leave things be.
        Outside Lambda, with fleece's own provider, instrumentation is suppressed:
        as with aws-xray-sdk, nothing is traced there without an open span.
    """
    if not _loaded():
        return None
    current = _otel.get_current()
    if (
        current.get(_otel.suppress_key)
        or _otel.current_span(current).get_span_context().is_valid
    ):
        return None
    parent = _lambda_parent()
    if parent is None:
        if not _otel.owns_provider:
            return None
        return _otel.attach(_otel.set_value(_otel.suppress_key, True, current)), False
    return _otel.attach(_otel.set_span(parent.span, current)), parent.sampled


def leave_lambda_trace(joined: tuple[Any, bool]) -> None:
    """Undo ``join_lambda_trace``, flushing when it joined a sampled trace."""
    token, sampled = joined
    try:
        _otel.detach(token)
    except Exception as error:
        warn_once("detach", "X-Ray span context not restored: %r", error)
    if sampled:
        flush()
