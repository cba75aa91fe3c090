"""The "Connexion integration" handler of the fleece 1.x README, run as written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from fleece.testing import sample_event

HANDLER = """\
from fleece.connexion import call_api
from fleece.log import get_logger

logger = get_logger(__name__)


def lambda_handler(event, context):
    return call_api(event, 'myapi', 'swagger.yml', logger)
"""

INVOKE = """\
import json
from fleece.httperror import HTTPError
from fleece.testing import apigw_v1_event, request_template_event
import handler

def report(value):
    print("RESULT " + json.dumps(value))

with open("request-template.json") as sample:
    report(handler.lambda_handler(json.load(sample), None))
report(handler.lambda_handler(apigw_v1_event("GET", "/pets/42"), None)["body"])
try:
    handler.lambda_handler(request_template_event("GET", "/boom"), None)
except HTTPError as error:
    report(str(error))
"""


def test_readme_handler_passes_its_logger_positionally_and_errors_go_through_it(
    tmp_path: Path, petstore_dir: Path
) -> None:
    """``call_api(event, 'myapi', 'swagger.yml', logger)`` in a Lambda bundle folder.

    The request template answers the parsed body, a proxy event a proxy answer, and
    an operation's exception a bare 500 HTTPError, its traceback logged as a JSON
    line by the handler module's fleece logger.
    """
    shutil.copy(petstore_dir / "openapi.yaml", tmp_path / "swagger.yml")
    (tmp_path / "request-template.json").write_text(
        json.dumps(sample_event("request-template"))
    )
    (tmp_path / "handler.py").write_text(HANDLER)
    (tmp_path / "invoke.py").write_text(INVOKE)
    env = {**os.environ, "PYTHONPATH": str(petstore_dir)}
    completed = subprocess.run(
        [sys.executable, "invoke.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    results = [json.loads(line[7:]) for line in lines if line.startswith("RESULT ")]
    template_body, proxy_body, error_text = results
    assert template_body == {
        "id": 43,
        "owner": 7,
        "name": "Rex",
        "tag": "dog",
        "notified": True,
    }
    assert json.loads(proxy_body) == {"id": 42, "name": "Rex", "tag": "dog"}
    assert error_text == "500: Internal Server Error"
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    [error] = [record for record in logged if record.get("level") == "error"]
    assert error["logger"] == "handler"
    assert error["event"] == "unhandled exception serving GET /boom"
    assert "RuntimeError: database password is hunter2" in error["exception"]
