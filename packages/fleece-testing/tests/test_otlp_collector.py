import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from fleece.testing import OTLPCollector


def _tracer(endpoint: str, compression=None):
    provider = TracerProvider()
    exporter = OTLPSpanExporter(
        endpoint=f"{endpoint}/v1/traces", timeout=5, compression=compression
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, provider.get_tracer("checkout-service")


def test_collector_decodes_spans_sent_by_the_real_otlp_exporter(otlp_collector):
    """Names, parents, trace ids, attributes, status and events arrive decoded."""
    provider, tracer = _tracer(otlp_collector.endpoint)
    with tracer.start_as_current_span("checkout") as outer:
        outer.set_attribute("aws.xray.annotations", ("order",))
        outer.set_attribute("order", "o-1")
        with tracer.start_as_current_span("charge") as inner:
            inner.set_attribute("amount", 12)
            inner.set_status(Status(StatusCode.ERROR, "card declined"))
            inner.add_event("exception", {"exception.type": "CardDeclined"})
    provider.shutdown()

    charge, checkout = otlp_collector.wait_for(2)
    assert (checkout.name, charge.name) == ("checkout", "charge")
    assert checkout.parent_span_id is None
    assert charge.parent_span_id == checkout.span_id
    assert charge.trace_id == checkout.trace_id
    assert len(charge.trace_id) == 32
    assert (
        checkout.xray_trace_id == f"1-{checkout.trace_id[:8]}-{checkout.trace_id[8:]}"
    )
    assert checkout.attributes == {"aws.xray.annotations": ("order",), "order": "o-1"}
    assert charge.attributes == {"amount": 12}
    assert (charge.status_code, charge.status_message) == ("ERROR", "card declined")
    assert (checkout.status_code, checkout.status) == ("UNSET", "UNSET")
    assert charge.events == [("exception", {"exception.type": "CardDeclined"})]
    assert charge.kind == "INTERNAL"
    assert charge.scope == "checkout-service"
    assert otlp_collector.named("charge") == [charge]
    assert otlp_collector.errors == []


def test_collector_reads_gzip_compressed_exports(otlp_collector):
    """An exporter set to gzip its requests is understood as well."""
    from opentelemetry.exporter.otlp.proto.http import Compression

    provider, tracer = _tracer(otlp_collector.endpoint, Compression.Gzip)
    with tracer.start_as_current_span("compressed"):
        pass
    provider.shutdown()

    (span,) = otlp_collector.wait_for(1)
    assert span.name == "compressed"
    assert otlp_collector.requests[0].headers["Content-Encoding"] == "gzip"


def test_collector_answers_the_status_it_is_given_and_keeps_nothing():
    """A collector playing "down" answers 503 to every export and stores no span."""
    with OTLPCollector() as collector:
        collector.status = 503
        provider = TracerProvider()
        exporter = OTLPSpanExporter(
            endpoint=f"{collector.endpoint}/v1/traces", timeout=1
        )
        result = exporter.export([_finished_span(provider)])
        exporter.shutdown()

        assert result.name == "FAILURE"
        assert len(collector.requests) >= 1
        assert collector.spans == []


def test_wait_for_says_what_arrived_when_too_little_did(otlp_collector):
    """Waiting for spans that never come ends with a TimeoutError naming what came."""
    with pytest.raises(TimeoutError, match=r"expected 1 spans, received 0"):
        otlp_collector.wait_for(1, timeout=0.2)


def test_env_points_the_otlp_exporter_at_the_collector(otlp_collector, monkeypatch):
    """With the collector's env, a default exporter sends to it."""
    for name, value in otlp_collector.env.items():
        monkeypatch.setenv(name, value)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(timeout=5)))
    with provider.get_tracer("t").start_as_current_span("by-env"):
        pass
    provider.shutdown()

    assert [span.name for span in otlp_collector.wait_for(1)] == ["by-env"]


def _finished_span(provider):
    span = provider.get_tracer("t").start_span("lost")
    span.end()
    return span


def test_the_fixture_skips_with_the_pip_line_without_opentelemetry_proto(tmp_path):
    """Without the otel extra a test using otlp_collector is skipped, saying why."""
    import subprocess
    import sys

    (tmp_path / "test_user.py").write_text(
        "def test_traces(otlp_collector):\n    raise AssertionError('never runs')\n"
    )
    (tmp_path / "conftest.py").write_text(
        "import sys\n\nsys.modules['opentelemetry.proto'] = None  # not installed\n"
    )

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "pip install 'fleece-testing[otel]'" in result.stdout
