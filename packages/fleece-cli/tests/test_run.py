"""``fleece run`` in-process: fake identity + FAWS server, moto STS, a real child."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fleece.cli import cli
from fleece.testing import Answer, MotoServer, RecordedRequest

ENVIRONMENTS_YML = """\
environments:
  - name: testing
    account: '123456789012'
  - name: production
    account: '123456789012'
    role: LambdaDeployRole
    rs_username_var: PROD_RS_USERNAME
    rs_apikey_var: PROD_RS_API_KEY
stages:
  prod: {environment: production}
  /dev-.*/: {environment: testing}
"""


def invoke(*args: str) -> Result:
    """Run ``fleece ARGS...`` in-process, as the console script would."""
    return CliRunner().invoke(cli, list(args), prog_name="fleece")


def create_role(name: str) -> None:
    """Create an IAM role on the moto server, so that STS lets it be assumed."""
    import boto3

    boto3.client("iam").create_role(
        RoleName=name,
        AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}',
    )


def caller_arn(env: dict[str, str]) -> str:
    """Who the credentials in ``env`` are, according to STS."""
    import boto3

    sts = boto3.client(
        "sts",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )
    arn: str = sts.get_caller_identity()["Arn"]
    return arn


@pytest.fixture
def environments_file(tmp_path: Path) -> Path:
    """An environments.yml with two environments and two stage rules."""
    path = tmp_path / "environments.yml"
    path.write_text(ENVIRONMENTS_YML, encoding="utf-8")
    return path


def test_run_gives_the_child_faws_credentials_and_its_exit_status(
    rackspace: Any, child: Any
) -> None:
    """The child sees FAWS's keys as AWS_* variables; fleece exits with its status."""
    result = invoke(
        "run", *rackspace.flags, "-a", rackspace.account, "--", *child.argv(3)
    )
    expected = rackspace.accounts[rackspace.account]
    assert (result.exit_code, result.output) == (3, "child ran\n")
    assert (
        expected["accessKeyId"],
        expected["secretAccessKey"],
        expected["sessionToken"],
    ) == (
        child.env["AWS_ACCESS_KEY_ID"],
        child.env["AWS_SECRET_ACCESS_KEY"],
        child.env["AWS_SESSION_TOKEN"],
    )


def test_run_sends_identity_and_faws_the_requests_the_real_services_expect(
    rackspace: Any, child: Any
) -> None:
    """Identity gets the API-key body; FAWS gets the token, tenant and duration."""
    invoke("run", *rackspace.flags, "-a", rackspace.account, "--", *child.argv())
    [identity] = rackspace.requests_to("/identity")
    [faws] = rackspace.requests_to("/faws")
    assert (identity.method, identity.path) == ("POST", "/identity/v2.0/tokens")
    credentials = {"username": rackspace.username, "apiKey": rackspace.apikey}
    assert {"auth": {"RAX-KSKEY:apiKeyCredentials": credentials}} == identity.json()
    assert ("POST", f"/faws/v0/awsAccounts/{rackspace.account}/credentials") == (
        faws.method,
        faws.path,
    )
    assert (rackspace.token, rackspace.tenant) == (
        faws.headers["X-Auth-Token"],
        faws.headers["X-Tenant-Id"],
    )
    assert faws.json() == {"credential": {"duration": "3600"}}


def test_run_removes_aws_profile_and_keeps_the_rest_of_the_environment(
    rackspace: Any, child: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_PROFILE would make AWS tools ignore the credentials: it is removed."""
    monkeypatch.setenv("AWS_PROFILE", "someone-else")
    monkeypatch.setenv("MY_SETTING", "kept")
    invoke("run", *rackspace.flags, "-a", rackspace.account, "--", *child.argv())
    assert "AWS_PROFILE" not in child.env
    assert child.env["MY_SETTING"] == "kept"


def test_run_passes_arguments_after_dashes_exactly_without_a_shell(
    rackspace: Any, child: Any
) -> None:
    """After ``--`` the program gets its arguments as given: no globbing, no $VAR."""
    tricky = ["*", "$HOME", "a b", "'quoted'", "--", "-a", ""]
    result = invoke(
        "run", *rackspace.flags, "-a", rackspace.account, "--", *child.argv(0, *tricky)
    )
    assert result.exit_code == 0, result.output
    assert tricky == child.record()["argv"]
    assert rackspace.apikey not in child.record()["argv"]


def test_run_runs_one_string_through_the_shell(rackspace: Any, child: Any) -> None:
    """One COMMAND string is a shell command line: expansions and exit work."""
    line = shlex.join(child.argv(0)) + ' "$AWS_ACCESS_KEY_ID"; exit 5'
    result = invoke("run", *rackspace.flags, "-a", rackspace.account, line)
    assert result.exit_code == 5, result.output
    assert [rackspace.accounts[rackspace.account]["accessKeyId"]] == child.record()[
        "argv"
    ]


def test_run_reads_username_and_apikey_from_rs_variables(
    rackspace: Any, child: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without flags, RS_USERNAME and RS_API_KEY are used."""
    monkeypatch.setenv("RS_USERNAME", rackspace.username)
    monkeypatch.setenv("RS_API_KEY", rackspace.apikey)
    result = invoke("run", "-a", rackspace.account, "--", *child.argv())
    assert result.exit_code == 0, result.output


def test_run_flags_beat_every_credential_variable(
    rackspace: Any, child: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--username/--apikey win over RS_USERNAME/RS_API_KEY."""
    monkeypatch.setenv("RS_USERNAME", "wrong-user")
    monkeypatch.setenv("RS_API_KEY", "wrong-key")
    result = invoke(
        "run", *rackspace.flags, "-a", rackspace.account, "--", *child.argv()
    )
    assert result.exit_code == 0, result.output


def test_run_flags_beat_the_environments_credential_variables(
    rackspace: Any,
    child: Any,
    environments_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    moto_env: MotoServer,
) -> None:
    """--username/--apikey win over the variables named by rs_*_var too."""
    create_role("LambdaDeployRole")
    monkeypatch.setenv("PROD_RS_USERNAME", "wrong-user")
    monkeypatch.setenv("PROD_RS_API_KEY", "wrong-key")
    result = invoke(
        "run", *rackspace.flags, "-c", str(environments_file), "-e", "production",
        "--", *child.argv(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_the_1x_readme_commands_work_with_long_flags_and_the_default_config(
    rackspace: Any, child: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--username --apikey --account 'cmd'`` and ``--environment testing`` read
    from ./environments.yml, written as the fleece 1.x README shows it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments.yml").write_text(
        "environments:\n"
        "  - name: development\n    account: '123456789012'\n"
        "  - name: testing\n    account: '123456789012'\n"
        "  - name: production\n    account: '123456789012'\n"
        "    role: LambdaDeployRole\n",
        encoding="utf-8",
    )
    command = shlex.join(child.argv(0))
    credentials = ["--username", rackspace.username, "--apikey", rackspace.apikey]

    by_account = invoke("run", *credentials, "--account", rackspace.account, command)
    by_environment = invoke("run", *credentials, "--environment", "testing", command)

    assert (by_account.exit_code, by_environment.exit_code) == (0, 0), (
        by_account.output + by_environment.output
    )
    expected = rackspace.accounts[rackspace.account]["accessKeyId"]
    assert expected == child.env["AWS_ACCESS_KEY_ID"]
    assert len(rackspace.requests_to("/faws")) == 2


def test_run_with_role_assumes_it_through_sts(
    rackspace: Any, child: Any, moto_env: MotoServer
) -> None:
    """With --role the child gets the assumed role's credentials, not FAWS's."""
    create_role("Deployer")
    result = invoke(
        "run", *rackspace.flags, "-a", rackspace.account, "-r", "Deployer", "--",
        *child.argv(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    faws_key = rackspace.accounts[rackspace.account]["accessKeyId"]
    assert faws_key != child.env["AWS_ACCESS_KEY_ID"]
    assert (
        f"arn:aws:sts::{rackspace.account}:assumed-role/Deployer/fleece-rs-user"
        == caller_arn(child.env)
    )


def test_run_with_environment_uses_its_account_role_and_credential_variables(
    rackspace: Any,
    child: Any,
    environments_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    moto_env: MotoServer,
) -> None:
    """-e production: account and role from environments.yml; its rs_*_var beat RS_*.

    The child gets the role's credentials and none of the Rackspace variables.
    """
    create_role("LambdaDeployRole")
    monkeypatch.setenv("RS_USERNAME", "wrong-user")
    monkeypatch.setenv("RS_API_KEY", "wrong-key")
    monkeypatch.setenv("PROD_RS_USERNAME", rackspace.username)
    monkeypatch.setenv("PROD_RS_API_KEY", rackspace.apikey)
    result = invoke(
        "run", "-c", str(environments_file), "-e", "production", "--", *child.argv()
    )
    assert result.exit_code == 0, result.output
    assert caller_arn(child.env).startswith(
        f"arn:aws:sts::{rackspace.account}:assumed-role/LambdaDeployRole/"
    )
    rackspace_variables = {
        "RS_USERNAME", "RS_API_KEY", "PROD_RS_USERNAME", "PROD_RS_API_KEY"
    }  # fmt: skip
    assert set() == rackspace_variables & set(child.env)
    assert rackspace.secret_mark not in json.dumps(child.env)


def test_run_with_stage_finds_the_environment_by_regex(
    rackspace: Any, child: Any, environments_file: Path
) -> None:
    """--stage dev-alice matches /dev-.*/ and runs in the testing environment."""
    result = invoke(
        "run", *rackspace.flags, "-c", str(environments_file), "-s", "dev-alice",
        "--", *child.argv(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    faws_key = rackspace.accounts[rackspace.account]["accessKeyId"]
    assert faws_key == child.env["AWS_ACCESS_KEY_ID"]


def test_run_with_stage_and_role_assumes_that_role_instead_of_the_environments(
    rackspace: Any,
    child: Any,
    environments_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    moto_env: MotoServer,
) -> None:
    """--stage prod --role Deployer: production's account, the role given by flag."""
    create_role("Deployer")
    result = invoke(
        "run", *rackspace.flags, "-c", str(environments_file), "--stage", "prod",
        "--role", "Deployer", "--", *child.argv(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert caller_arn(child.env).startswith(
        f"arn:aws:sts::{rackspace.account}:assumed-role/Deployer/"
    )


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([], "give exactly one of --account, --environment, --stage"),
        (["-a", "123456789012", "-e", "testing"], "(got --account and --environment)"),
        (["-e", "testing", "-r", "Admin"], "--role cannot be used with --environment"),
        (["-a", "12345"], "'12345' is not a 12-digit AWS account id"),
        (["-a", "123456789012", "-r", "bad role!"], "'bad role!' is not an IAM role"),
        (["-e", "nope"], "unknown environment 'nope'"),
        (["-s", "qa"], "unknown stage 'qa'"),
        (["--bogus"], "No such option '--bogus'"),
    ],
)
def test_run_usage_errors_exit_2_with_one_line(
    rackspace: Any, environments_file: Path, flags: list[str], message: str
) -> None:
    """Wrong option combinations: one line on stderr, exit status 2, no request made."""
    result = invoke(
        "run", *rackspace.flags, "-c", str(environments_file), *flags, "true"
    )
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert rackspace.server.requests == []


def test_run_without_a_command_is_a_usage_error(rackspace: Any) -> None:
    """COMMAND is required."""
    result = invoke("run", *rackspace.flags, "-a", rackspace.account)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: Missing argument 'COMMAND...'. (see 'fleece run --help')"
    ]


def test_run_without_an_apikey_says_where_to_put_it(rackspace: Any) -> None:
    """No --apikey and no RS_API_KEY: a usage error naming both."""
    result = invoke("run", "-u", rackspace.username, "-a", rackspace.account, "true")
    assert result.exit_code == 2
    assert "no Rackspace API key: pass --apikey or set RS_API_KEY" in result.stderr


def test_run_with_a_missing_environments_file_exits_1(
    rackspace: Any, tmp_path: Path
) -> None:
    """-e with no environments.yml: one line naming the file, exit status 1."""
    missing = tmp_path / "environments.yml"
    result = invoke(
        "run", *rackspace.flags, "-c", str(missing), "-e", "testing", "true"
    )
    assert result.exit_code == 1
    assert [
        f"Error: {missing}: no such file; create it or pass another with -c/--config"
    ] == result.stderr.splitlines()


def test_run_reports_an_identity_refusal_without_secrets(rackspace: Any) -> None:
    """A wrong API key: the status and the service's error title, nothing secret."""
    wrong_key = f"wrong-{rackspace.secret_mark}"
    result = invoke(
        "run",
        "-u",
        rackspace.username,
        "-k",
        wrong_key,
        "-a",
        rackspace.account,
        "true",
    )
    assert result.exit_code == 1
    assert [
        f"Error: Rackspace identity ({rackspace.identity_url}/v2.0/tokens) refused: "
        "HTTP 401 unauthorized"
    ] == result.stderr.splitlines()
    assert rackspace.secret_mark not in result.output


def test_run_reports_an_unknown_faws_account_with_its_status(rackspace: Any) -> None:
    """An account FAWS does not know: HTTP 404 and its title, no token in sight."""
    result = invoke("run", *rackspace.flags, "-a", "210987654321", "true")
    assert result.exit_code == 1
    assert [
        f"Error: FAWS ({rackspace.faws_url}/v0/awsAccounts/210987654321/credentials) "
        "refused: HTTP 404 Not Found"
    ] == result.stderr.splitlines()
    assert rackspace.secret_mark not in result.output


def test_run_never_echoes_secrets_a_server_reflects(rackspace: Any) -> None:
    """Even an error title quoting the API key does not bring it to the screen."""

    def reflect(request: RecordedRequest) -> Answer:
        title = f"forbidden for key {rackspace.apikey}"
        return Answer(403, {"title": title, "detail": rackspace.apikey})

    rackspace.override = reflect
    result = invoke("run", *rackspace.flags, "-a", rackspace.account, "true")
    assert result.exit_code == 1
    assert "HTTP 403 forbidden for key ***" in result.stderr
    assert rackspace.secret_mark not in result.output


def test_run_reports_an_unreachable_service_in_one_line(rackspace: Any) -> None:
    """Connections reset on every attempt: one line, exit status 1."""
    rackspace.override = lambda request: Answer(reset=True)
    result = invoke("run", *rackspace.flags, "-a", rackspace.account, "true")
    assert result.exit_code == 1
    assert [
        f"Error: Rackspace identity ({rackspace.identity_url}/v2.0/tokens) could not "
        "be reached (connection failed)"
    ] == result.stderr.splitlines()


def test_run_of_a_missing_program_exits_127(rackspace: Any) -> None:
    """A program that does not exist: one line, exit status 127 like a shell."""
    result = invoke(
        "run", *rackspace.flags, "-a", rackspace.account, "--", "no-such-program"
    )
    assert (
        result.exit_code,
        result.stderr.splitlines(),
    ) == (127, ["Error: command not found: no-such-program"])


def test_run_relays_the_commands_output_and_input_through_click(
    rackspace: Any, child: Any
) -> None:
    """Under CliRunner (no real stdio) the command still reads input and is heard."""
    line = 'read name; echo "hello $name"; echo oops >&2; exit 4'
    result = CliRunner().invoke(
        cli,
        ["run", *rackspace.flags, "-a", rackspace.account, line],
        prog_name="fleece",
        input="alice\n",
    )
    assert (result.exit_code, result.stdout, result.stderr) == (
        4,
        "hello alice\n",
        "oops\n",
    )
