"""Tracing inside the test process itself, the environment set per test.

aws-xray-sdk reads the Lambda environment once, at import; fleece.xray follows it
when it changes afterwards, as it does from one test to the next.
"""

from __future__ import annotations

import pytest

from fleece.testing import MotoServer, ScriptedHTTPServer, XRayDaemon
from fleece.xray import put_annotation, trace_xray_subsegment

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"


@trace_xray_subsegment
def greet(name: str) -> str:
    """A traced function defined before any environment is set."""
    put_annotation("greeted", name)
    return f"hello {name}"


@pytest.mark.parametrize("attempt", ["first", "second"])
def test_each_test_can_point_tracing_at_its_own_daemon(
    xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, attempt: str
) -> None:
    """A new daemon address and trace header per test are picked up in-process."""
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", xray_daemon.address)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={PARENT};Sampled=1")

    assert greet(attempt) == f"hello {attempt}"
    (document,) = xray_daemon.wait_for(1)
    assert (document["name"], document["parent_id"], document["trace_id"]) == (
        "greet",
        PARENT,
        ROOT,
    )
    assert document["annotations"] == {"greeted": attempt}


def test_outside_lambda_the_application_segment_is_used_again(
    xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once LAMBDA_TASK_ROOT is gone, a segment the code opens itself is traced."""
    from aws_xray_sdk.core import xray_recorder

    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", xray_daemon.address)

    assert greet("nobody") == "hello nobody"  # no segment open: not traced
    with xray_recorder.in_segment("service", sampling=1):
        greet("service")
    (segment,) = xray_daemon.wait_for(1)
    assert (segment["name"], [sub["name"] for sub in segment["subsegments"]]) == (
        "service",
        ["greet"],
    )


def test_clients_imported_before_patching_are_traced_in_the_test_process(
    xray_daemon: XRayDaemon,
    monkeypatch: pytest.MonkeyPatch,
    moto_env: MotoServer,
    http_server: ScriptedHTTPServer,
) -> None:
    """boto3 and requests, loaded before the patch calls, still get subsegments."""
    import boto3
    import requests

    from fleece.xray import (
        monkey_patch_botocore_for_xray,
        monkey_patch_requests_for_xray,
    )

    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", xray_daemon.address)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={PARENT};Sampled=1")
    monkey_patch_botocore_for_xray()
    monkey_patch_requests_for_xray()

    @trace_xray_subsegment
    def handler() -> tuple[str, int]:
        account = boto3.client("sts").get_caller_identity()["Account"]
        return account, requests.get(
            http_server.url_for("/users"), timeout=5
        ).status_code

    assert handler() == ("123456789012", 200)
    sts, call, traced = xray_daemon.wait_for(3)
    assert [doc["name"] for doc in (sts, call, traced)] == [
        "sts",
        "127.0.0.1",
        "handler",
    ]
    assert (sts["aws"]["operation"], call["http"]["response"]["status"]) == (
        "GetCallerIdentity",
        200,
    )
    assert sts["parent_id"] == call["parent_id"] == traced["id"]
    assert http_server.requests[0].headers["X-Amzn-Trace-Id"] == (
        f"Root={ROOT};Parent={call['id']};Sampled=1"
    )
