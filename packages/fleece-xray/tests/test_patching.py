"""botocore and requests patching: AWS calls and HTTP requests as subsegments."""

from __future__ import annotations

import importlib
from typing import Any

from fleece.testing import MotoServer, ScriptedHTTPServer, XRayDaemon

AWS_CALLS = """
    import importlib
    import json
    import os
    import sys
    from fleece.xray import monkey_patch_botocore_for_xray, trace_xray_subsegment

    monkey_patch_botocore_for_xray()
    monkey_patch_botocore_for_xray()
    loaded_by_patching = "botocore" in sys.modules

    @trace_xray_subsegment
    def handler(module):
        boto3 = importlib.import_module(module)
        identity = boto3.client("sts").get_caller_identity()
        s3 = boto3.client("s3", region_name="eu-west-1")
        try:
            s3.head_bucket(Bucket="no-such-bucket")
        except s3.exceptions.ClientError as error:
            missing = error.response["Error"]["Code"]
        return identity["Account"], missing

    results = [handler(module) for module in {modules!r}]
    # Outside a trace (Lambda's init phase, say) the patched client stays silent.
    del os.environ["_X_AMZN_TRACE_ID"]
    untraced = importlib.import_module("boto3").client("sts").get_caller_identity()
    print(json.dumps({{"results": results, "untraced": untraced["Account"],
                      "botocore_loaded_by_patching": loaded_by_patching}}))
"""

HTTP_CALLS = """
    import importlib
    import json
    import os
    import sys
    from fleece.xray import monkey_patch_requests_for_xray, trace_xray_subsegment

    monkey_patch_requests_for_xray()
    loaded_by_patching = "requests" in sys.modules
    monkey_patch_requests_for_xray()

    @trace_xray_subsegment
    def handler(module):
        requests = importlib.import_module(module)
        ok = requests.get("{url}/users?id=7", timeout=5)
        broken = requests.post("{url}/orders", json={{"n": 1}}, timeout=5)
        return ok.status_code, broken.status_code

    results = [handler(module) for module in {modules!r}]
    del os.environ["_X_AMZN_TRACE_ID"]
    untraced = importlib.import_module("requests").get("{url}/", timeout=5)
    print(json.dumps({{"results": results, "untraced": untraced.status_code,
                      "requests_loaded_by_patching": loaded_by_patching}}))
"""


def _available(modules: list[str], attribute: str) -> list[str]:
    """The real library, and its fleece wrapper when that is installed and ready."""
    found = []
    for module in modules:
        try:
            loaded = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(loaded, attribute):
            found.append(module)
    return found


def test_aws_calls_become_aws_subsegments_with_operation_region_and_request_id(
    scenarios: Any, xray_daemon: XRayDaemon, moto_env: MotoServer
) -> None:
    """Calls to moto's STS and a failing S3 call, traced under the handler.

    Through boto3, and through fleece.boto3 when it is installed.
    """
    modules = _available(["boto3", "fleece.boto3"], "client")
    code = AWS_CALLS.format(modules=modules)
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == {
        "results": [["123456789012", "404"]] * len(modules),
        "untraced": "123456789012",
        "botocore_loaded_by_patching": False,
    }
    handlers, stss, s3s = (outcome.named(name) for name in ("handler", "sts", "s3"))
    assert [h["metadata"]["default"]["args"] for h in handlers] == [
        [repr(module)] for module in modules
    ]
    for handler, sts, s3 in zip(handlers, stss, s3s, strict=True):
        assert (sts["parent_id"], s3["parent_id"]) == (handler["id"], handler["id"])
        assert (sts["namespace"], s3["namespace"]) == ("aws", "aws")
        assert sts["trace_id"] == s3["trace_id"] == scenarios.TRACE_ROOT
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
    assert len(outcome.documents) == 3 * len(modules)


def test_http_requests_become_remote_subsegments_and_carry_the_trace_header(
    scenarios: Any, xray_daemon: XRayDaemon, http_server: ScriptedHTTPServer
) -> None:
    """GET and POST to a local server: method, URL, status; the server sees the id.

    Through requests, and through fleece.requests when it is installed.
    """
    modules = _available(["requests", "fleece.requests"], "get")
    for _ in modules:
        http_server.enqueue(200, {"id": 7})
        http_server.enqueue(503, b"down")
    code = HTTP_CALLS.format(modules=modules, url=http_server.url)
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == {
        "results": [[200, 503]] * len(modules),
        "untraced": 200,
        "requests_loaded_by_patching": False,
    }
    handlers, calls = outcome.named("handler"), outcome.named("127.0.0.1")
    assert len(handlers) == len(modules)
    assert [call["http"] for call in calls] == [
        {
            "request": {"method": "GET", "url": f"{http_server.url}/users"},
            "response": {"status": 200},
        },
        {
            "request": {"method": "POST", "url": f"{http_server.url}/orders"},
            "response": {"status": 503},
        },
    ] * len(modules)
    for index, call in enumerate(calls):
        assert call["namespace"] == "remote"
        assert call["parent_id"] == handlers[index // 2]["id"]
        assert call.get("fault", False) is (index % 2 == 1)
    sent = [request.headers.get("X-Amzn-Trace-Id") for request in http_server.requests]
    assert sent == [
        *(
            f"Root={scenarios.TRACE_ROOT};Parent={call['id']};Sampled=1"
            for call in calls
        ),
        None,
    ]


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


def test_patching_again_or_with_the_sdk_wraps_each_method_only_once(
    scenarios: Any,
) -> None:
    """Patching twice, then aws-xray-sdk's own patch(): one wrapper per method."""
    code = """
        import json
        import botocore.client, botocore.endpoint, requests, wrapt
        from aws_xray_sdk.core import patch
        from fleece.xray import (monkey_patch_botocore_for_xray,
                                 monkey_patch_requests_for_xray)

        def wrappers(cls, name):
            count, method = 0, vars(cls)[name]
            while isinstance(method, wrapt.FunctionWrapper):
                count, method = count + 1, method.__wrapped__
            return count

        for _ in range(2):
            monkey_patch_botocore_for_xray()
            monkey_patch_requests_for_xray()
        patch(["botocore"])
        print(json.dumps([
            wrappers(botocore.client.BaseClient, "_make_api_call"),
            wrappers(botocore.endpoint.Endpoint, "prepare_request"),
            wrappers(requests.Session, "request"),
            wrappers(requests.Session, "prepare_request"),
        ]))
    """
    outcome = scenarios.run(code, scenarios.lambda_env(None))

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == [1, 1, 1, 1]
