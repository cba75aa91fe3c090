"""Tracing inside the test process itself, the environment set per test.

aws-xray-sdk reads the Lambda environment once, at import; fleece.xray follows it
when it changes afterwards, as it does from one test to the next.
"""

from __future__ import annotations

import pytest

from fleece.testing import XRayDaemon
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
