"""Every Python example in README.md (and the meta-package's) runs as written.

AWS calls go to a local moto server (through AWS_ENDPOINT_URL) and
``https://api.example.com`` is pointed at a local HTTP server.
"""

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md", ROOT / "packages" / "fleece" / "README.md"]
BLOCKS = [
    block
    for readme in READMES
    for block in re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.S)
]
RUNNER = """
import json, runpy, sys
from fleece.testing import LambdaContext

namespace = runpy.run_path(sys.argv[1], run_name="readme_example")
handler = namespace.get("lambda_handler")
if handler is not None and "call_api" not in namespace:
    result = handler({"tenant": "acme"}, LambdaContext(function_name="readme"))
    print("HANDLER RESULT", json.dumps(result, default=str))
"""


def _run(block: str, tmp_path: Path, env: dict[str, str], run_python) -> list[str]:
    script = tmp_path / "example.py"
    script.write_text(block)
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    return run_python(str(runner), str(script), env=env)


@pytest.fixture
def example_env(moto_env, http_server):
    http_server.set_default(200, {"users": []})
    return dict(os.environ), http_server


def test_readme_has_python_examples():
    """The tour shows one example per package at least."""
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, example_env, run_python):
    """Each example runs to completion against local stand-ins."""
    env, http_server = example_env
    block = BLOCKS[index].replace("https://api.example.com", http_server.url)

    output = _run(block, tmp_path, env, run_python)

    if "log.setup_root_logger(level=logging.INFO)" in block:
        lines = [json.loads(line) for line in output]
        assert [line["event"] for line in lines] == [
            "user created",
            "payment declined twice",
            "stdlib records are JSON too",
        ]
        assert lines[1]["order_id"] == "o-1"
        assert lines[1]["card"] == "visa"
        # The output comment is the real line, but for the script's name and the time.
        [shown] = re.findall(r"# (\{.*\})\n", block)
        shown = shown.replace("__main__", lines[0]["logger"])
        assert shown.replace("2026-…Z", lines[0]["timestamp"]) == output[0]
    if "WORKER-POLL" in block:
        _assert_cloudwatch_got_the_json_line()
    if "bind_context(tenant" in block:
        (line,) = [json.loads(o) for o in output if o.startswith("{")]
        assert line["tenant"] == "acme"
        assert line["function_name"] == "readme"
        assert output[-1] == 'HANDLER RESULT {"ok": true}'
    if "boto3.set_default_timeout(15)" in block:
        assert output[-1] == "15 25"
    if "https://api.example.com/users" in BLOCKS[index]:
        paths = [request.path for request in http_server.requests]
        assert paths == ["/users", "/users/7", "/users"]
    if "monkey_patch_botocore_for_xray" in block:
        assert output[-1].startswith("HANDLER RESULT")
    if "WSGIHandler(app)" in block:
        assert output[-1] == '{"id":7,"name":"Rex"}'
    if "ASGIHandler(app)" in block:
        assert output[-1] == '{"id":7,"greeting":"hello"}'
    if "buckets listed" in block:
        assert output[-1] == 'HANDLER RESULT {"buckets": 0}'
    if "AuthPolicy.from_method_arn" in block:
        assert output[-1] == "['Allow', 'Deny']"

    if "LambdaRuntime(" in block:
        assert output[-1] == "{'name': 'Rex'} None None"


def _assert_cloudwatch_got_the_json_line() -> None:
    """The RetryHandler example's line reached moto's CloudWatch Logs as JSON."""
    import boto3

    logs = boto3.client("logs")
    [stream] = logs.describe_log_streams(logGroupName="WORKER-POLL")["logStreams"]
    [event] = logs.get_log_events(
        logGroupName="WORKER-POLL", logStreamName=stream["logStreamName"]
    )["events"]
    line = json.loads(event["message"])
    assert (line["event"], line["jobs"], line["logger"]) == ("polled", 3, "worker")
