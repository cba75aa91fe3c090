"""One traced program, both backends: X-Ray would show the same trace either way.

The program runs once with aws-xray-sdk (documents read from a UDP daemon) and once
with OpenTelemetry (spans read from an OTLP collector). Spans are named as the ADOT
collector's X-Ray exporter names the subsegments it makes of them: an AWS call after
its service, an HTTP call after its host.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fleece.testing import (
    MotoServer,
    OTLPCollector,
    ReceivedSpan,
    ScriptedHTTPServer,
    XRayDaemon,
)

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"
HEADER = f"Root={ROOT};Parent={PARENT};Sampled=1"
LAMBDA = "(lambda)"

PROGRAM = """
    import asyncio, os, sys
    import boto3, requests
    from fleece import boto3 as fleece_boto3
    from fleece import requests as fleece_requests
    from fleece.xray import (
        monkey_patch_botocore_for_xray, monkey_patch_requests_for_xray,
        put_annotation, put_metadata, trace_xray_subsegment,
    )

    monkey_patch_botocore_for_xray()
    monkey_patch_requests_for_xray()

    class Declined(Exception):
        pass

    @trace_xray_subsegment(name="charge card")
    def charge(amount):
        put_annotation("amount", amount)
        raise Declined("card declined")

    @trace_xray_subsegment
    async def fetch(n):
        await asyncio.sleep(0.01 * n)
        fleece_requests.get("{url}/items/%d" % n, timeout=5)

    @trace_xray_subsegment
    async def gather_all():
        await asyncio.gather(fetch(1), fetch(2))

    @trace_xray_subsegment
    def handler(event):
        put_annotation("customer", event["customer"])
        put_annotation("vip", True)
        put_metadata("event", event)
        boto3.client("sts").get_caller_identity()
        fleece_boto3.client("sts").get_caller_identity()
        requests.get("{url}/users", timeout=5)
        try:
            charge(12)
        except Declined:
            pass
        asyncio.run(gather_all())

    handler({{"customer": "c-1"}})
    sys.stdout.flush()
    os._exit(0)
"""

Tree = set[tuple[str, str]]


def _xray_view(documents: list[dict[str, Any]]) -> tuple[Tree, dict[str, Any], Any]:
    names = {doc["id"]: doc["name"] for doc in documents}
    names[PARENT] = LAMBDA
    assert {doc["trace_id"] for doc in documents} == {ROOT}
    tree = {(doc["name"].lower(), names[doc["parent_id"]].lower()) for doc in documents}
    annotations = {
        doc["name"]: doc["annotations"] for doc in documents if doc.get("annotations")
    }
    errors = {
        doc["name"]: [e["type"] for e in doc["cause"]["exceptions"]]
        for doc in documents
        if doc.get("fault")
    }
    return tree, annotations, errors


def _xray_name(span: ReceivedSpan) -> str:
    """The subsegment name the X-Ray exporter gives a span."""
    if span.attributes.get("rpc.system") == "aws-api":
        return str(span.attributes["rpc.service"])
    if span.kind == "CLIENT":
        url = span.attributes.get("url.full") or span.attributes["http.url"]
        return str(urlsplit(str(url)).hostname)
    return span.name


def _otel_view(spans: list[ReceivedSpan]) -> tuple[Tree, dict[str, Any], Any]:
    names = {span.span_id: _xray_name(span) for span in spans}
    names[PARENT] = LAMBDA
    assert {span.xray_trace_id for span in spans} == {ROOT}
    tree = {
        (_xray_name(span).lower(), names[str(span.parent_span_id)].lower())
        for span in spans
    }
    annotations = {
        span.name: {key: span.attributes[key] for key in keys}
        for span in spans
        if (keys := span.attributes.get("aws.xray.annotations"))
    }
    errors = {
        span.name: [attrs["exception.type"] for name, attrs in span.events]
        for span in spans
        if span.status_code == "ERROR"
    }
    return tree, annotations, errors


def test_both_backends_give_the_same_tree_annotations_and_errors(
    scenarios: Any,
    xray_daemon: XRayDaemon,
    otlp_collector: OTLPCollector,
    moto_server: MotoServer,
    http_server: ScriptedHTTPServer,
) -> None:
    """Same names and parents, same annotations, same errors, on either backend."""
    http_server.set_default(200, {"ok": True})
    program = PROGRAM.format(url=http_server.url)
    base = {
        **moto_server.env,
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_LAMBDA_FUNCTION_NAME": "orders",
        "_X_AMZN_TRACE_ID": HEADER,
    }
    xray = scenarios.run(
        program,
        {**base, "AWS_XRAY_DAEMON_ADDRESS": xray_daemon.address},
        daemon=xray_daemon,
    )
    otel = scenarios.run(
        program, {**base, "FLEECE_XRAY_BACKEND": "otel"}, collector=otlp_collector
    )

    assert (xray.returncode, xray.stderr) == (0, "")
    assert (otel.returncode, otel.stderr) == (0, "")
    xray_tree, xray_annotations, xray_errors = _xray_view(xray.documents)
    otel_tree, otel_annotations, otel_errors = _otel_view(otlp_collector.spans)
    assert xray_tree == {
        ("handler", LAMBDA),
        ("sts", "handler"),
        ("127.0.0.1", "handler"),
        ("charge card", "handler"),
        ("gather_all", "handler"),
        ("fetch", "gather_all"),
        ("127.0.0.1", "fetch"),
    }
    assert otel_tree == xray_tree
    assert len(xray.documents) == len(otlp_collector.spans) == 10
    assert xray_annotations == {
        "handler": {"customer": "c-1", "vip": True},
        "charge card": {"amount": 12},
    }
    assert otel_annotations == xray_annotations
    assert xray_errors == {"charge card": ["Declined"]}
    assert otel_errors == xray_errors
