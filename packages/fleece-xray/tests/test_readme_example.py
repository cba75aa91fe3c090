"""The X-Ray example of the fleece 1.x README, run as written against moto."""

from __future__ import annotations

from typing import Any

import pytest

from fleece.testing import MotoServer, XRayDaemon

HANDLER = """\
{boto3_import}
from fleece.xray import (monkey_patch_botocore_for_xray,
                         trace_xray_subsegment)

monkey_patch_botocore_for_xray()


@trace_xray_subsegment()
def lambda_handler(event, context):
    return get_user()


def get_user():
    # This function doesn't have to be decorated, because the API call to IAM
    # will be traced thanks to the monkey-patching.
    iam = boto3.client('iam')
    return iam.get_user()
"""

INVOKE = """
    import json
    from handler import lambda_handler

    print(json.dumps(lambda_handler({"id": 1}, None)["User"]["UserName"]))
"""


@pytest.mark.parametrize("boto3_import", ["from fleece import boto3", "import boto3"])
def test_readme_handler_traces_the_handler_and_its_iam_call(
    scenarios: Any,
    xray_daemon: XRayDaemon,
    moto_env: MotoServer,
    boto3_import: str,
) -> None:
    """handler.py from the README: the IAM call nests under lambda_handler."""
    if boto3_import.startswith("from fleece"):
        boto3 = pytest.importorskip("fleece.boto3")
        if not hasattr(boto3, "client"):
            pytest.skip("fleece.boto3 has no client() yet")
    handler = HANDLER.format(boto3_import=boto3_import)
    (scenarios.directory / "handler.py").write_text(handler)
    outcome = scenarios.run(INVOKE, scenarios.lambda_env(xray_daemon), xray_daemon)

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == "default_user"
    lambda_handler, iam = outcome.one("lambda_handler"), outcome.one("iam")
    assert lambda_handler["parent_id"] == scenarios.LAMBDA_PARENT
    assert iam["parent_id"] == lambda_handler["id"]
    assert iam["aws"]["operation"] == "GetUser"
    assert lambda_handler["metadata"]["default"]["args"] == ["{'id': 1}", "None"]
