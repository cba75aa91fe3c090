"""The X-Ray example of the fleece 1.x README, run as written against moto."""

from __future__ import annotations

import importlib
from typing import Any

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
    import importlib
    import json

    for module in {handlers!r}:
        handler = importlib.import_module(module)
        print(json.dumps(handler.lambda_handler({{"id": 1}}, None)["User"]["UserName"]))
"""


def test_readme_handler_traces_the_handler_and_its_iam_call(
    scenarios: Any, xray_daemon: XRayDaemon, moto_env: MotoServer
) -> None:
    """handler.py from the README: the IAM call nests under lambda_handler.

    As written (``from fleece import boto3``) when fleece.boto3 is installed, and
    with plain ``import boto3``.
    """
    handlers = ["handler_boto3"]
    (scenarios.directory / "handler_boto3.py").write_text(
        HANDLER.format(boto3_import="import boto3")
    )
    if hasattr(_try_import("fleece.boto3"), "client"):
        handlers.insert(0, "handler")
        (scenarios.directory / "handler.py").write_text(
            HANDLER.format(boto3_import="from fleece import boto3")
        )
    outcome = scenarios.run(
        INVOKE.format(handlers=handlers), scenarios.lambda_env(xray_daemon), xray_daemon
    )

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.stdout.split() == ['"default_user"'] * len(handlers)
    lambda_handlers, iams = outcome.named("lambda_handler"), outcome.named("iam")
    assert len(lambda_handlers) == len(iams) == len(handlers)
    for lambda_handler, iam in zip(lambda_handlers, iams, strict=True):
        assert lambda_handler["parent_id"] == scenarios.LAMBDA_PARENT
        assert iam["parent_id"] == lambda_handler["id"]
        assert iam["aws"]["operation"] == "GetUser"
        assert lambda_handler["metadata"]["default"]["args"] == ["{'id': 1}", "None"]


def _try_import(module: str) -> object:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None
