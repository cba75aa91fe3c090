"""Whatever the environment, traced code runs normally and the logs stay quiet."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from fleece.testing import XRayDaemon

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"

WORKLOAD = """
    import asyncio
    import json
    import sys
    from fleece.xray import put_annotation, put_metadata, trace_xray_subsegment

    @trace_xray_subsegment
    def handler(n):
        put_annotation("n", n)
        put_metadata("n", {"value": n})
        return helper(n) + asyncio.run(fetch(n))

    @trace_xray_subsegment(skip_args=True)
    def helper(n):
        return n

    @trace_xray_subsegment
    async def fetch(n):
        return n

    @trace_xray_subsegment
    def fail():
        raise LookupError("missing")

    total = sum(handler(n) for n in range(20))
    failures = 0
    for _ in range(20):
        try:
            fail()
        except LookupError:
            failures += 1
    print(json.dumps({"total": total, "failures": failures,
                      "sdk_loaded": "aws_xray_sdk.core" in sys.modules}))
"""

UNTRACED = {
    "no trace header in Lambda": {"LAMBDA_TASK_ROOT": "/var/task"},
    "Sampled=0": {
        "LAMBDA_TASK_ROOT": "/var/task",
        "_X_AMZN_TRACE_ID": f"Root={ROOT};Parent={PARENT};Sampled=0",
    },
    "header without Sampled": {
        "LAMBDA_TASK_ROOT": "/var/task",
        "_X_AMZN_TRACE_ID": f"Root={ROOT};Parent={PARENT}",
    },
    "malformed header": {
        "LAMBDA_TASK_ROOT": "/var/task",
        "_X_AMZN_TRACE_ID": "Root=1-abc;Parent;Sampled=1;",
    },
    "header with a trailing separator": {
        "LAMBDA_TASK_ROOT": "/var/task",
        "_X_AMZN_TRACE_ID": f"Root={ROOT};Parent={PARENT};Sampled=1;",
    },
    "garbage header": {"LAMBDA_TASK_ROOT": "/var/task", "_X_AMZN_TRACE_ID": "🙃"},
    "SDK disabled": {
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_XRAY_SDK_ENABLED": "false",
        "_X_AMZN_TRACE_ID": f"Root={ROOT};Parent={PARENT};Sampled=1",
    },
}

OUTSIDE_LAMBDA = {
    "outside Lambda": {},
    "outside Lambda with a trace header": {
        "_X_AMZN_TRACE_ID": f"Root={ROOT};Parent={PARENT};Sampled=1",
    },
    "outside Lambda, context missing is a runtime error": {
        "AWS_XRAY_CONTEXT_MISSING": "RUNTIME_ERROR",
    },
}

EXPECTED = {"total": 380, "failures": 20}


@pytest.mark.parametrize("env", UNTRACED.values(), ids=UNTRACED.keys())
def test_untraced_invocation_runs_normally_sends_nothing_and_logs_nothing(
    scenarios: Any, xray_daemon: XRayDaemon, env: dict[str, str]
) -> None:
    """No sampled, well-formed trace: results as without tracing, no datagram."""
    env = {**env, "AWS_XRAY_DAEMON_ADDRESS": xray_daemon.address}
    outcome = scenarios.run(WORKLOAD, env, xray_daemon)

    result = outcome.result()
    assert (outcome.returncode, outcome.stderr, outcome.documents) == (0, "", [])
    assert {key: result[key] for key in EXPECTED} == EXPECTED


@pytest.mark.parametrize("env", OUTSIDE_LAMBDA.values(), ids=OUTSIDE_LAMBDA.keys())
def test_outside_lambda_nothing_is_traced_and_the_sdk_is_not_even_loaded(
    scenarios: Any, env: dict[str, str]
) -> None:
    """Outside Lambda (tests, scripts) decorated code costs an environment lookup."""
    outcome = scenarios.run(WORKLOAD, env)

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == {**EXPECTED, "sdk_loaded": False}


def test_without_a_daemon_listening_traced_code_runs_quietly(scenarios: Any) -> None:
    """Datagrams to a port nobody listens on are lost without an error."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    env = scenarios.lambda_env(None)
    env["AWS_XRAY_DAEMON_ADDRESS"] = f"127.0.0.1:{closed_port}"
    outcome = scenarios.run(WORKLOAD, env)

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == {**EXPECTED, "sdk_loaded": True}


def test_a_malformed_daemon_address_turns_tracing_off_with_one_warning(
    scenarios: Any,
) -> None:
    """aws-xray-sdk cannot even be imported then: one warning, and the code runs."""
    env = scenarios.lambda_env(None)
    env["AWS_XRAY_DAEMON_ADDRESS"] = "no-port-here"
    outcome = scenarios.run(WORKLOAD, env)

    assert outcome.returncode == 0
    assert outcome.result() == {**EXPECTED, "sdk_loaded": False}
    (warning,) = outcome.stderr.splitlines()
    assert "X-Ray tracing is off" in warning
    assert "no-port-here" in warning
