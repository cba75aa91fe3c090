"""botocore and requests patching: AWS calls and HTTP requests as subsegments."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import wrapt

from fleece.testing import MotoServer, ScriptedHTTPServer, XRayDaemon

AWS_CALLS = """
    import json
    import sys
    from fleece.xray import monkey_patch_botocore_for_xray, trace_xray_subsegment

    monkey_patch_botocore_for_xray()
    monkey_patch_botocore_for_xray()
    loaded_by_patching = "botocore" in sys.modules

    import {boto3} as boto3

    @trace_xray_subsegment
    def handler():
        identity = boto3.client("sts").get_caller_identity()
        s3 = boto3.client("s3", region_name="eu-west-1")
        try:
            s3.head_bucket(Bucket="no-such-bucket")
        except s3.exceptions.ClientError as error:
            missing = error.response["Error"]["Code"]
        return identity["Account"], missing

    print(json.dumps({{"result": handler(), "botocore_loaded_by_patching":
                      loaded_by_patching}}))
"""

HTTP_CALLS = """
    import json
    import sys
    from fleece.xray import monkey_patch_requests_for_xray, trace_xray_subsegment

    monkey_patch_requests_for_xray()
    loaded_by_patching = "requests" in sys.modules
    monkey_patch_requests_for_xray()

    import {requests} as requests

    @trace_xray_subsegment
    def handler():
        ok = requests.get("{url}/users?id=7", timeout=5)
        broken = requests.post("{url}/orders", json={{"n": 1}}, timeout=5)
        return ok.status_code, broken.status_code

    print(json.dumps({{"result": handler(), "requests_loaded_by_patching":
                      loaded_by_patching}}))
"""


def _importable(module: str, attribute: str) -> str:
    found = pytest.importorskip(module)
    if not hasattr(found, attribute):
        pytest.skip(f"{module} has no {attribute} yet")
    return module


@pytest.fixture(params=["boto3", "fleece.boto3"])
def boto3_module(request: pytest.FixtureRequest) -> str:
    """boto3 itself, and fleece.boto3 when it is installed."""
    return _importable(request.param, "client")


@pytest.fixture(params=["requests", "fleece.requests"])
def requests_module(request: pytest.FixtureRequest) -> str:
    """requests itself, and fleece.requests when it is installed."""
    return _importable(request.param, "get")


def test_aws_calls_become_aws_subsegments_with_operation_region_and_request_id(
    scenarios: Any,
    xray_daemon: XRayDaemon,
    moto_env: MotoServer,
    boto3_module: str,
) -> None:
    """A call to moto's STS and a failing S3 call, traced under the handler."""
    outcome = scenarios.run(
        AWS_CALLS.format(boto3=boto3_module),
        scenarios.lambda_env(xray_daemon),
        xray_daemon,
    )

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == {
        "result": ["123456789012", "404"],
        "botocore_loaded_by_patching": False,
    }
    handler, sts, s3 = (outcome.one(name) for name in ("handler", "sts", "s3"))
    assert (sts["parent_id"], s3["parent_id"]) == (handler["id"], handler["id"])
    assert (sts["namespace"], s3["namespace"]) == ("aws", "aws")
    assert sts["trace_id"] == scenarios.TRACE_ROOT
    assert {key: sts["aws"][key] for key in ("operation", "region")} == {
        "operation": "GetCallerIdentity",
        "region": "us-east-1",
    }
    assert sts["aws"]["request_id"]
    assert sts["http"] == {"response": {"status": 200}}
    assert "fault" not in sts
    assert {key: s3["aws"][key] for key in ("operation", "region")} == {
        "operation": "HeadBucket",
        "region": "eu-west-1",
    }
    assert s3["http"] == {"response": {"status": 404}}
    assert s3["error"] is True
    assert s3["cause"]["exceptions"][0]["remote"] is True
    assert "fault" not in handler


def test_http_requests_become_remote_subsegments_and_carry_the_trace_header(
    scenarios: Any,
    xray_daemon: XRayDaemon,
    http_server: ScriptedHTTPServer,
    requests_module: str,
) -> None:
    """GET and POST to a local server: method, URL, status; the server sees the id."""
    http_server.enqueue(200, {"id": 7})
    http_server.enqueue(503, b"down")
    outcome = scenarios.run(
        HTTP_CALLS.format(requests=requests_module, url=http_server.url),
        scenarios.lambda_env(xray_daemon),
        xray_daemon,
    )

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == {
        "result": [200, 503],
        "requests_loaded_by_patching": False,
    }
    handler = outcome.one("handler")
    get, post = outcome.named("127.0.0.1")
    assert [get["http"], post["http"]] == [
        {
            "request": {"method": "GET", "url": f"{http_server.url}/users"},
            "response": {"status": 200},
        },
        {
            "request": {"method": "POST", "url": f"{http_server.url}/orders"},
            "response": {"status": 503},
        },
    ]
    assert (get["namespace"], get["parent_id"]) == ("remote", handler["id"])
    assert post["fault"] is True
    sent = [request.headers["X-Amzn-Trace-Id"] for request in http_server.requests]
    assert sent == [
        f"Root={scenarios.TRACE_ROOT};Parent={get['id']};Sampled=1",
        f"Root={scenarios.TRACE_ROOT};Parent={post['id']};Sampled=1",
    ]


def test_patched_clients_outside_a_trace_work_silently(
    scenarios: Any,
    xray_daemon: XRayDaemon,
    moto_env: MotoServer,
    http_server: ScriptedHTTPServer,
) -> None:
    """In Lambda without a trace header (e.g. at init), patched calls log nothing."""
    code = f"""
        import json
        from fleece.xray import (monkey_patch_botocore_for_xray,
                                 monkey_patch_requests_for_xray)

        monkey_patch_botocore_for_xray()
        monkey_patch_requests_for_xray()
        import boto3, requests

        account = boto3.client("sts").get_caller_identity()["Account"]
        status = requests.get("{http_server.url}/", timeout=5).status_code
        print(json.dumps([account, status]))
    """
    env = scenarios.lambda_env(xray_daemon, header=None)
    outcome = scenarios.run(code, env, xray_daemon)

    assert (outcome.returncode, outcome.stderr, outcome.documents) == (0, "", [])
    assert outcome.result() == ["123456789012", 200]
    assert "X-Amzn-Trace-Id" not in http_server.requests[0].headers


def test_unsampled_trace_is_propagated_but_nothing_is_sent(
    scenarios: Any, xray_daemon: XRayDaemon, http_server: ScriptedHTTPServer
) -> None:
    """With Sampled=0 the downstream service learns the decision; no datagram."""
    code = f"""
        import requests
        from fleece.xray import monkey_patch_requests_for_xray, trace_xray_subsegment

        monkey_patch_requests_for_xray()

        @trace_xray_subsegment
        def handler():
            return requests.get("{http_server.url}/", timeout=5).status_code

        print(handler())
    """
    header = f"Root={scenarios.TRACE_ROOT};Parent={scenarios.LAMBDA_PARENT};Sampled=0"
    outcome = scenarios.run(
        code, scenarios.lambda_env(xray_daemon, header), xray_daemon
    )

    assert (outcome.returncode, outcome.stderr, outcome.documents) == (0, "", [])
    assert http_server.requests[0].headers["X-Amzn-Trace-Id"].endswith(";Sampled=0")


def test_patching_is_idempotent_in_process() -> None:
    """Patching again (and again) wraps botocore and requests only once."""
    import botocore.client
    import requests

    from fleece.xray import (
        monkey_patch_botocore_for_xray,
        monkey_patch_requests_for_xray,
    )

    monkey_patch_botocore_for_xray()
    monkey_patch_requests_for_xray()
    first = (botocore.client.BaseClient._make_api_call, requests.Session.request)
    monkey_patch_botocore_for_xray()
    monkey_patch_requests_for_xray()
    importlib.import_module("aws_xray_sdk.core").patch(["botocore"])

    assert (botocore.client.BaseClient._make_api_call, requests.Session.request) == (
        first
    )
    for patched in first:
        assert isinstance(patched, wrapt.BoundFunctionWrapper)
        assert not isinstance(patched.__wrapped__, wrapt.ObjectProxy)
