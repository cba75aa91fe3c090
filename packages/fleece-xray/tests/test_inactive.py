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


def test_mangled_trace_headers_never_break_the_call_or_reach_the_logs(
    scenarios: Any, xray_daemon: XRayDaemon
) -> None:
    """Hundreds of mutated headers: every call runs; only valid sampled ones trace."""
    code = f"""
        import json
        import os
        import random
        from fleece.xray import trace_xray_subsegment

        VALID = "Root={ROOT};Parent={PARENT};Sampled=1"
        ALPHABET = ";=1aZ é-"

        def mangle(header, rng):
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(header) + 1)
                op = rng.choice(["delete", "insert", "duplicate"])
                if op == "delete":
                    header = header[:i] + header[i + 1:]
                elif op == "insert":
                    header = header[:i] + rng.choice(ALPHABET) + header[i:]
                else:
                    header = header[:i] + header[i:i + 8] + header[i:]
            return header

        @trace_xray_subsegment
        def handler(i):
            return i

        rng = random.Random(20)
        headers = [VALID if i % 10 == 0 else mangle(VALID, rng) for i in range(400)]
        results = []
        for i, header in enumerate(headers):
            os.environ["_X_AMZN_TRACE_ID"] = header
            results.append(handler(i))
        print(json.dumps({{"ok": results == list(range(400)), "headers": headers}}))
    """
    outcome = scenarios.run(code, scenarios.lambda_env(xray_daemon), xray_daemon)

    result = outcome.result()
    assert (outcome.returncode, outcome.stderr, result["ok"]) == (0, "", True)
    assert len(outcome.documents) >= 40
    for document in outcome.documents:
        header = result["headers"][int(document["metadata"]["default"]["args"][0])]
        fields = dict(part.split("=", 1) for part in header.split(";"))
        assert (fields["Root"], fields["Parent"], fields["Sampled"]) == (
            document["trace_id"],
            document["parent_id"],
            "1",
        )
