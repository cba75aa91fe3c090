"""Fixtures of the repository-level tests."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def run_python(tmp_path: Path) -> Callable[..., list[str]]:
    """Run ``python ARGS`` in ``tmp_path``; assert it succeeds; return its stdout lines.

    ``env`` replaces the environment (default: this process's).
    """

    def run(*args: str, env: dict[str, str] | None = None) -> list[str]:
        result = subprocess.run(
            [sys.executable, *args],
            cwd=tmp_path,
            env=dict(os.environ) if env is None else env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.splitlines()

    return run


SAMPLED_TRACE_HEADER = (
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
)
PETS_SWAGGER = """
swagger: "2.0"
info: {{title: pets, version: "1.0"}}
paths:
  /pets:
    get:
      operationId: {module}.list_pets
      produces: [application/json]
      responses:
        "200":
          description: the pets
          schema: {{type: array, items: {{type: object}}}}
"""


@pytest.fixture
def traced_lambda_env(xray_daemon, tmp_path: Path) -> dict[str, str]:
    """This process's environment plus a sampled Lambda invocation's, for a child.

    aws-xray-sdk reads these when imported: only a new interpreter picks them up.
    """
    return {
        **os.environ,
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "AWS_LAMBDA_FUNCTION_NAME": "handler",
        "_X_AMZN_TRACE_ID": SAMPLED_TRACE_HEADER,
        **xray_daemon.env,
    }


@pytest.fixture
def pets_api(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``swagger.yml`` (GET /pets -> ``MODULE.list_pets``) and ``MODULE.py``.

    Returns a function ``(module, code)`` giving the document's path.
    """

    def write(module: str, code: str) -> Path:
        (tmp_path / f"{module}.py").write_text(code)
        swagger = tmp_path / "swagger.yml"
        swagger.write_text(PETS_SWAGGER.format(module=module))
        return swagger

    return write
