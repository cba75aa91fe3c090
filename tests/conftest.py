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
