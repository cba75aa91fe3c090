"""The pytest plugin: its fixtures in a user's own test run, found by entry point."""

import subprocess
import sys
import textwrap

USER_TESTS = """
from fleece.testing import LambdaContext, ScriptedHTTPServer, XRayDaemon


def test_lambda_context(lambda_context):
    assert isinstance(lambda_context, LambdaContext)


def test_xray_daemon(xray_daemon):
    assert isinstance(xray_daemon, XRayDaemon)


def test_http_server(http_server):
    assert isinstance(http_server, ScriptedHTTPServer)


def test_moto_server(moto_server):
    pass
"""


def test_a_users_test_run_gets_the_fixtures_and_a_clear_error_without_moto(tmp_path):
    """No conftest needed; moto_server without moto fails with the pip line, once."""
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    (tmp_path / "conftest.py").write_text(
        "import sys\n\nsys.modules['moto'] = None  # as if moto were not installed\n"
    )

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-rN", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    outcomes = {
        line.split("::")[1].split()[0]: line.split()[1]
        for line in result.stdout.splitlines()
        if line.startswith("test_user.py::")
    }
    assert outcomes == {
        "test_lambda_context": "PASSED",
        "test_xray_daemon": "PASSED",
        "test_http_server": "PASSED",
        "test_moto_server": "ERROR",
    }
    assert result.stdout.count("pip install 'fleece-testing[moto]'") == 1
