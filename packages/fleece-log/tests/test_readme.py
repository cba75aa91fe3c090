"""The README's examples run as written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import boto3

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    """The ```python blocks of the README, in order."""
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_logging_example_writes_json_lines_with_the_invocation_ids(tmp_path):
    """The first example, invoked once, prints JSON lines carrying the request ids."""
    script = tmp_path / "handler.py"
    script.write_text(
        python_blocks()[0]
        + "\nfrom fleece.testing import LambdaContext, apigw_v1_event\n"
        + "lambda_handler(apigw_v1_event(request_id='api-1'), LambdaContext())\n"
    )

    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    )

    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["event"] for line in lines] == [
        "order received",
        "retrying payment",
    ]
    assert all(line["api_request_id"] == "api-1" for line in lines)
    assert lines[1]["customer"] == "c-42"
    assert lines[1]["step"] == "charge"
    assert result.stderr == ""


def test_the_retry_example_sends_json_lines_to_cloudwatch(moto_env):
    """The RetryHandler example, pointed at moto, delivers the JSON line."""
    namespace: dict[str, object] = {}
    exec(python_blocks()[1], namespace)  # noqa: S102 - the README's own example
    logger, handler = namespace["logger"], namespace["handler"]
    try:
        logger.info("polled", items=3)  # type: ignore[attr-defined]  # filled by exec
    finally:
        logger.removeHandler(handler)  # type: ignore[attr-defined]  # filled by exec
        handler.close()  # type: ignore[attr-defined]  # filled by exec

    client = boto3.client("logs")
    cloudwatch = handler.handler  # type: ignore[attr-defined]  # filled by exec
    events = client.get_log_events(
        logGroupName="WORKER-POLL", logStreamName=cloudwatch.log_stream_name
    )["events"]
    [line] = [json.loads(event["message"]) for event in events]
    assert (line["event"], line["items"], line["logger"]) == ("polled", 3, "worker")


def test_the_profiling_example_runs_and_logs_the_statistics_when_sampled(
    stream, monkeypatch
):
    """The profile_handler example returns the handler's result; sampled, it logs."""
    import random

    from fleece import log
    from fleece.testing import LambdaContext

    log.setup_root_logger(stream=stream)
    monkeypatch.setattr(random, "random", lambda: 0.05)  # within sample=0.1
    namespace: dict[str, object] = {}
    exec(python_blocks()[2], namespace)  # noqa: S102 - the README's own example

    result = namespace["lambda_handler"]({}, LambdaContext())  # type: ignore[operator]  # filled by exec

    assert result == {"ok": True}
    line = stream.last()
    assert (line["event"], line["logger"]) == ("Profiling completed", "profiler")
    assert isinstance(line["profiling_data"], list)
