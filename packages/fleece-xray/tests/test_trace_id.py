"""get_trace_id(), fleece 1.x's name, on both backends; configure()'s checks."""

from __future__ import annotations

from typing import Any

import pytest

from fleece.xray import XRayTraceID, configure, get_trace_id, to_safe_annotation_value

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"

CODE = """
    import json, os, sys
    from fleece.xray import get_trace_id, trace_xray_subsegment

    @trace_xray_subsegment
    def handler():
        return get_trace_id()

    inside = handler()
    outside = get_trace_id()
    del os.environ["_X_AMZN_TRACE_ID"]
    print(json.dumps([inside, outside, get_trace_id(), inside._fields]))
    sys.stdout.flush()
    os._exit(0)
"""


def test_get_trace_id_gives_the_current_ids_and_none_outside_a_trace(
    on_backend: Any,
) -> None:
    """Inside a call: its subsegment's id; between calls: Lambda's; no trace: None."""
    outcome, received = on_backend.run(CODE)

    assert outcome.returncode == 0, outcome.stderr
    inside, outside, no_trace, fields = outcome.result()
    (handler,) = received
    handler_id = handler["id"] if on_backend.backend == "xray-sdk" else handler.span_id
    assert inside == [ROOT, handler_id, True]
    assert outside == [ROOT, PARENT, True]
    assert no_trace is None
    assert fields == ["trace_id", "parent_id", "sampled"]


def test_get_trace_id_reads_an_unsampled_header_and_refuses_a_mangled_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sampled=0 is still a trace (not recorded); a malformed header is none."""
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={PARENT};Sampled=0")
    assert get_trace_id() == XRayTraceID(ROOT, PARENT, False)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-oops;Parent=;Sampled=1")
    assert get_trace_id() is None


def test_configure_refuses_unknown_backends_and_bad_flush_timeouts() -> None:
    """Mistakes in configure() are errors naming what is accepted."""
    with pytest.raises(ValueError, match="'otel', 'xray-sdk', 'auto'"):
        configure(backend="jaeger")
    for timeout in (0, -1, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="positive number of seconds"):
            configure(flush_timeout=timeout)


def test_an_unknown_backend_variable_warns_once_and_falls_back_to_auto(
    scenarios: Any,
) -> None:
    """FLEECE_XRAY_BACKEND=zipkin: one warning, then aws-xray-sdk (no provider)."""
    code = """
        import json, sys
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        def handler():
            return "ok"

        print(json.dumps([handler(), handler()]))
    """
    outcome = scenarios.run(code, {"FLEECE_XRAY_BACKEND": "zipkin"})

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.result() == ["ok", "ok"]
    (line,) = outcome.stderr.splitlines()
    assert "FLEECE_XRAY_BACKEND='zipkin' is not one of otel, xray-sdk, auto" in line


def test_annotation_numbers_stay_numbers_unlike_1x() -> None:
    """2.0 keeps 5 as 5 (1.x gave '5') so that X-Ray filters can compare numbers."""
    assert to_safe_annotation_value(5) == 5
    assert to_safe_annotation_value(2.5) == 2.5
