"""Every Python example of fleece 1.x's README runs on fleece 2, against stand-ins.

``data/fleece-1.x-README.md`` is 1.x's README, verbatim. Its examples are fragments:
each runs in a fresh interpreter with the set-up its prose assumes (a ``logger``,
the imports) before it and a probe of what it did after it; the example text itself
is unchanged, except for ``lambda = ...`` (a SyntaxError in every Python: ``lambda``
is a keyword) and the elided ``https://...`` URLs. AWS is moto's server, the HTTP
service a scripted local server, the X-Ray daemon a real UDP listener.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from fleece.testing import XRayDaemon

README = Path(__file__).parent / "data" / "fleece-1.x-README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
PETS_API = "def list_pets():\n    return [{'name': 'Rex'}]\n"


def _block(marker: str) -> str:
    """The one example containing ``marker``."""
    (found,) = [block for block in BLOCKS if marker in block]
    return found


def _run(run_python, tmp_path: Path, code: str, env: dict[str, str] | None = None):
    """Run ``code`` as a script in ``tmp_path``, ``env`` added to the environment."""
    (tmp_path / "example.py").write_text(code)
    return run_python("example.py", env={**os.environ, **(env or {})})


def test_the_1x_readme_has_eight_python_examples():
    """Logging 2, boto3 2, requests 1, X-Ray 1, connexion 2: none is missed."""
    assert len(BLOCKS) == 8


@pytest.mark.parametrize("wrapped", [False, True], ids=["plain", "retry-handler"])
def test_the_cloudwatch_handler_examples_deliver_records(
    moto_env, tmp_path, wrapped, run_python
):
    """watchtower's handler, bare or in RetryHandler, gets the logger's records."""
    blocks = [b for b in BLOCKS if "watchtower.CloudWatchLogHandler" in b]
    example = next(b for b in blocks if ("RetryHandler" in b) == wrapped)
    code = (
        "import uuid\nimport watchtower\nimport fleece.log\n"
        "logger = fleece.log.get_logger('worker')\n"
        + example
        + "logger.info('polled', jobs=3)\n"
    )

    _run(run_python, tmp_path, code)

    logs = boto3.client("logs")
    messages = [
        e["message"]
        for e in logs.filter_log_events(logGroupName="WORKER-POLL")["events"]
    ]
    assert len(messages) == 1
    assert "polled" in messages[0]


@pytest.mark.parametrize(
    ("marker", "expected"),
    [("import boto3\n# ...", "60 60"), ("boto3.set_default_timeout(15)", "15 15")],
    ids=["boto3", "fleece.boto3"],
)
def test_the_boto3_examples_give_the_timeouts_they_promise(
    moto_env, tmp_path, marker, expected, run_python
):
    """boto3's client keeps 60 s; fleece's after set_default_timeout(15) has 15 s."""
    example = _block(marker).replace("lambda = ", "lambda_client = ")
    probe = (
        "config = lambda_client.meta.config\n"
        "print(config.connect_timeout, config.read_timeout)\n"
    )

    output = _run(run_python, tmp_path, example + probe)

    assert output[-1] == expected


def test_the_requests_example_uses_the_installed_defaults(
    http_server, tmp_path, run_python
):
    """A 503 is retried by the installed default; put and the session run too."""
    http_server.enqueue(503)
    example = _block("requests.set_default_retries").replace(
        "https://...", http_server.url_for("/thing")
    )

    _run(run_python, tmp_path, example + "print(r.status_code)\n")

    assert [r.method for r in http_server.requests] == ["GET", "GET", "PUT", "GET"]


def test_the_xray_example_traces_the_handler_and_the_iam_call(
    moto_env, tmp_path, xray_daemon: XRayDaemon, traced_lambda_env, run_python
):
    """The handler and the patched IAM call reach the daemon as subsegments."""
    boto3.client("iam").create_user(UserName="default_user")
    probe = (
        "from fleece.testing import LambdaContext\n"
        "print(lambda_handler({}, LambdaContext())['User']['UserName'])\n"
    )

    output = _run(
        run_python,
        tmp_path,
        _block("monkey_patch_botocore_for_xray()") + probe,
        traced_lambda_env,
    )

    assert output[-1] == "default_user"
    names = _subsegment_names(xray_daemon, {"lambda_handler", "IAM", "iam"})
    assert "lambda_handler" in names
    assert {"IAM", "iam"} & names


def _subsegment_names(daemon: XRayDaemon, wanted: set[str]) -> set[str]:
    """Names of the documents the daemon got, once the wanted ones arrived."""
    deadline = time.monotonic() + 10
    names: set[str] = set()
    while time.monotonic() < deadline:
        names = {doc.get("name", "") for doc in daemon.documents}
        names |= {
            sub.get("name", "")
            for doc in daemon.documents
            for sub in doc.get("subsegments", [])
        }
        if "lambda_handler" in names and wanted - {"lambda_handler"} & names:
            break
        time.sleep(0.05)
    return names


def test_the_call_api_example_answers_a_1x_request_template_event(
    tmp_path, run_python, pets_api
):
    """The 1.x handler, fed 1.x's own LambdaEvent, returns the operation's JSON."""
    pets_api("pets_api", PETS_API)
    probe = (
        "import json\n"
        "from fleece.testing import LambdaContext, LambdaEvent\n"
        "event = LambdaEvent().generate(gateway={'resource-path': '/pets'})\n"
        "print(json.dumps(lambda_handler(event, LambdaContext())))\n"
    )

    output = _run(run_python, tmp_path, _block('call_api(event, "myapi"') + probe)

    assert json.loads(output[-1]) == [{"name": "Rex"}]


def test_the_get_connexion_app_example_serves_the_api_locally(tmp_path, pets_api):
    """Run as __main__, app.run(PORT) serves the API over real HTTP."""
    pets_api("pets_api", PETS_API)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = tmp_path / "serve.py"
    script.write_text(_block("app.run(8080)").replace("8080", str(port)))
    errors = tmp_path / "serve.err"
    with (
        errors.open("wb") as stderr,
        subprocess.Popen(
            [sys.executable, str(script)],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        ) as server,
    ):
        try:
            body = _get_when_up(f"http://127.0.0.1:{port}/pets", server, errors)
        finally:
            server.terminate()

    assert json.loads(body) == [{"name": "Rex"}]


def _get_when_up(url: str, server: subprocess.Popen, errors: Path) -> bytes:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(errors.read_text())
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within 30 s")
