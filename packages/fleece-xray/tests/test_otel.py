"""The OpenTelemetry backend: the same decorator and patches, spans sent over OTLP.

Each scenario runs in a fresh interpreter set up as Lambda sets one up (environment
variables and trace header), with ``FLEECE_XRAY_BACKEND=otel`` and
``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at a real local collector. Scenarios end
with ``os._exit``: no exit handler runs, so whatever arrived was flushed when the
invocation ended, as it must be before Lambda freezes the process.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from fleece.testing import MotoServer, OTLPCollector, ScriptedHTTPServer

TRACE_ROOT = "1-5759e988-bd862e3fe1be46a994272793"
OTEL_TRACE_ID = "5759e988bd862e3fe1be46a994272793"
LAMBDA_PARENT = "53995c3f42cd8ad8"
LAMBDA_HEADER = f"Root={TRACE_ROOT};Parent={LAMBDA_PARENT};Sampled=1;Lineage=a87bd80c:0"


def otel_env(header: str | None = LAMBDA_HEADER, **extra: str) -> dict[str, str]:
    """Lambda's environment with the OpenTelemetry backend chosen."""
    env = {
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_LAMBDA_FUNCTION_NAME": "orders",
        "FLEECE_XRAY_BACKEND": "otel",
    }
    if header is not None:
        env["_X_AMZN_TRACE_ID"] = header
    env.update(extra)
    return env


NESTED = """
    import asyncio, json, os, sys
    from fleece.xray import (
        get_trace_id, put_annotation, put_metadata, trace_xray_subsegment,
    )

    class Declined(Exception):
        pass

    @trace_xray_subsegment(name="charge card")
    def charge(amount, *, currency):
        put_annotation("amount", amount)
        put_annotation("currency", currency)
        put_metadata("card", {"last4": "4242", "tags": ["a", "b"]}, "payment")
        raise Declined("card declined")

    @trace_xray_subsegment(skip_args=True)
    def lookup(secret):
        return get_trace_id()

    @trace_xray_subsegment
    async def fetch(n):
        await asyncio.sleep(0.01 * (3 - n))
        put_annotation("n", n)
        return n

    @trace_xray_subsegment
    async def gather_all():
        return await asyncio.gather(*(fetch(n) for n in range(3)))

    @trace_xray_subsegment
    def handler(event, context=None):
        put_annotation("customer", event["customer"])
        try:
            charge(12, currency="EUR")
        except Declined as error:
            caught = type(error).__name__
        trace = lookup("s3cr3t")
        results = asyncio.run(gather_all())
        return {"caught": caught, "trace": list(trace), "results": results}

    result = handler({"customer": "c-1"})
    print(json.dumps({**result, "outside": get_trace_id() is None,
                      "xray_sdk": "aws_xray_sdk" in sys.modules}))
    sys.stdout.flush()
    os._exit(0)
"""


def test_decorated_calls_become_spans_in_lambdas_trace_flushed_per_invocation(
    scenarios: Any, otlp_collector: OTLPCollector
) -> None:
    """Nesting, names, arguments, annotations, metadata, errors, async and ids."""
    outcome = scenarios.run(NESTED, otel_env(), collector=otlp_collector)

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stderr == ""
    result = outcome.result()
    assert result["caught"] == "Declined"
    assert result["results"] == [0, 1, 2]
    assert result["xray_sdk"] is False
    spans = {span.name: span for span in otlp_collector.spans}
    assert sorted(spans) == sorted(
        ["handler", "charge card", "lookup", "gather_all", "fetch"]
    )
    assert len(otlp_collector.named("fetch")) == 3
    handler = spans["handler"]
    assert {span.trace_id for span in otlp_collector.spans} == {OTEL_TRACE_ID}
    assert handler.parent_span_id == LAMBDA_PARENT
    for name in ("charge card", "lookup", "gather_all"):
        assert spans[name].parent_span_id == handler.span_id
    for fetch in otlp_collector.named("fetch"):
        assert fetch.parent_span_id == spans["gather_all"].span_id
    assert sorted(f.attributes["n"] for f in otlp_collector.named("fetch")) == [0, 1, 2]

    assert handler.attributes["customer"] == "c-1"
    assert handler.attributes["aws.xray.annotations"] == ("customer",)
    assert json.loads(handler.attributes["aws.xray.metadata.default"]) == {
        "args": ["{'customer': 'c-1'}"],
        "kwargs": {},
    }
    charge = spans["charge card"]
    assert charge.attributes["aws.xray.annotations"] == ("amount", "currency")
    assert (charge.attributes["amount"], charge.attributes["currency"]) == (12, "EUR")
    assert json.loads(charge.attributes["aws.xray.metadata.payment"]) == {
        "card": {"last4": "4242", "tags": ["a", "b"]}
    }
    assert json.loads(charge.attributes["aws.xray.metadata.default"]) == {
        "args": ["12"],
        "kwargs": {"currency": "'EUR'"},
    }
    assert charge.status_code == "ERROR"
    assert charge.status_message == "Declined: card declined"
    ((event, details),) = charge.events
    assert event == "exception"
    assert details["exception.type"] == "Declined"
    assert details["exception.message"] == "card declined"
    assert "raise Declined" in details["exception.stacktrace"]
    assert handler.status_code == "UNSET"

    lookup = spans["lookup"]
    assert "aws.xray.metadata.default" not in lookup.attributes
    assert result["trace"] == [TRACE_ROOT, lookup.span_id, True]
    assert result["outside"] is False  # Lambda's trace is still the current one
    assert handler.resource["service.name"] == "orders"


def test_unsampled_or_malformed_headers_and_no_lambda_trace_nothing(
    scenarios: Any, otlp_collector: OTLPCollector
) -> None:
    """Sampled=0, a mangled header, or none: calls run, nothing is sent or logged."""
    code = """
        import json, os, sys
        from fleece.xray import get_trace_id, put_annotation, trace_xray_subsegment

        @trace_xray_subsegment
        def handler(x):
            put_annotation("x", x)
            return x * 2, get_trace_id()

        print(json.dumps(handler(21)))
        sys.stdout.flush()
        os._exit(0)
    """
    unsampled = LAMBDA_HEADER.replace("Sampled=1", "Sampled=0")
    cases = {
        unsampled: [42, [TRACE_ROOT, LAMBDA_PARENT, False]],
        "Root=1-nothex;Parent=zz;Sampled=1": [42, None],
        None: [42, None],
    }
    for header, expected in cases.items():
        outcome = scenarios.run(code, otel_env(header), collector=otlp_collector)
        assert outcome.returncode == 0, outcome.stderr
        assert outcome.result() == expected
        assert outcome.stderr == ""
        assert otlp_collector.requests == []


AWS_AND_HTTP = """
    import importlib, json, os, sys
    from fleece.xray import (
        monkey_patch_botocore_for_xray, monkey_patch_requests_for_xray,
        trace_xray_subsegment,
    )

    monkey_patch_botocore_for_xray()
    monkey_patch_requests_for_xray()
    monkey_patch_requests_for_xray()

    @trace_xray_subsegment
    def handler(boto_module, requests_module):
        boto3 = importlib.import_module(boto_module)
        requests = importlib.import_module(requests_module)
        account = boto3.client("sts").get_caller_identity()["Account"]
        status = requests.get("{url}/users?id=7", timeout=5).status_code
        return account, status

    results = [handler("boto3", "requests"), handler("fleece.boto3", "fleece.requests")]
    # Not decorated: the patched call alone joins Lambda's trace, and is flushed.
    bare = importlib.import_module("boto3").client("sts").get_caller_identity()
    print(json.dumps({{"results": results, "bare": bare["Account"]}}))
    sys.stdout.flush()
    os._exit(0)
"""


def test_botocore_and_requests_calls_are_traced_through_opentelemetry(
    scenarios: Any,
    otlp_collector: OTLPCollector,
    moto_server: MotoServer,
    http_server: ScriptedHTTPServer,
) -> None:
    """AWS calls (moto) and HTTP requests, through boto3/requests and fleece's."""
    http_server.set_default(200, {"id": 7})
    outcome = scenarios.run(
        AWS_AND_HTTP.format(url=http_server.url),
        {**moto_server.env, **otel_env()},
        collector=otlp_collector,
    )

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stderr == ""
    assert outcome.result() == {
        "results": [["123456789012", 200], ["123456789012", 200]],
        "bare": "123456789012",
    }
    handlers = otlp_collector.named("handler")
    assert len(handlers) == 2
    aws = otlp_collector.named("STS.GetCallerIdentity")
    http = otlp_collector.named("GET")
    assert len(aws) == 3
    assert len(http) == 2
    for span in aws + http:
        assert span.trace_id == OTEL_TRACE_ID
        assert span.kind == "CLIENT"
    assert sorted(s.parent_span_id for s in aws) == sorted(
        [LAMBDA_PARENT, *(h.span_id for h in handlers)]
    )
    assert sorted(s.parent_span_id for s in http) == sorted(h.span_id for h in handlers)
    assert {s.attributes["rpc.service"] for s in aws} == {"STS"}
    # The requests instrumentation writes the older or the newer HTTP convention.
    assert {
        s.attributes.get(
            "http.status_code", s.attributes.get("http.response.status_code")
        )
        for s in http
    } == {200}
    # Downstream services get the trace header naming the HTTP span as parent.
    sent = [request.headers.get("X-Amzn-Trace-Id") for request in http_server.requests]
    assert sorted(sent) == sorted(
        f"Root={TRACE_ROOT};Parent={span.span_id};Sampled=1" for span in http
    )


def test_a_collector_that_is_down_costs_one_warning_and_never_the_call(
    scenarios: Any,
) -> None:
    """Nothing listens at the endpoint: every invocation runs; one warning in all."""
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        closed_port = placeholder.getsockname()[1]
    code = """
        import json, logging
        from fleece.xray import trace_xray_subsegment

        logging.basicConfig(level=logging.DEBUG)

        @trace_xray_subsegment
        def handler(n):
            return n + 1

        print(json.dumps([handler(n) for n in range(5)]))
    """
    env = otel_env(OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{closed_port}")
    outcome = scenarios.run(code, env)

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.result() == [1, 2, 3, 4, 5]
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("WARNING:fleece.xray:X-Ray spans not exported")


def test_a_slow_collector_holds_an_invocation_no_longer_than_the_flush_timeout(
    scenarios: Any, otlp_collector: OTLPCollector
) -> None:
    """A collector taking 10 s to answer: the call returns after about the timeout."""
    otlp_collector.delay = 10
    code = """
        import json, time
        from fleece.xray import configure, trace_xray_subsegment

        configure(flush_timeout=0.3)

        @trace_xray_subsegment
        def handler():
            return "done"

        started = time.monotonic()
        result = handler()
        print(json.dumps([result, time.monotonic() - started]))
    """
    outcome = scenarios.run(code, otel_env(), collector=otlp_collector)

    assert outcome.returncode == 0, outcome.stderr
    result, seconds = outcome.result()
    assert result == "done"
    assert seconds < 5  # a generous bound; the collector would take 10 s
    assert len(otlp_collector.requests) >= 1


def test_without_opentelemetry_installed_tracing_is_off_with_one_warning(
    scenarios: Any,
) -> None:
    """OpenTelemetry missing (the extra not installed): untraced, one warning."""
    code = """
        import json, sys
        sys.modules["opentelemetry"] = None  # as if fleece-xray[otel] were absent
        from fleece.xray import (
            monkey_patch_botocore_for_xray, put_annotation, trace_xray_subsegment,
        )

        monkey_patch_botocore_for_xray()

        @trace_xray_subsegment
        def handler(n):
            put_annotation("n", n)
            return n * 2

        print(json.dumps([handler(1), handler(2), "aws_xray_sdk" in sys.modules]))
    """
    outcome = scenarios.run(code, otel_env())

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.result() == [2, 4, False]
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert "fleece-xray[otel]" in lines[0]


def test_an_installed_tracer_provider_is_used_without_being_asked(
    scenarios: Any, otlp_collector: OTLPCollector
) -> None:
    """With a provider installed (as the ADOT layer does), spans nest in its trace."""
    code = """
        import json, sys
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor

        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)

        from fleece.xray import put_annotation, trace_xray_subsegment

        @trace_xray_subsegment
        def work():
            put_annotation("step", 1)
            return "ok"

        with trace.get_tracer("wrapper").start_as_current_span("lambda handler"):
            result = work()
        provider.shutdown()
        print(json.dumps([result, "aws_xray_sdk" in sys.modules]))
    """
    env = otel_env()
    del env["FLEECE_XRAY_BACKEND"]
    outcome = scenarios.run(code, env, collector=otlp_collector)

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.result() == ["ok", False]
    (work,) = otlp_collector.named("work")
    (outer,) = otlp_collector.named("lambda handler")
    assert work.parent_span_id == outer.span_id
    assert work.attributes["step"] == 1


def test_configure_chooses_the_backend_in_code(
    scenarios: Any, otlp_collector: OTLPCollector
) -> None:
    """configure(backend="otel") wins over FLEECE_XRAY_BACKEND; bad values refused."""
    code = """
        import json, os, sys
        from fleece.xray import configure, trace_xray_subsegment

        try:
            configure(backend="zipkin")
        except ValueError as error:
            refused = str(error)
        configure(backend="otel")

        @trace_xray_subsegment
        def handler():
            return "ok"

        print(json.dumps([handler(), refused, "aws_xray_sdk" in sys.modules]))
        sys.stdout.flush()
        os._exit(0)
    """
    env = otel_env(FLEECE_XRAY_BACKEND="xray-sdk")
    outcome = scenarios.run(code, env, collector=otlp_collector)

    assert outcome.returncode == 0, outcome.stderr
    result, refused, xray_sdk = outcome.result()
    assert result == "ok"
    assert "'otel', 'xray-sdk', 'auto'" in refused
    assert xray_sdk is False
    assert [span.name for span in otlp_collector.spans] == ["handler"]


def test_each_invocation_joins_its_own_trace(
    scenarios: Any, otlp_collector: OTLPCollector
) -> None:
    """A new trace header per invocation: each one's spans carry its own ids."""
    code = """
        import os, sys
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        def handler(n):
            return n

        for root in {roots!r}:
            os.environ["_X_AMZN_TRACE_ID"] = (
                f"Root={{root}};Parent=53995c3f42cd8ad8;Sampled=1"
            )
            handler(root)
        sys.stdout.flush()
        os._exit(0)
    """
    roots = [f"1-5759e98{n}-bd862e3fe1be46a99427279{n}" for n in range(3)]
    outcome = scenarios.run(
        code.format(roots=roots), otel_env(), collector=otlp_collector
    )

    assert outcome.returncode == 0, outcome.stderr
    assert [span.xray_trace_id for span in otlp_collector.spans] == roots
    # One export per invocation: flushed as each one ended.
    assert len(otlp_collector.requests) == 3


def test_flush_does_not_wait_when_nothing_is_exported(
    scenarios: Any, otlp_collector: OTLPCollector
) -> None:
    """Calls nested in an invocation do not flush; only its outermost call does."""
    code = """
        import os, sys
        from fleece.xray import trace_xray_subsegment

        @trace_xray_subsegment
        def leaf(n):
            return n

        @trace_xray_subsegment
        def handler():
            return [leaf(n) for n in range(20)]

        handler()
        sys.stdout.flush()
        os._exit(0)
    """
    started = time.monotonic()
    outcome = scenarios.run(code, otel_env(), collector=otlp_collector)

    assert outcome.returncode == 0, outcome.stderr
    assert len(otlp_collector.spans) == 21
    assert len(otlp_collector.requests) == 1
    assert time.monotonic() - started < 60


def test_the_otel_backend_works_with_aws_xray_sdk_impossible_to_import(
    scenarios: Any,
    otlp_collector: OTLPCollector,
    moto_server: MotoServer,
    http_server: ScriptedHTTPServer,
) -> None:
    """Import hygiene: decorator, patches, annotations, never touch aws_xray_sdk."""
    blocked = AWS_AND_HTTP.replace(
        "import importlib, json, os, sys\n",
        "import importlib, json, os, sys\n"
        '    sys.modules["aws_xray_sdk"] = None  # any import of it fails\n',
    )
    assert blocked != AWS_AND_HTTP
    http_server.set_default(200, {"id": 7})
    outcome = scenarios.run(
        blocked.format(url=http_server.url),
        {**moto_server.env, **otel_env()},
        collector=otlp_collector,
    )

    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stderr == ""
    assert outcome.result()["bare"] == "123456789012"
    assert len(otlp_collector.named("STS.GetCallerIdentity")) == 3
