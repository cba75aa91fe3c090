"""OpenTelemetry in the test process itself, switched on and off per test.

``FLEECE_XRAY_BACKEND`` and ``OTEL_EXPORTER_OTLP_ENDPOINT`` are followed when a test
changes them: each test traces to its own collector, and a test without the variable
is back on aws-xray-sdk.
"""

from __future__ import annotations

import pytest

from fleece.testing import OTLPCollector, XRayDaemon
from fleece.xray import get_trace_id, put_annotation, trace_xray_subsegment

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"
HEADER = f"Root={ROOT};Parent={PARENT};Sampled=1"


@trace_xray_subsegment
def greet(name: str) -> str:
    """A traced function defined before any environment is set."""
    put_annotation("greeted", name)
    return f"hello {name}"


@pytest.mark.parametrize("attempt", ["first", "second"])
def test_each_test_can_trace_through_opentelemetry_to_its_own_collector(
    otlp_collector: OTLPCollector, monkeypatch: pytest.MonkeyPatch, attempt: str
) -> None:
    """Backend, endpoint and trace header set by the test are picked up in-process."""
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("FLEECE_XRAY_BACKEND", "otel")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    for name, value in otlp_collector.env.items():
        monkeypatch.setenv(name, value)

    assert greet(attempt) == f"hello {attempt}"
    (span,) = otlp_collector.wait_for(1)
    assert (span.name, span.parent_span_id, span.xray_trace_id) == (
        "greet",
        PARENT,
        ROOT,
    )
    assert span.attributes["greeted"] == attempt
    assert span.attributes["aws.xray.annotations"] == ("greeted",)


def test_without_the_variable_the_next_test_is_on_aws_xray_sdk_again(
    xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fleece's own OpenTelemetry provider does not make ``auto`` choose it."""
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", xray_daemon.address)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", HEADER)
    monkeypatch.delenv("FLEECE_XRAY_BACKEND", raising=False)

    assert greet("again") == "hello again"
    (document,) = xray_daemon.wait_for(1)
    assert (document["name"], document["parent_id"]) == ("greet", PARENT)
    assert get_trace_id() == (ROOT, PARENT, True)
