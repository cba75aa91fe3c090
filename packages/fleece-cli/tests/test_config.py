"""``fleece config`` against moto (KMS, SSM, STS) and a local identity/FAWS server."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import pty
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleece.cli import cli
from fleece.testing import MotoServer, modules_imported_by

FLEECE = str(Path(sys.executable).with_name("fleece"))
DEV_ACCOUNT = "111111111111"
PROD_ACCOUNT = "222222222222"
PROD_ROLE = "ConfigDeployRole"

ENVIRONMENTS_YML = f"""\
environments:
  - name: development
    account: '{DEV_ACCOUNT}'
  - name: production
    account: '{PROD_ACCOUNT}'
    role: {PROD_ROLE}
"""

OPEN_CONFIG = """\
# Configuration of the users service.
stages:
  dev:
    environment: development
    key: dev-config
  /dev-.*/:
    environment: development
    key: alias/dev-config
  prod:
    environment: production
    key: prod-config  # lives in the production account, reached through its role

config:
  # Plain settings come first.
  region: us-east-1
  log_level:
    +prod: INFO
    +/dev-.*/: DEBUG
    +dev: DEBUG
  database:
    host:
      +dev: dev-db.local
      +prod: prod-db.local
    password:
      +dev: ':encrypt:dev-password'
      +/dev-.*/: ':encrypt:sandbox-password'
      +prod: ':encrypt:prod p@ss: with "quotes" and é'  # the real one
  api_keys:
    +prod:
      - ':encrypt:key-one'
      - ':encrypt:key-two'
  retries: 3
"""

PROD_CONFIG = {
    "region": "us-east-1",
    "log_level": "INFO",
    "database": {
        "host": "prod-db.local",
        "password": 'prod p@ss: with "quotes" and é',
    },
    "api_keys": ["key-one", "key-two"],
    "retries": 3,
}

DEV_CONFIG = {
    "region": "us-east-1",
    "log_level": "DEBUG",
    "database": {"host": "dev-db.local", "password": "dev-password"},
    "retries": 3,
}

EDITOR_SCRIPT = """\
import json, os, stat, sys
path = sys.argv[-1]
plan = json.loads(os.environ["TEST_EDIT_PLAN"])
with open(path, encoding="utf-8") as file:
    text = file.read()
with open(os.environ["TEST_EDIT_LOG"], "a", encoding="utf-8") as log:
    mode = stat.S_IMODE(os.stat(path).st_mode)
    log.write(json.dumps({"path": path, "mode": mode, "text": text}) + "\\n")
for old, new in plan.get("replace", []):
    text = text.replace(old, new)
with open(path, "w", encoding="utf-8") as file:
    file.write(text)
sys.exit(plan.get("exit", 0))
"""


def aws_client(service: str, account: str = DEV_ACCOUNT) -> Any:
    """A boto3 client on moto whose account is ``account``.

    moto files unknown access keys under its default account, and the keys STS hands
    out under the assumed role's account: the prod role's resources are made with that
    role's keys, so that only a fleece that honours the role finds them.
    """
    if account == DEV_ACCOUNT:
        return boto3.client(service)
    answer = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{PROD_ROLE}",
        RoleSessionName="fixture",
    )
    keys = answer["Credentials"]
    return boto3.client(
        service,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )


def make_key(alias: str, account: str = DEV_ACCOUNT) -> str:
    """Create a KMS key with ``alias/<alias>`` in ``account``; return its ARN."""
    kms = aws_client("kms", account)
    arn: str = kms.create_key(Description=alias)["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=f"alias/{alias}", TargetKeyId=arn)
    return arn


def parameters_under(path: str) -> dict[str, dict[str, Any]]:
    """The SSM parameters under ``path``: name → description with decrypted value."""
    ssm = boto3.client("ssm")
    found = ssm.get_parameters_by_path(Path=path, Recursive=True, WithDecryption=True)
    described = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [path]}]
    )
    key_ids = {p["Name"]: p.get("KeyId") for p in described["Parameters"]}
    return {
        p["Name"]: {"Value": p["Value"], "Type": p["Type"], "KeyId": key_ids[p["Name"]]}
        for p in found["Parameters"]
    }


@dataclasses.dataclass
class Keys:
    """The stages' KMS keys on moto, made once for this module.

    Attributes:
        moto: the moto server (its environment applied for the whole module).
        dev_key_arn: ARN of ``alias/dev-config`` (dev account).
        prod_key_arn: ARN of ``alias/prod-config`` (prod account, via its role).
        closed_config: OPEN_CONFIG as ``import`` closed it, once made.
    """

    moto: MotoServer
    dev_key_arn: str
    prod_key_arn: str
    closed_config: str | None = None


@pytest.fixture(scope="module")
def keys(
    moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Keys]:
    """moto emptied and pointed at for this module, with the stages' KMS keys.

    Creating keys (and the config.yml encrypted with them) once, rather than per
    test, keeps this module fast; tests that write SSM parameters use their own paths.
    """
    if not moto_server.running:
        moto_server.start()
    moto_server.reset()
    nowhere = tmp_path_factory.mktemp("no-aws-files")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_CONFIG_FILE", str(nowhere / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere / "credentials"))
        for name, value in moto_server.env.items():
            patch.setenv(name, value)
        dev = make_key("dev-config")
        prod = make_key("prod-config", PROD_ACCOUNT)
        yield Keys(moto_server, dev, prod)


@dataclasses.dataclass
class Project:
    """A service folder (the cwd) with environments.yml, KMS keys and FAWS."""

    path: Path
    keys: Keys
    rackspace: Any

    @property
    def config_yml(self) -> Path:
        """The project's config.yml."""
        return self.path / "config.yml"

    def identity_calls(self) -> int:
        """How many identity tokens were requested so far."""
        return len(self.rackspace.requests_to("/identity"))

    def faws_paths(self) -> list[str]:
        """The paths of the FAWS requests so far."""
        return [r.path for r in self.rackspace.requests_to("/faws")]

    def kms_decrypt(self, ciphertext: str, account: str = DEV_ACCOUNT) -> str:
        """Open a base64 ciphertext with plain ``kms.decrypt`` (no context)."""
        kms = aws_client("kms", account)
        answer = kms.decrypt(CiphertextBlob=base64.b64decode(ciphertext))
        return str(answer["Plaintext"].decode("utf-8"))

    def closed(self) -> dict[str, Any]:
        """config.yml, loaded."""
        loaded: dict[str, Any] = yaml.safe_load(self.config_yml.read_text())
        return loaded


@pytest.fixture
def project(
    tmp_path: Path,
    keys: Keys,
    rackspace: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Project:
    """A project folder (cwd) whose stages' KMS keys exist and whose FAWS answers."""
    folder = tmp_path / "service"
    folder.mkdir()
    (folder / "environments.yml").write_text(ENVIRONMENTS_YML)
    monkeypatch.chdir(folder)
    rackspace.add_account(DEV_ACCOUNT)
    rackspace.add_account(PROD_ACCOUNT)
    monkeypatch.setenv("RS_USERNAME", rackspace.username)
    monkeypatch.setenv("RS_API_KEY", rackspace.apikey)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    for name in ("FLEECE_EDITOR", "EDITOR"):
        monkeypatch.delenv(name, raising=False)
    return Project(folder, keys, rackspace)


@pytest.fixture
def imported(project: Project) -> Project:
    """The project with OPEN_CONFIG imported into config.yml (once per module)."""
    if project.keys.closed_config is None:
        result = invoke("import", input=OPEN_CONFIG)
        assert result.exit_code == 0, result.output
        project.keys.closed_config = project.config_yml.read_text()
    project.config_yml.write_text(project.keys.closed_config)
    return project


@dataclasses.dataclass
class Editor:
    """A scripted editor: applies text replacements, logs what it saw, exits."""

    command: str
    log: Path

    def plan(
        self,
        monkeypatch: pytest.MonkeyPatch,
        replace: list[tuple[str, str]] | None = None,
        exit: int = 0,
    ) -> None:
        """Set what the next editor run does."""
        plan = {"replace": replace or [], "exit": exit}
        monkeypatch.setenv("TEST_EDIT_PLAN", json.dumps(plan))

    def runs(self) -> list[dict[str, Any]]:
        """What the editor saw on each run: path, file mode, text."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def editor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, imported: Project
) -> Editor:
    """A scripted editor, set as $FLEECE_EDITOR, for an imported project."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR_SCRIPT)
    log = tmp_path / "editor.log"
    monkeypatch.setenv("TEST_EDIT_LOG", str(log))
    command = shlex.join([sys.executable, str(script)])
    monkeypatch.setenv("FLEECE_EDITOR", command)
    scripted = Editor(command, log)
    scripted.plan(monkeypatch)
    return scripted


def invoke(*args: str, input: str | None = None) -> Result:
    """Run ``fleece config ARGS`` in-process through the ``fleece`` group."""
    return CliRunner().invoke(cli, ["config", *args], input=input, prog_name="fleece")


def one_line_error(result: Result, exit_code: int = 1) -> str:
    """Check ``result`` failed with exactly one stderr line and return it."""
    assert exit_code == result.exit_code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# --- import -------------------------------------------------------------------------


def test_import_encrypts_each_secret_with_its_stages_key(imported: Project) -> None:
    """Each :encrypt: value turns into :decrypt:<ciphertext> that kms.decrypt opens."""
    closed = imported.closed()["config"]["database"]["password"]
    assert all(value.startswith(":decrypt:") for value in closed.values())
    assert imported.kms_decrypt(closed["+dev"][len(":decrypt:") :]) == "dev-password"
    assert (
        imported.kms_decrypt(closed["+/dev-.*/"][len(":decrypt:") :])
        == "sandbox-password"
    )
    assert (
        imported.kms_decrypt(closed["+prod"][len(":decrypt:") :], PROD_ACCOUNT)
        == 'prod p@ss: with "quotes" and é'
    )


def test_import_uses_the_prod_key_in_the_prod_account_through_its_role(
    imported: Project,
) -> None:
    """The prod secret is under prod's key, reached with the role's credentials."""
    ciphertext = imported.closed()["config"]["api_keys"]["+prod"][0][9:]
    kms = aws_client("kms", PROD_ACCOUNT)
    answer = kms.decrypt(CiphertextBlob=base64.b64decode(ciphertext))
    assert imported.keys.prod_key_arn == answer["KeyId"]


def test_import_keeps_comments_order_and_layout(imported: Project) -> None:
    """Only the secrets' lines change; every other line is kept byte for byte."""
    closed_lines = imported.config_yml.read_text().splitlines()
    open_lines = OPEN_CONFIG.splitlines()
    assert len(open_lines) == len(closed_lines)
    changed = [
        (before, after)
        for before, after in zip(open_lines, closed_lines, strict=True)
        if before != after
    ]
    assert len(changed) == 5
    for before, after in changed:
        assert ":encrypt:" in before
        assert ":decrypt:" in after
        assert before.split(":encrypt:")[0] == after.split(":decrypt:")[0]
    assert "  # the real one" in closed_lines[-6]


def test_import_then_export_gives_back_the_open_text_exactly(
    imported: Project,
) -> None:
    """export decrypts in place: the text is the one imported, comments included."""
    result = invoke("export")
    assert (result.exit_code, result.stdout) == (0, OPEN_CONFIG)


def test_round_trip_import_export_import_keeps_the_plaintext(
    imported: Project,
) -> None:
    """import → export → import → export: the same open configuration each time."""
    first = invoke("export").stdout
    assert invoke("import", input=first).exit_code == 0
    second = invoke("export")
    assert (0, first) == (second.exit_code, second.stdout)


def test_export_json_gives_the_open_tree_as_json(imported: Project) -> None:
    """export --json: the open configuration as JSON, key order kept."""
    result = invoke("export", "--json")
    assert result.exit_code == 0, result.output
    exported = json.loads(result.stdout)
    assert yaml.safe_load(OPEN_CONFIG) == exported
    assert list(exported) == ["stages", "config"]


def test_import_accepts_json_and_writes_yaml(project: Project) -> None:
    """JSON on stdin is accepted; config.yml is YAML all the same."""
    open_tree = yaml.safe_load(OPEN_CONFIG)
    result = invoke("import", input=json.dumps(open_tree))
    assert result.exit_code == 0, result.output
    assert project.config_yml.read_text().startswith("stages:\n")
    exported = invoke("export", "--json")
    assert open_tree == json.loads(exported.stdout)


def test_import_gets_credentials_once_per_environment(project: Project) -> None:
    """Five secrets in two environments: two identity calls, two FAWS calls."""
    assert invoke("import", input=OPEN_CONFIG).exit_code == 0
    assert project.identity_calls() == 2
    assert [
        f"/faws/v0/awsAccounts/{DEV_ACCOUNT}/credentials",
        f"/faws/v0/awsAccounts/{PROD_ACCOUNT}/credentials",
    ] == sorted(project.faws_paths())


@pytest.mark.parametrize(
    "key", ["dev-config", "alias/dev-config", "ARN"], ids=["name", "alias", "arn"]
)
def test_a_stage_key_may_be_an_alias_name_an_alias_or_an_arn(
    project: Project, key: str
) -> None:
    """``dev-config`` gets ``alias/`` prefixed; ``alias/...`` and ARNs are kept."""
    key = project.keys.dev_key_arn if key == "ARN" else key
    text = (
        f"stages:\n  dev: {{environment: development, key: '{key}'}}\n"
        "config:\n  token:\n    +dev: ':encrypt:t0ken'\n"
    )
    assert invoke("import", input=text).exit_code == 0
    ciphertext = project.closed()["config"]["token"]["+dev"][9:]
    answer = boto3.client("kms").decrypt(CiphertextBlob=base64.b64decode(ciphertext))
    assert (project.keys.dev_key_arn, b"t0ken") == (
        answer["KeyId"],
        answer["Plaintext"],
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "config:\n  db:\n    password: ':encrypt:hunter2'\n",
            "config.db.password: :encrypt: values are only allowed under a '+stage' "
            "key",
        ),
        (
            "stages:\n  dev: {environment: development, key: k}\n"
            "config:\n  db:\n    +dev: a\n    host: b\n",
            "config.db: mixes per-stage keys (+dev) with plain keys (host)",
        ),
        (
            "stages:\n  dev: {environment: development, key: k}\n"
            "config:\n  db:\n    +qa: ':encrypt:x'\n",
            "config.db.+qa: unknown stage 'qa'; the config's stages are dev",
        ),
        (
            "stages:\n  dev: {environment: development, key: k}\n"
            "config:\n  db:\n    +dev:\n      user:\n        +dev: x\n",
            "config.db.+dev.user.+dev: per-stage keys inside the value of '+dev'",
        ),
        (
            "stages:\n  /dev-(/: {environment: development, key: k}\n",
            "stages./dev-(/: /dev-(/ is not a valid regular expression",
        ),
        (
            "stages:\n  dev: {environment: development}\n",
            "stages.dev.key: missing",
        ),
        ("confg:\n  a: 1\n", "confg: unknown top-level key in stdin"),
        ("config:\n  a: [1,\n", "stdin is not valid YAML: expected the node content"),
        ('{"config": [1,]}', "stdin is not valid JSON: Expecting value at line 1"),
        ("", "nothing on stdin"),
        (
            "stages:\n  dev: {environment: development, key: k}\n"
            "config:\n  pw:\n    +dev: ':encrypt:'\n",
            "config.pw.+dev: an empty secret; write it after ':encrypt:'",
        ),
    ],
)
def test_import_refuses_a_bad_tree_in_one_line_naming_the_key(
    project: Project, text: str, message: str
) -> None:
    """Bad trees: one line naming the dotted key, exit 1, no config.yml written."""
    line = one_line_error(invoke("import", input=text))
    assert message in line
    assert "hunter2" not in line
    assert not project.config_yml.exists()


def test_a_failed_import_leaves_config_yml_as_it_was(imported: Project) -> None:
    """A KMS failure midway: config.yml unchanged, no temporary file left behind."""
    before = imported.config_yml.read_bytes()
    text = OPEN_CONFIG.replace("key: prod-config", "key: no-such-key")
    line = one_line_error(invoke("import", input=text))
    assert line.startswith(
        "Error: config.database.password.+prod: KMS could not encrypt with "
        "alias/no-such-key (stage 'prod', environment 'production'): NotFoundException"
    )
    assert "prod p@ss" not in line
    assert before == imported.config_yml.read_bytes()
    assert sorted(p.name for p in imported.path.iterdir()) == [
        "config.yml",
        "environments.yml",
    ]


def test_import_without_rackspace_credentials_names_where_the_flag_goes(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No API key or username anywhere: exit 2, and the line names the command that
    takes the flag (``fleece config``, not ``fleece config import``, which has no
    such option) and points at its help; following the hint works."""
    monkeypatch.delenv("RS_API_KEY")
    no_key = one_line_error(invoke("import", input=OPEN_CONFIG), exit_code=2)
    monkeypatch.setenv("RS_API_KEY", project.rackspace.apikey)
    monkeypatch.delenv("RS_USERNAME")
    no_username = one_line_error(invoke("import", input=OPEN_CONFIG), exit_code=2)
    followed = CliRunner().invoke(
        cli,
        ["config", "--username", project.rackspace.username, "import"],
        input=OPEN_CONFIG,
    )

    assert no_key == (
        "Error: no Rackspace API key: pass --apikey to 'fleece config' (before "
        "'import') or set RS_API_KEY (see 'fleece config --help')"
    )
    assert no_username == (
        "Error: no Rackspace username: pass --username to 'fleece config' (before "
        "'import') or set RS_USERNAME (see 'fleece config --help')"
    )
    assert followed.exit_code == 0, followed.output


def test_username_and_apikey_flags_are_used_for_faws(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-u/-k on the group beat RS_USERNAME/RS_API_KEY."""
    monkeypatch.setenv("RS_USERNAME", "someone-else")
    monkeypatch.setenv("RS_API_KEY", "wrong")
    result = CliRunner().invoke(
        cli,
        ["config", *project.rackspace.flags, "import"],
        input=OPEN_CONFIG,
    )
    assert result.exit_code == 0, result.output
    assert project.rackspace.secret_mark not in result.output


def test_apikey_file_dash_reads_the_key_then_the_open_config_from_stdin(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--apikey-file -``: line one of stdin is the key, the rest is imported."""
    monkeypatch.delenv("RS_API_KEY")
    result = subprocess.run(
        [FLEECE, "config", "--apikey-file", "-", "import"],
        input=f"{project.rackspace.apikey}\n{OPEN_CONFIG}",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "config.yml: written\n")
    exported = invoke("-k", project.rackspace.apikey, "export")
    assert (exported.exit_code, exported.stdout) == (0, OPEN_CONFIG)


def test_the_editor_gets_no_rackspace_credentials(
    imported: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The editor is a child process too: RS_USERNAME and RS_API_KEY stay out."""
    record_env = (
        "import json, os, sys\n"
        "json.dump(dict(os.environ), open(sys.argv[1] + '.env.json', 'w'))\n"
    )
    monkeypatch.setenv("FLEECE_EDITOR", shlex.join([sys.executable, "-c", record_env]))
    result = invoke("edit")
    assert result.exit_code == 0, result.output
    [recorded] = list(Path(os.environ["XDG_RUNTIME_DIR"]).rglob("*.env.json"))
    editor_env = json.loads(recorded.read_text())
    assert set() == {"RS_USERNAME", "RS_API_KEY"} & set(editor_env)
    assert imported.rackspace.secret_mark not in json.dumps(editor_env)


def test_config_and_environments_paths_can_be_chosen(
    project: Project, tmp_path: Path
) -> None:
    """-c and -e point at other files."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project.path / "environments.yml").rename(elsewhere / "envs.yml")
    config_path = elsewhere / "secrets.yml"
    args = ["-c", str(config_path), "-e", str(elsewhere / "envs.yml")]
    assert invoke(*args, "import", input=OPEN_CONFIG).exit_code == 0
    assert invoke(*args, "export").stdout == OPEN_CONFIG


def test_a_missing_environments_file_names_it(project: Project, tmp_path: Path) -> None:
    """Secrets but no environments.yml: one line naming the file."""
    (project.path / "environments.yml").unlink()
    line = one_line_error(invoke("import", input=OPEN_CONFIG))
    assert "environments.yml: no such file" in line


def test_a_stage_with_an_unknown_environment_names_the_stage(project: Project) -> None:
    """A stage whose environment is not in environments.yml: one line, exit 1."""
    text = OPEN_CONFIG.replace("environment: production", "environment: staging")
    line = one_line_error(invoke("import", input=text))
    assert "stages.prod.environment: unknown environment 'staging'" in line


# --- export -------------------------------------------------------------------------


def test_export_without_config_gives_a_skeleton_from_environments(
    project: Project,
) -> None:
    """No config.yml: one stage per environment, ready to fill in and import."""
    result = invoke("export")
    assert result.exit_code == 0, result.output
    skeleton = yaml.safe_load(result.stdout)
    assert skeleton == {
        "stages": {
            "development": {"environment": "development", "key": "development"},
            "production": {"environment": "production", "key": "production"},
        },
        "config": {},
    }
    assert result.stdout.startswith("# fleece config")
    as_json = invoke("export", "--json")
    assert skeleton == json.loads(as_json.stdout)


def test_export_of_a_1x_config_file_decrypts_its_values(project: Project) -> None:
    """A config.yml as fleece 1.x wrote it (PyYAML dump, plain KMS Encrypt) is read."""
    blob = boto3.client("kms").encrypt(KeyId="alias/dev-config", Plaintext=b"old")
    ciphertext = base64.b64encode(blob["CiphertextBlob"]).decode()
    tree = {
        "stages": {"dev": {"environment": "development", "key": "dev-config"}},
        "config": {"secret": {"+dev": f":decrypt:{ciphertext}"}, "plain": "p"},
    }
    project.config_yml.write_text(yaml.safe_dump(tree, default_flow_style=False))
    result = invoke("export", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["config"]["secret"] == {"+dev": ":encrypt:old"}


def test_export_of_a_broken_ciphertext_names_the_key(imported: Project) -> None:
    """A ciphertext that is not base64: one line naming the dotted key."""
    text = imported.config_yml.read_text()
    imported.config_yml.write_text(text.replace(":decrypt:", ":decrypt:%%", 1))
    line = one_line_error(invoke("export"))
    assert line == (
        "Error: config.database.password.+dev: the :decrypt: value is not base64 KMS "
        "ciphertext"
    )


# --- render -------------------------------------------------------------------------


def test_render_writes_the_stages_config_as_yaml(imported: Project) -> None:
    """render prod: the prod values, decrypted, as YAML and nothing else on stdout."""
    result = invoke("render", "prod")
    assert (result.exit_code, result.stderr) == (0, "")
    assert yaml.safe_load(result.stdout) == PROD_CONFIG


def test_render_picks_the_exact_stage_before_a_regex(imported: Project) -> None:
    """dev uses +dev; dev-alice falls back on +/dev-.*/; unmatched keys are left out."""
    dev = yaml.safe_load(invoke("render", "dev").stdout)
    alice = yaml.safe_load(invoke("render", "dev-alice").stdout)
    assert dev == DEV_CONFIG
    assert alice == {
        "region": "us-east-1",
        "log_level": "DEBUG",
        "database": {"password": "sandbox-password"},
        "retries": 3,
    }


def test_render_json(imported: Project) -> None:
    """render --json: the same configuration as JSON."""
    result = invoke("render", "prod", "--json")
    assert json.loads(result.stdout) == PROD_CONFIG


def test_render_encrypt_gives_kms_chunks_of_at_most_4096_bytes(
    imported: Project,
) -> None:
    """Multi-byte text: chunks are cut by bytes, each decrypts on its own."""
    big = "€" * 3000  # 3000 characters, 9000 bytes
    text = OPEN_CONFIG.replace("dev-db.local", big)
    assert invoke("import", input=text).exit_code == 0
    result = invoke("render", "dev", "--encrypt")
    assert result.exit_code == 0, result.output
    chunks = json.loads(result.stdout)
    plaintexts = [
        boto3.client("kms").decrypt(CiphertextBlob=base64.b64decode(c))["Plaintext"]
        for c in chunks
    ]
    assert len(chunks) == 3
    assert all(len(p) <= 4096 for p in plaintexts)
    [p.decode("utf-8") for p in plaintexts]  # each chunk is whole characters
    config = json.loads(b"".join(plaintexts))
    assert (big, "dev-password") == (
        config["database"]["host"],
        config["database"]["password"],
    )


def test_render_python_gives_a_module_that_decrypts_at_import(
    imported: Project, tmp_path: Path
) -> None:
    """The module, imported in a fresh process with KMS at moto, holds CONFIG."""
    result = invoke("render", "dev", "--python")
    assert result.exit_code == 0, result.output
    module = tmp_path / "lambda_src" / "config.py"
    module.parent.mkdir()
    module.write_text(result.stdout)
    assert "dev-password" not in result.stdout
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config; print(repr([config.STAGE, config.CONFIG]))",
        ],
        cwd=module.parent,
        env={**os.environ, **imported.keys.moto.env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert repr(["dev", DEV_CONFIG]) == child.stdout.strip()


def test_render_parameter_store_writes_secure_strings(imported: Project) -> None:
    """--parameter-store: one SecureString per value under the prefix, stage's key."""
    text = OPEN_CONFIG.replace("  retries: 3\n", "  retries: '3'\n")
    assert invoke("import", input=text).exit_code == 0
    result = invoke("render", "dev", "--parameter-store", "/users/secure/")
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    found = parameters_under("/users/secure")
    assert {name: p["Value"] for name, p in found.items()} == {
        "/users/secure/region": "us-east-1",
        "/users/secure/log_level": "DEBUG",
        "/users/secure/database/host": "dev-db.local",
        "/users/secure/database/password": "dev-password",
        "/users/secure/retries": "3",
    }
    assert {("SecureString", "alias/dev-config")} == {
        (p["Type"], p["KeyId"]) for p in found.values()
    }


def test_render_parameter_store_uses_the_ssm_kms_key(imported: Project) -> None:
    """--ssm-kms-key names the key of the parameters (alias/ prefixed)."""
    make_key("ssm-config")
    text = OPEN_CONFIG.replace("  retries: 3\n", "")
    assert invoke("import", input=text).exit_code == 0
    result = invoke(
        "render",
        "dev",
        "--parameter-store",
        "/users/own-key",
        "--ssm-kms-key",
        "ssm-config",
    )
    assert result.exit_code == 0, result.output
    found = parameters_under("/users/own-key")
    assert {"alias/ssm-config"} == {p["KeyId"] for p in found.values()}


@pytest.mark.parametrize(
    ("prefix", "replace", "message"),
    [
        (
            "/users/dev",
            None,
            "config.retries: Parameter Store values must be strings, not int 3",
        ),
        (
            "/users/dev",
            ("  region: us-east-1\n", "  region: us-east-1\n  bad key: x\n"),
            "config.bad key: 'bad key' cannot be part of an SSM parameter name",
        ),
        ("users/dev", None, "--parameter-store 'users/dev': a prefix must start with"),
        ("/aws/dev", None, "SSM names cannot start with 'aws' or 'ssm'"),
    ],
)
def test_render_parameter_store_refuses_what_ssm_would_and_writes_nothing(
    imported: Project, prefix: str, replace: tuple[str, str] | None, message: str
) -> None:
    """Non-string values and bad names: one line naming the key, no parameter put."""
    if replace is not None:
        assert invoke("import", input=OPEN_CONFIG.replace(*replace)).exit_code == 0
    line = one_line_error(invoke("render", "dev", "--parameter-store", prefix))
    assert message in line
    assert parameters_under("/users/dev") == {}


def test_render_of_an_unknown_stage_lists_the_known_ones(imported: Project) -> None:
    """A stage no entry matches: one line, exit 1."""
    line = one_line_error(invoke("render", "qa"))
    assert (
        line
    ) == "Error: unknown stage 'qa': the config's stages are dev, /dev-.*/, prod"


def test_render_refuses_a_plaintext_secret_left_in_config_yml(
    imported: Project,
) -> None:
    """A hand-edited :encrypt: in config.yml is never rendered as if it were safe."""
    text = imported.config_yml.read_text()
    start = text.index("':decrypt:")
    end = text.index("'", start + 1) + 1
    imported.config_yml.write_text(text[:start] + "':encrypt:oops'" + text[end:])
    line = one_line_error(invoke("render", "dev"))
    assert "config.database.password.+dev: holds an unencrypted :encrypt: value" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "--python"], "--json and --python cannot be used together"),
        (["--ssm-kms-key", "k"], "--ssm-kms-key needs --parameter-store"),
        ([], "Missing argument 'STAGE'"),
    ],
)
def test_render_usage_errors_exit_2(
    imported: Project, args: list[str], message: str
) -> None:
    """Conflicting or missing options: one line, exit 2."""
    stage = [] if not args else ["dev"]
    line = one_line_error(invoke("render", *stage, *args), exit_code=2)
    assert message in line


def test_render_without_config_yml_says_how_to_make_one(project: Project) -> None:
    """No config.yml: one line pointing at import/edit."""
    line = one_line_error(invoke("render", "dev"))
    assert "config.yml: no such file; create it with 'fleece config import'" in line


# --- edit ---------------------------------------------------------------------------


def test_edit_reencrypts_the_edited_file_and_removes_it(
    editor: Editor, imported: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The editor sees the open text in a 0600 file; only the changed secret changes."""
    before = imported.closed()["config"]["database"]["password"]
    editor.plan(monkeypatch, replace=[(":encrypt:dev-password", ":encrypt:new-pw")])
    result = invoke("edit")
    assert result.exit_code == 0, result.output
    [run] = editor.runs()
    assert (run["text"], run["mode"]) == (OPEN_CONFIG, 0o600)
    assert not Path(run["path"]).exists()
    after = imported.closed()["config"]["database"]["password"]
    assert before["+prod"] == after["+prod"]
    assert before["+dev"] != after["+dev"]
    assert (
        yaml.safe_load(invoke("render", "dev").stdout)["database"]["password"]
        == "new-pw"
    )


def test_edit_reencrypts_an_unchanged_secret_whose_stage_key_changed(
    editor: Editor, imported: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new key for a stage: its secrets move to that key, other stages' stay."""
    other = make_key("other-dev-config")
    before = imported.closed()["config"]["database"]["password"]
    editor.plan(monkeypatch, replace=[("key: dev-config", "key: other-dev-config")])
    result = invoke("edit")
    assert result.exit_code == 0, result.output
    after = imported.closed()["config"]["database"]["password"]
    kms = boto3.client("kms")
    opened = kms.decrypt(CiphertextBlob=base64.b64decode(after["+dev"][9:]))
    assert (other, b"dev-password") == (opened["KeyId"], opened["Plaintext"])
    assert before["+/dev-.*/"] == after["+/dev-.*/"]


def test_edit_without_changes_leaves_config_yml_alone(
    editor: Editor, imported: Project
) -> None:
    """Closing the editor without a change: nothing written, working copy gone."""
    before = imported.config_yml.read_bytes()
    result = invoke("edit", "--json")
    assert result.exit_code == 0, result.output
    [run] = editor.runs()
    assert yaml.safe_load(OPEN_CONFIG) == json.loads(run["text"])
    assert before == imported.config_yml.read_bytes()
    assert not Path(run["path"]).exists()
    assert "config.yml: no changes" in result.stderr


def test_an_interrupted_edit_can_be_resumed(
    editor: Editor, imported: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Editor fails after a change: the file is kept; the next edit resumes it."""
    editor.plan(monkeypatch, replace=[("us-east-1", "eu-west-1")], exit=3)
    line = one_line_error(invoke("edit"))
    kept = Path(editor.runs()[0]["path"])
    assert f"exited with status 3; your edits are kept in {kept}" in line
    assert yaml.safe_load(invoke("render", "dev").stdout)["region"] == "us-east-1"
    editor.plan(monkeypatch)
    result = invoke("edit", input="resume\n")
    assert result.exit_code == 0, result.output
    assert "eu-west-1" in editor.runs()[1]["text"]
    assert yaml.safe_load(invoke("render", "dev").stdout)["region"] == "eu-west-1"
    assert not kept.exists()


def test_resuming_an_edit_warns_when_config_yml_changed_since(
    editor: Editor, imported: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """config.yml changed (a git pull) after the edit began: the prompt says so."""
    editor.plan(monkeypatch, replace=[("us-east-1", "eu-west-1")], exit=1)
    invoke("edit")
    text = OPEN_CONFIG.replace("  retries: 3\n", "  retries: 4\n")
    assert invoke("import", input=text).exit_code == 0
    editor.plan(monkeypatch)
    result = invoke("edit", input="resume\n")
    assert result.exit_code == 0, result.output
    assert "config.yml has changed since; resuming replaces it" in result.stderr
    rendered = yaml.safe_load(invoke("render", "dev").stdout)
    assert (rendered["region"], rendered["retries"]) == ("eu-west-1", 3)


def test_an_interrupted_edit_can_be_discarded(
    editor: Editor, imported: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answering discard starts again from config.yml."""
    editor.plan(monkeypatch, replace=[("us-east-1", "eu-west-1")], exit=1)
    invoke("edit")
    editor.plan(monkeypatch)
    result = invoke("edit", input="discard\n")
    assert result.exit_code == 0, result.output
    assert editor.runs()[1]["text"] == OPEN_CONFIG
    assert yaml.safe_load(invoke("render", "dev").stdout)["region"] == "us-east-1"


def test_an_edit_that_does_not_import_is_kept(
    editor: Editor, imported: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plaintext secret outside a stage: refused, named, and the edits are kept."""
    editor.plan(monkeypatch, replace=[("region: us-east-1", "region: ':encrypt:x'")])
    line = one_line_error(invoke("edit"))
    assert "config.region: :encrypt: values are only allowed under a '+stage'" in line
    assert "your edits are kept in" in line
    assert Path(editor.runs()[0]["path"]).exists()


def test_edit_prefers_the_editor_flag_then_fleece_editor_then_editor(
    editor: Editor, imported: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--editor beats $FLEECE_EDITOR, which beats $EDITOR."""
    monkeypatch.setenv("EDITOR", "no-such-editor-b")
    assert invoke("edit").exit_code == 0
    assert len(editor.runs()) == 1
    line = one_line_error(invoke("edit", "--editor", "no-such-editor-a"))
    assert "Error: editor 'no-such-editor-a' could not be started" in line
    monkeypatch.delenv("FLEECE_EDITOR")
    line = one_line_error(invoke("edit"))
    assert "Error: editor 'no-such-editor-b' could not be started" in line
    assert len(editor.runs()) == 1


def test_edit_without_any_editor_setting_runs_vi(
    editor: Editor,
    imported: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Neither --editor, $FLEECE_EDITOR nor $EDITOR: the ``vi`` on PATH edits."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    vi = bin_dir / "vi"
    vi.write_text(f'#!/bin/sh\nexec {editor.command} "$@"\n')
    vi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("FLEECE_EDITOR")
    editor.plan(monkeypatch, replace=[("us-east-1", "eu-west-1")])

    result = invoke("edit")

    assert result.exit_code == 0, result.output
    assert len(editor.runs()) == 1
    assert yaml.safe_load(invoke("render", "dev").stdout)["region"] == "eu-west-1"


def test_edit_of_a_new_config_starts_from_the_skeleton(
    tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No config.yml: the editor gets the skeleton; what it writes is imported."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR_SCRIPT)
    monkeypatch.setenv("TEST_EDIT_LOG", str(tmp_path / "editor.log"))
    plan = {
        "replace": [
            ("key: development", "key: dev-config"),
            ("config: {}", "config:\n  pw:\n    +development: ':encrypt:s3'"),
        ]
    }
    monkeypatch.setenv("TEST_EDIT_PLAN", json.dumps(plan))
    result = invoke("edit", "--editor", shlex.join([sys.executable, str(script)]))
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(invoke("render", "development").stdout) == {"pw": "s3"}


# --- the real command ---------------------------------------------------------------


def test_a_real_fleece_config_session_import_export_render(imported: Project) -> None:
    """The console script: import, export and render; secrets only on stdout."""
    env = {**os.environ}
    imported.config_yml.unlink()
    steps = [
        (["config", "import"], OPEN_CONFIG),
        (["config", "export"], None),
        (["config", "render", "prod", "--json"], None),
    ]
    outputs = []
    for args, stdin in steps:
        done = subprocess.run(
            [FLEECE, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert imported.rackspace.secret_mark not in done.stdout + done.stderr
        outputs.append(done)
    assert outputs[0].stderr == "config.yml: written\n"
    assert (outputs[1].stdout, outputs[1].stderr) == (OPEN_CONFIG, "")
    assert (json.loads(outputs[2].stdout), outputs[2].stderr) == (PROD_CONFIG, "")


def test_a_real_fleece_config_failure_is_one_line_without_traceback(
    project: Project,
) -> None:
    """The console script refuses a misplaced secret in one line, exit 1."""
    done = subprocess.run(
        [FLEECE, "config", "import"],
        input="config:\n  password: ':encrypt:hunter2'\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Error: config.password: :encrypt: values are only allowed under a '+stage' "
        "key, whose stage names the KMS key; refusing to store it"
    ]
    assert "hunter2" not in done.stderr


def test_importing_the_config_command_loads_no_aws_library() -> None:
    """The config command imports boto3 and the HTTP stack only when it needs them."""
    loaded = modules_imported_by("fleece.cli._config._command")
    assert set() == {"boto3", "botocore", "requests", "urllib3", "docker"} & loaded


def test_config_help_lists_the_four_commands() -> None:
    """fleece config --help lists import, export, edit and render."""
    result = CliRunner().invoke(cli, ["config", "--help"], prog_name="fleece")
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:")[1].split()
    assert {"import", "export", "edit", "render"} <= set(commands)


def test_import_from_a_terminal_says_how_to_end_the_input(tmp_path: Path) -> None:
    """Typing the config at a terminal: a hint on stderr, Ctrl-D ends the input."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [FLEECE, "config", "import"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        text=True,
    )
    os.close(terminal)
    os.write(controller, b"config:\n  region: eu-west-1\n\x04")
    stdout, stderr = process.communicate(timeout=60)
    os.close(controller)
    assert (process.returncode, stdout) == (0, "")
    assert stderr.splitlines() == [
        "Reading the open configuration; end it with Ctrl-D.",
        "config.yml: written",
    ]
    assert (tmp_path / "config.yml").read_text() == "config:\n  region: eu-west-1\n"


plain_keys = st.text(
    st.characters(categories=("L", "N"), include_characters="_-"),
    min_size=1,
    max_size=6,
)
secrets = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
leaves = (
    # A plain value starting with a marker is a misplaced secret, rightly refused.
    st.text(max_size=10).filter(
        lambda text: not text.startswith((":encrypt:", ":decrypt:"))
    )
    | st.integers()
    | secrets.map(lambda secret: {"+dev": f":encrypt:{secret}"})
)
config_trees = st.recursive(
    leaves,
    lambda children: st.dictionaries(plain_keys, children, min_size=1, max_size=3),
    max_leaves=6,
)


@given(config=st.dictionaries(plain_keys, config_trees, min_size=1, max_size=3))
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_tree_survives_import_export_import(
    project: Project, config: dict[str, Any]
) -> None:
    """Generated trees with secrets: JSON in, JSON out, YAML in, the same tree out."""
    tree = {"stages": {"dev": {"environment": "development", "key": "dev-config"}}}
    tree["config"] = config
    imported = invoke("import", input=json.dumps(tree))
    assert imported.exit_code == 0, imported.output
    first = invoke("export", "--json")
    assert (first.exit_code, json.loads(first.stdout)) == (0, tree)
    assert invoke("import", input=invoke("export").stdout).exit_code == 0
    assert json.loads(invoke("export", "--json").stdout) == tree
