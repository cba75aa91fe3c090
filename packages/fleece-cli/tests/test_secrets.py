"""Secrets in ``fleece run`` and errors: the real console script in a subprocess.

The child of ``fleece run`` gets AWS credentials and never a Rackspace one; every
secret fleece holds (API key, identity token, AWS secret key, session token) is
redacted from every line it prints, whichever service echoed it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fleece.testing import Answer, RecordedRequest

# A child that reads its own environment from the kernel and prints it as JSON.
READ_OWN_ENVIRON = (
    "import json\n"
    "raw = open('/proc/self/environ', 'rb').read().split(b'\\0')\n"
    "pairs = [item.decode().split('=', 1) for item in raw if item]\n"
    "print(json.dumps(dict(pairs)))\n"
)


def child_environ(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The environment the READ_OWN_ENVIRON child found in /proc/self/environ."""
    assert result.returncode == 0, result.stderr
    environ: dict[str, str] = json.loads(result.stdout)
    return environ


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """Check fleece failed with exit status 1 and one stderr line; return it."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- the child's environment -----------------------------------------------------


def test_the_child_of_run_gets_aws_credentials_and_no_rackspace_secret(
    rackspace: Any, fleece: Any
) -> None:
    """RS_USERNAME, RS_API_KEY and any variable holding the key stay out."""
    env = {
        **os.environ,
        "RS_USERNAME": rackspace.username,
        "RS_API_KEY": rackspace.apikey,
        "MY_COPY_OF_THE_KEY": rackspace.apikey,
    }
    result = fleece(
        "run", "-a", rackspace.account, "--", sys.executable, "-c", READ_OWN_ENVIRON,
        env=env,
    )  # fmt: skip
    environ = child_environ(result)
    faws = rackspace.accounts[rackspace.account]
    assert (faws["accessKeyId"], faws["secretAccessKey"], faws["sessionToken"]) == (
        environ["AWS_ACCESS_KEY_ID"],
        environ["AWS_SECRET_ACCESS_KEY"],
        environ["AWS_SESSION_TOKEN"],
    )
    assert set() == {"RS_USERNAME", "RS_API_KEY", "MY_COPY_OF_THE_KEY"} & set(environ)
    assert rackspace.apikey not in json.dumps(environ)
    assert rackspace.token not in json.dumps(environ)


def test_apikey_file_gives_the_key_without_a_flag_or_variable(
    rackspace: Any, tmp_path: Path, fleece: Any
) -> None:
    """--apikey-file PATH: the key is read from the file, never in argv or the child."""
    key_file = tmp_path / "apikey"
    key_file.write_text(rackspace.apikey + "\n", encoding="utf-8")
    env = {**os.environ, "RS_USERNAME": rackspace.username}
    result = fleece(
        "run", "--apikey-file", str(key_file), "-a", rackspace.account, "--",
        sys.executable, "-c", READ_OWN_ENVIRON,
        env=env,
    )  # fmt: skip
    environ = child_environ(result)
    assert environ["AWS_ACCESS_KEY_ID"] == f"AKIA{rackspace.account}"
    assert rackspace.apikey not in json.dumps(environ)


def test_apikey_file_dash_takes_the_first_line_and_leaves_the_rest_to_the_command(
    rackspace: Any, fleece: Any
) -> None:
    """--apikey-file -: line one of stdin is the key; the command reads what follows."""
    echo_stdin = "import sys; sys.stdout.write(sys.stdin.read())"
    env = {**os.environ, "RS_USERNAME": rackspace.username}
    result = fleece(
        "run", "--apikey-file", "-", "-a", rackspace.account, "--",
        sys.executable, "-c", echo_stdin,
        env=env, input=f"{rackspace.apikey}\nfirst line for the command\nsecond\n",
    )  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "first line for the command\nsecond\n",
        "",
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["-k", "a-key", "--apikey-file", "-"], "give --apikey or --apikey-file"),
        (["--apikey-file", "/no/such/file"], "--apikey-file /no/such/file: cannot"),
    ],
    ids=["both", "missing-file"],
)
def test_a_wrong_apikey_file_option_is_a_usage_error(
    rackspace: Any, options: list[str], message: str, fleece: Any
) -> None:
    """Both key options, or an unreadable file: one line, exit status 2."""
    env = {**os.environ, "RS_USERNAME": rackspace.username}
    result = fleece("run", *options, "-a", rackspace.account, "true", env=env)
    assert (result.returncode, len(result.stderr.splitlines())) == (2, 1)
    assert message in result.stderr
    assert rackspace.server.requests == []


@pytest.mark.parametrize("command", [["run"], ["config"]])
def test_help_says_the_environment_variable_is_the_safe_way(
    command: list[str], fleece: Any
) -> None:
    """--apikey's help warns of the process list; --apikey-file is offered."""
    result = fleece(*command, "--help", env=dict(os.environ))
    text = " ".join(result.stdout.split())
    assert "visible to other users in the process list" in text
    assert "prefer the RS_API_KEY environment variable" in text
    assert "--apikey-file PATH" in text


# --- redaction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "held", "expected"),
    [
        ("/identity", ["apikey"], "Rackspace identity"),
        ("/faws", ["apikey", "token"], "FAWS"),
    ],
)
def test_a_service_error_echoing_secrets_is_printed_without_them(
    rackspace: Any, prefix: str, held: list[str], expected: str, fleece: Any
) -> None:
    """Identity echoing the API key; FAWS echoing the key and the token: redacted."""
    echoed = " ".join(getattr(rackspace, name) for name in held)

    def answer(request: RecordedRequest) -> Answer | None:
        if request.path.startswith(prefix):
            return Answer(403, {"title": f"denied: {echoed}"})
        return None

    rackspace.override = answer
    result = fleece(
        "run", *rackspace.flags, "-a", rackspace.account, "true", env=dict(os.environ)
    )
    line = error_line(result)
    assert expected in line
    assert "HTTP 403 denied: " + " ".join(["***"] * len(held)) in line
    assert rackspace.secret_mark not in result.stdout + result.stderr


def test_a_long_error_title_does_not_leak_the_start_of_a_secret(
    rackspace: Any, fleece: Any
) -> None:
    """The title is redacted before it is cut short, so no piece of the key shows."""

    def answer(request: RecordedRequest) -> Answer | None:
        return Answer(401, {"title": "x" * 90 + rackspace.apikey})

    rackspace.override = answer
    result = fleece(
        "run", *rackspace.flags, "-a", rackspace.account, "true", env=dict(os.environ)
    )
    line = error_line(result)
    assert "x" * 90 + "***" in line
    assert rackspace.apikey[:8] not in line


def test_an_sts_refusal_echoing_the_aws_keys_is_printed_without_them(
    rackspace: Any, fleece: Any
) -> None:
    """STS (a real botocore call) answering with the secret key and token: redacted."""
    faws = rackspace.accounts[rackspace.account]
    xml = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
        f"<Message>not with {faws['secretAccessKey']} and {faws['sessionToken']}"
        "</Message></Error><RequestId>1</RequestId></ErrorResponse>"
    )

    def answer(request: RecordedRequest) -> Answer | None:
        if request.path.startswith("/sts"):
            return Answer(403, xml, headers={"Content-Type": "text/xml"})
        return None

    rackspace.override = answer
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": rackspace.server.url + "/sts",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = fleece(
        "run", *rackspace.flags, "-a", rackspace.account, "-r", "Deployer", "true",
        env=env,
    )  # fmt: skip
    line = error_line(result)
    assert "refused: HTTP 403 AccessDenied not with *** and ***" in line
    assert rackspace.secret_mark not in result.stdout + result.stderr


def test_a_kms_error_echoing_the_session_token_is_printed_without_it(
    rackspace: Any, tmp_path: Path, fleece: Any
) -> None:
    """fleece config: KMS answering with the AWS keys, from a real botocore call."""
    faws = rackspace.accounts[rackspace.account]
    (tmp_path / "environments.yml").write_text(
        f"environments:\n  - name: dev\n    account: '{rackspace.account}'\n",
        encoding="utf-8",
    )
    (tmp_path / "config.yml").write_text(
        "stages:\n  dev: {environment: dev, key: dev-config}\n"
        "config:\n  password:\n    +dev: ':decrypt:c2VjcmV0'\n",
        encoding="utf-8",
    )
    error = {
        "__type": "AccessDeniedException",
        "message": f"no access for {faws['sessionToken']} ({faws['secretAccessKey']})",
    }

    def answer(request: RecordedRequest) -> Answer | None:
        if request.path.startswith("/kms"):
            return Answer(
                400, json.dumps(error), headers={"Content-Type": "application/json"}
            )
        return None

    rackspace.override = answer
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": rackspace.server.url + "/kms",
        "AWS_DEFAULT_REGION": "us-east-1",
        "RS_USERNAME": rackspace.username,
        "RS_API_KEY": rackspace.apikey,
    }
    result = fleece("config", "export", env=env, cwd=tmp_path)
    line = error_line(result)
    assert "AccessDeniedException no access for *** (***)" in line
    assert rackspace.secret_mark not in result.stdout + result.stderr
