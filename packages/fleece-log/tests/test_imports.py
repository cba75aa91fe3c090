"""Import hygiene: fleece.log stays light and does no work at import."""

from __future__ import annotations

import subprocess
import sys

from fleece.testing import modules_imported_by


def test_importing_fleece_log_pulls_in_no_heavy_library():
    """No boto3, requests, X-Ray SDK, connexion, docker, yaml, asyncio nor typing."""
    imported = modules_imported_by("fleece.log")

    heavy = {"boto3", "botocore", "requests", "aws_xray_sdk", "connexion", "docker"}
    assert "fleece.log" in imported
    assert set() == (heavy | {"yaml", "asyncio", "typing"}) & imported


def test_importing_fleece_log_leaves_logging_untouched():
    """Import alone adds no handler to the root logger and writes nothing."""
    code = (
        "import logging, fleece.log;"
        "print(len(logging.getLogger().handlers), logging.getLogger().level)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert (result.stdout, result.stderr) == ("0 30\n", "")


def test_the_public_names_are_exported():
    """Everything SPEC §1 names is importable from fleece.log."""
    from fleece import log

    for name in (
        "get_logger",
        "getLogger",
        "BoundLogger",
        "bind_context",
        "unbind_context",
        "clear_context",
        "setup_root_logger",
        "inject_request_ids_into_environment",
        "inject_lambda_context",
        "RetryHandler",
    ):
        assert name in log.__all__
        assert getattr(log, name) is not None
