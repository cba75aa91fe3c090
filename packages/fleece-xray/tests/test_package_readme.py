"""This distribution's README examples run as written, on both backends."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from fleece.testing import MotoServer, ScriptedHTTPServer

README = Path(__file__).parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
(HANDLER,) = [block for block in BLOCKS if "def lambda_handler" in block]
PYTEST_EXAMPLES = [block for block in BLOCKS if "def test_" in block]

INVOKE = """
    import json, os, sys
    import boto3

    boto3.client("iam").create_user(UserName="ann")
    import handler

    print(json.dumps(handler.lambda_handler({"customer": "c-1", "user": "ann"}, None)))
    sys.stdout.flush()
    os._exit(0)
"""


def test_the_handler_example_traces_the_same_on_both_backends(
    on_backend: Any, moto_env: MotoServer, http_server: ScriptedHTTPServer
) -> None:
    """handler.py: lambda_handler > get_user > (HTTP GET, IAM GetUser), annotated."""
    http_server.set_default(200, {"name": "Ann"})
    code = HANDLER.replace("https://profiles.example.com", http_server.url)
    (on_backend.scenarios.directory / "handler.py").write_text(code)

    outcome, received = on_backend.run(INVOKE, moto_env.env)

    assert (outcome.returncode, outcome.stderr) == (0, "")
    assert outcome.result() == "arn:aws:iam::123456789012:user/ann"
    assert [request.path for request in http_server.requests] == ["/ann"]
    if on_backend.backend == "xray-sdk":
        names = {doc["id"]: doc["name"] for doc in received}
        tree = {(doc["name"], names.get(doc["parent_id"])) for doc in received}
        handler = next(doc for doc in received if doc["name"] == "lambda_handler")
        assert handler["annotations"] == {"customer_id": "c-1"}
        assert tree == {
            ("lambda_handler", None),
            ("get_user", "lambda_handler"),
            ("127.0.0.1", "get_user"),
            ("iam", "get_user"),
        }
    else:
        names = {span.span_id: span.name for span in received}
        tree = {(span.name, names.get(str(span.parent_span_id))) for span in received}
        handler = next(span for span in received if span.name == "lambda_handler")
        assert handler.attributes["customer_id"] == "c-1"
        assert handler.attributes["aws.xray.annotations"] == ("customer_id",)
        assert tree == {
            ("lambda_handler", None),
            ("get_user", "lambda_handler"),
            ("GET", "get_user"),
            ("IAM.GetUser", "get_user"),
        }


def test_the_pytest_examples_pass(tmp_path: Path) -> None:
    """The README's tests of traced code (both backends) pass under pytest."""
    assert len(PYTEST_EXAMPLES) == 2
    for number, example in enumerate(PYTEST_EXAMPLES):
        (tmp_path / f"test_example_{number}.py").write_text(example)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
