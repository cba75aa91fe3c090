"""In AWS Lambda, what importing boto3 builds is frozen out of later collections."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SCRIPT = """
import gc, json
{before}
from fleece import boto3
service = boto3.client("sqs", region_name="us-east-1").meta.service_model.service_name
print(json.dumps([gc.isenabled(), gc.get_freeze_count(), service]))
"""


def _after_import(environment: dict[str, str], before: str = "") -> list[object]:
    """Import fleece.boto3 in a fresh process; say what became of the collector."""
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(before=before)],
        capture_output=True,
        text=True,
        check=False,
        env={
            key: value
            for key, value in os.environ.items()
            if key
            not in (
                "AWS_LAMBDA_FUNCTION_NAME",
                "LAMBDA_TASK_ROOT",
                "AWS_LAMBDA_RUNTIME_API",
                "FLEECE_GC_FREEZE",
            )
        }
        | environment,
    )
    assert completed.returncode == 0, completed.stderr
    result: list[object] = json.loads(completed.stdout)
    return result


@pytest.mark.parametrize(
    "variable",
    ["AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API"],
)
def test_in_lambda_boto3_is_imported_with_the_collector_paused_then_frozen(
    variable: str,
) -> None:
    """boto3's modules are frozen; the collector runs again; clients still work.

    Either variable Lambda always sets is enough to tell.
    """
    enabled, frozen, service = _after_import({variable: "/var/task"})

    assert enabled is True
    assert isinstance(frozen, int)
    assert frozen > 20_000  # boto3, botocore, urllib3 and what they import
    assert service == "sqs"


@pytest.mark.parametrize(
    ("environment", "before"),
    [
        ({}, ""),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f", "FLEECE_GC_FREEZE": "0"}, ""),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f"}, "gc.disable()"),
    ],
    ids=["outside Lambda", "turned off", "collector disabled by the caller"],
)
def test_the_collector_is_left_alone_outside_lambda_or_when_asked(
    environment: dict[str, str], before: str
) -> None:
    """Nothing is frozen outside Lambda, when turned off, or when gc is disabled."""
    enabled, frozen, _ = _after_import(environment, before)

    assert frozen == 0
    assert enabled is (before == "")
