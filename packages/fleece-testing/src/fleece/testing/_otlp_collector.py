"""A real OTLP/HTTP collector on 127.0.0.1 that decodes and keeps the spans it gets."""

from __future__ import annotations

import gzip
import importlib.util
import threading
import zlib
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from fleece.testing._http_server import Answer, RecordedRequest, ScriptedHTTPServer

TRACES_PATH = "/v1/traces"


class OTLPNotInstalledError(RuntimeError):
    """opentelemetry-proto is needed to decode spans but is not installed."""


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as the collector received it, ids in hex."""

    name: str
    trace_id: str
    """32 hex digits."""
    span_id: str
    """16 hex digits."""
    parent_span_id: str | None
    """16 hex digits, or None for a root span."""
    kind: str
    """``INTERNAL``, ``CLIENT``, ``SERVER``, ``PRODUCER`` or ``CONSUMER``."""
    attributes: dict[str, Any]
    status_code: str
    """``UNSET``, ``OK`` or ``ERROR``."""
    status_message: str
    events: list[tuple[str, dict[str, Any]]]
    """``(name, attributes)`` of each event, e.g. ``exception``."""
    resource: dict[str, Any] = field(default_factory=dict)
    scope: str = ""
    """The name of the instrumentation scope (the tracer's name)."""

    @property
    def status(self) -> str:
        """The status code, as ``status_code``."""
        return self.status_code

    @property
    def xray_trace_id(self) -> str:
        """The trace id as X-Ray writes it: ``1-<8 hex>-<24 hex>``."""
        return f"1-{self.trace_id[:8]}-{self.trace_id[8:]}"


class OTLPCollector:
    """Accepts OTLP/HTTP protobuf exports on ``/v1/traces`` and decodes their spans.

    A :class:`ScriptedHTTPServer` underneath; point an exporter at it with ``env``
    (``OTEL_EXPORTER_OTLP_ENDPOINT``). To play a collector that is down or slow,
    set ``status`` (the HTTP status answered) or ``delay`` (seconds before
    answering).

    Raises:
        OTLPNotInstalledError: opentelemetry-proto is not installed.
    """

    def __init__(self) -> None:
        if importlib.util.find_spec("opentelemetry.proto") is None:
            raise OTLPNotInstalledError(
                "the OTLP collector decodes spans with opentelemetry-proto: "
                "pip install 'fleece-testing[otel]'"
            )
        self.spans: list[ReceivedSpan] = []
        self.errors: list[str] = []
        self.status = 200
        self.delay = 0.0
        self._condition = threading.Condition()
        self.server = ScriptedHTTPServer()
        """The HTTP server underneath (every request is in its ``requests``)."""
        self.server.set_handler(self._receive)

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``, the value for ``OTEL_EXPORTER_OTLP_ENDPOINT``."""
        return self.server.url

    @property
    def env(self) -> dict[str, str]:
        """Environment variables pointing OpenTelemetry's OTLP exporter here."""
        return {
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        }

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order."""
        return self.server.requests

    def start(self) -> OTLPCollector:
        """Serve in a background thread; returns the collector."""
        self.server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.stop()

    def __enter__(self) -> OTLPCollector:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def clear(self) -> None:
        """Forget everything received so far."""
        with self._condition:
            self.spans.clear()
            self.errors.clear()
            self.server.requests.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedSpan]:
        """Wait until ``count`` spans have arrived and return them all.

        Raises:
            TimeoutError: fewer spans arrived within ``timeout`` seconds.
        """
        with self._condition:
            if not self._condition.wait_for(lambda: len(self.spans) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} spans, received {len(self.spans)}: "
                    f"{[span.name for span in self.spans]}"
                )
            return list(self.spans)

    def named(self, name: str) -> list[ReceivedSpan]:
        """The spans received so far called ``name``."""
        with self._condition:
            return [span for span in self.spans if span.name == name]

    def _receive(self, request: RecordedRequest) -> Answer:
        """Decode and keep one export's spans; the answer to give."""
        status = self.status
        if status == 200 and request.path != TRACES_PATH:
            status = 404
        if status == 200:
            try:
                spans = decode_spans(_decompress(request.body, request.headers))
            except Exception as error:
                status = 400
                with self._condition:
                    self.errors.append(f"undecodable export: {error!r}")
            else:
                with self._condition:
                    self.spans.extend(spans)
                    self._condition.notify_all()
        # An empty ExportTraceServiceResponse is an empty protobuf message.
        return Answer(
            status, b"", {"Content-Type": "application/x-protobuf"}, stall=self.delay
        )


def _decompress(body: bytes, headers: Message) -> bytes:
    encoding = str(headers.get("Content-Encoding", "")).lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


def decode_spans(body: bytes) -> list[ReceivedSpan]:
    """The spans of an OTLP ``ExportTraceServiceRequest`` in protobuf."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans: list[ReceivedSpan] = []
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        name=span.name,
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        kind=Span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
                        attributes=_attributes(span.attributes),
                        status_code=Status.StatusCode.Name(
                            span.status.code
                        ).removeprefix("STATUS_CODE_"),
                        status_message=span.status.message,
                        events=[
                            (event.name, _attributes(event.attributes))
                            for event in span.events
                        ],
                        resource=resource,
                        scope=scope_spans.scope.name,
                    )
                )
    return spans


def _attributes(key_values: Any) -> dict[str, Any]:
    return {item.key: _value(item.value) for item in key_values}


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    value = getattr(any_value, kind)
    if kind == "array_value":
        return tuple(_value(item) for item in value.values)
    if kind == "kvlist_value":
        return _attributes(value.values)
    return value
