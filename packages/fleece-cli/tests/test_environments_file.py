"""environments.yml as ``fleece run -e/-s`` reads it: every mistake is one line."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fleece.cli import cli
from fleece.cli._errors import ConfigError
from fleece.cli._faws._environments import load_environments


def run_with(tmp_path: Path, rackspace: Any, text: str, *selector: str) -> Any:
    """Write ``text`` as environments.yml and run ``fleece run`` against it."""
    path = tmp_path / "environments.yml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(
        cli,
        ["run", *rackspace.flags, "-c", str(path), *selector, "--", "true"],
        prog_name="fleece",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "environments:\n  - name: testing\n    account: 123456789012\n",
            "environment 'testing': account 123456789012 was read as a number, "
            "not text; quote it (account: '123456789012') so YAML keeps every digit",
        ),
        (
            "environments:\n  - name: other\n    account: '123456789012'\n"
            "  - name: testing\n    account: 0123456701\n",
            "environment 'testing': account 0123456701 was read as a number "
            "(21913025), not text; quote it (account: '0123456701') so YAML keeps "
            "every digit",
        ),
        (
            "environments:\n  - name: testing\n    account: '1234'\n",
            "environment 'testing': account '1234' is not a 12-digit AWS account id",
        ),
        (
            "environments:\n  - name: testing\n",
            "environment 'testing': 'account' is missing",
        ),
        (
            "environments:\n  - account: '123456789012'\n",
            "environments[0]: 'name' must be a non-empty string",
        ),
        (
            "environments:\n  - name: testing\n    account: '123456789012'\n"
            "    rs_api_key_var: KEY\n",
            "environments[0]: unknown key 'rs_api_key_var' (expected one of name, "
            "account, role, rs_username_var, rs_apikey_var)",
        ),
        (
            "environments:\n  - name: testing\n    account: '123456789012'\n"
            "  - name: testing\n    account: '123456789012'\n",
            "environment 'testing': defined twice",
        ),
        ("environments: []\n", "'environments:' must be a non-empty list"),
        ("- just a list\n", "expected a mapping with an 'environments:' list"),
        ("environments: [\n", "not valid YAML at line 2"),
        (
            "environments:\n  - name: testing\n    account: '123456789012'\n"
            "stages:\n  /dev-(/: {environment: testing}\n",
            "stage '/dev-(/': not a valid regex",
        ),
        (
            "environments:\n  - name: testing\n    account: '123456789012'\n"
            "stages:\n  prod: {environment: production}\n",
            "stage 'prod': environment 'production' is not in 'environments:'",
        ),
        (
            "environments:\n  - name: testing\n    account: '123456789012'\n"
            "    role: 'not a role!'\n",
            "environment 'testing': role 'not a role!' is not an IAM role name",
        ),
    ],
)
def test_a_broken_environments_file_is_one_line_naming_the_entry(
    tmp_path: Path, rackspace: Any, text: str, message: str
) -> None:
    """Each mistake: exit status 1, one line with the file and what is wrong."""
    result = run_with(tmp_path, rackspace, text, "-e", "testing")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: {tmp_path / 'environments.yml'}: ")
    assert message in line
    assert rackspace.server.requests == []


def test_an_exact_stage_name_wins_over_a_regex_listed_before_it(
    tmp_path: Path, rackspace: Any
) -> None:
    """``prod`` matches its own entry even when ``/.*/`` comes first."""
    rackspace.add_account("210987654321")
    text = (
        "environments:\n"
        "  - name: any\n    account: '123456789012'\n"
        "  - name: production\n    account: '210987654321'\n"
        "stages:\n"
        "  /.*/: {environment: any}\n"
        "  prod: {environment: production}\n"
    )
    result = run_with(tmp_path, rackspace, text, "-s", "prod")
    assert result.exit_code == 0, result.output
    [faws] = rackspace.requests_to("/faws")
    assert faws.path == "/faws/v0/awsAccounts/210987654321/credentials"


def test_a_stage_regex_must_match_the_whole_stage_name(
    tmp_path: Path, rackspace: Any
) -> None:
    """``/dev/`` does not match ``mydevbox``: an unknown stage, exit status 2."""
    text = (
        "environments:\n  - name: testing\n    account: '123456789012'\n"
        "stages:\n  /dev/: {environment: testing}\n"
    )
    result = run_with(tmp_path, rackspace, text, "-s", "mydevbox")
    assert result.exit_code == 2
    assert "unknown stage 'mydevbox'" in result.stderr


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=15),
        lambda children: st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["environments", "stages", "name", "account", "role",
                 "rs_username_var", "rs_apikey_var", "environment", "/x.*/", "prod"]
            ),
            children,
            max_size=4,
        ),
        max_leaves=12,
    )
)  # fmt: skip
def test_any_yaml_document_loads_or_fails_with_a_config_error(document: Any) -> None:
    """Whatever the YAML holds, reading it never fails with another exception."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "environments.yml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        message = load_error(path)
    assert message is None or "\n" not in message


def load_error(path: Path) -> str | None:
    """The ConfigError message reading ``path`` gives, or None when it loads."""
    try:
        load_environments(path)
    except ConfigError as error:
        return error.format_message()
    return None
