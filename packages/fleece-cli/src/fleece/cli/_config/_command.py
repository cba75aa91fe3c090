"""``fleece config``: per-stage configuration with KMS-encrypted secrets, in git."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from fleece.cli._config._aws import StageAws
from fleece.cli._config._convert import closed_text, open_text
from fleece.cli._config._edit import (
    WorkingCopy,
    content_digest,
    editor_command,
    run_editor,
)
from fleece.cli._config._files import read_config, skeleton, write_atomically
from fleece.cli._config._render import (
    as_encrypted_chunks,
    as_json,
    as_python_module,
    as_yaml,
    decrypt_selection,
    parameters,
)
from fleece.cli._config._tree import ConfigTree, Stage
from fleece.cli._errors import (
    CliError,
    CliUsageError,
    ConfigError,
    EditorError,
    FleeceCliError,
    InputError,
    ReportingGroup,
)
from fleece.cli._faws._credentials import APIKEY_FILE_HELP, APIKEY_HELP, read_apikey


@dataclass(frozen=True)
class ConfigSettings:
    """The options of ``fleece config`` shared by its sub-commands.

    Attributes:
        config_path: the closed configuration file (``config.yml``).
        environments_path: the ``environments.yml`` file.
        username: the ``--username`` flag, or None.
        apikey: the ``--apikey`` flag, or None.
    """

    config_path: Path
    environments_path: Path
    username: str | None
    apikey: str | None

    def aws(self) -> StageAws:
        """Return the AWS access for one command (credentials cached within it)."""
        return StageAws(self.environments_path, self.username, self.apikey)

    def load(self) -> ConfigTree | None:
        """Return the parsed ``config.yml``, or None when there is none yet."""
        text = read_config(self.config_path)
        if text is None:
            return None
        return ConfigTree.parse(text, str(self.config_path))

    def open_skeleton(self, as_json: bool) -> str:
        """Return the skeleton of a new configuration, as YAML or JSON."""
        text = skeleton(self.environments_path)
        if not as_json:
            return text
        data = ConfigTree.parse(text, "skeleton").document.data()
        return json.dumps(data, indent=2) + "\n"


pass_settings = click.make_pass_decorator(ConfigSettings)


@click.group(cls=ReportingGroup)
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="config.yml",
    show_default=True,
    help="The encrypted configuration file (-c in 'fleece run' is the "
    "environments file).",
)
@click.option(
    "-e",
    "--environments",
    "environments_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="environments.yml",
    show_default=True,
    help="The environments file (accounts, roles) the stages refer to (-e in "
    "'fleece run' names an environment, in 'fleece build' is --exclude).",
)
@click.option(
    "-u",
    "--username",
    metavar="USERNAME",
    help="Rackspace username; else the environment's rs_username_var, else "
    "RS_USERNAME.",
)
@click.option("-k", "--apikey", metavar="APIKEY", help=APIKEY_HELP)
@click.option("--apikey-file", metavar="PATH", help=APIKEY_FILE_HELP)
@click.pass_context
def config(
    ctx: click.Context,
    config_path: Path,
    environments_path: Path,
    username: str | None,
    apikey: str | None,
    apikey_file: str | None,
) -> None:
    """Keep configuration per stage, with secrets encrypted by KMS, in git.

    The open form (what you write) marks secrets ':encrypt:<text>' under '+stage'
    keys; the closed form (config.yml, safe to commit) stores them as
    ':decrypt:<KMS ciphertext>', encrypted with each stage's KMS key.
    """
    apikey = read_apikey(apikey, apikey_file)
    ctx.obj = ConfigSettings(config_path, environments_path, username, apikey)


@config.command(
    "import", short_help="Encrypt an open config from stdin into config.yml."
)
@pass_settings
def import_(settings: ConfigSettings) -> None:
    """Encrypt an open configuration read on stdin (YAML or JSON) into config.yml."""
    if sys.stdin.isatty():
        click.echo("Reading the open configuration; end it with Ctrl-D.", err=True)
    text = sys.stdin.read()
    if not text.strip():
        raise ConfigError(
            "nothing on stdin: pipe an open configuration (YAML or JSON) into "
            "'fleece config import'"
        )
    tree = ConfigTree.parse(text, "stdin")
    write_atomically(settings.config_path, closed_text(tree, settings.aws()))
    click.echo(f"{settings.config_path}: written", err=True)


@config.command(short_help="Decrypt config.yml to stdout.")
@click.option("--json", "json_output", is_flag=True, help="Write JSON, not YAML.")
@pass_settings
def export(settings: ConfigSettings, json_output: bool) -> None:
    """Write config.yml decrypted (the open form) to stdout.

    Without a config.yml, writes a skeleton with one stage per environment of
    environments.yml.
    """
    tree = settings.load()
    if tree is None:
        click.echo(settings.open_skeleton(json_output), nl=False)
        return
    click.echo(open_text(tree, settings.aws(), as_json=json_output), nl=False)


@config.command(short_help="Edit config.yml decrypted, then encrypt it back.")
@click.option(
    "--json",
    "json_output",
    is_flag=True,
    help="Edit as JSON, not YAML (config.yml's comments are then not kept).",
)
@click.option(
    "--editor",
    metavar="COMMAND",
    help="The editor to use; else $FLEECE_EDITOR, else $EDITOR, else vi.",
)
@pass_settings
def edit(settings: ConfigSettings, json_output: bool, editor: str | None) -> None:
    """Decrypt config.yml into a private temporary file, edit it, encrypt it back.

    If the editor fails or the result cannot be imported, the file is kept and the
    next edit offers to resume or discard it.
    """
    argv = editor_command(editor)
    aws = settings.aws()
    copy, exported = _working_copy(settings, aws, json_output)
    try:
        run_editor(argv, copy)
    except EditorError as error:
        if error.started or exported is None:
            raise CliError(f"{error.message}; {copy.kept_message()}") from None
        copy.delete()
        raise
    edited = copy.read()
    if edited == exported:
        copy.delete()
        click.echo(f"{settings.config_path}: no changes", err=True)
        return
    try:
        tree = ConfigTree.parse(edited, "the edited configuration")
        write_atomically(settings.config_path, closed_text(tree, aws))
    except InputError as error:
        raise CliUsageError(f"{error.message}; {copy.kept_message()}") from None
    except FleeceCliError as error:
        raise CliError(f"{error.message}; {copy.kept_message()}") from None
    copy.delete()
    click.echo(f"{settings.config_path}: written", err=True)


def _working_copy(
    settings: ConfigSettings, aws: StageAws, json_output: bool
) -> tuple[WorkingCopy, str | None]:
    """Return the working copy to edit and what was exported into it.

    An interrupted edit's copy is resumed or discarded as the user answers; a resumed
    copy comes with None, since its content is not an export.
    """
    current = read_config(settings.config_path)
    pending = WorkingCopy.pending(settings.config_path)
    if pending is not None:
        changed = ""
        if pending.base != content_digest(current):
            changed = (
                f" {settings.config_path} has changed since; resuming replaces it "
                "with the edited file."
            )
        choice = click.prompt(
            f"An interrupted edit of {settings.config_path} is in {pending.path}."
            f"{changed} Resume it or discard it?",
            type=click.Choice(["resume", "discard"]),
            err=True,
        )
        if choice == "resume":
            return pending, None
        pending.delete()
    suffix = ".json" if json_output else ".yml"
    copy = WorkingCopy(settings.config_path, content_digest(current), suffix)
    if current is None:
        exported = settings.open_skeleton(json_output)
    else:
        tree = ConfigTree.parse(current, str(settings.config_path))
        exported = open_text(tree, aws, as_json=json_output)
    copy.create(exported)
    return copy, exported


@config.command(short_help="Write one stage's config, decrypted, to stdout.")
@click.argument("stage")
@click.option("--json", "json_output", is_flag=True, help="Write JSON.")
@click.option(
    "--encrypt",
    "encrypt_output",
    is_flag=True,
    help="Write a JSON list of KMS ciphertexts (base64) of the JSON config, "
    "encrypted with the stage's key in chunks of at most 4096 bytes.",
)
@click.option(
    "--python",
    "python_output",
    is_flag=True,
    help="Write a Python module whose CONFIG is decrypted with KMS at import.",
)
@click.option(
    "--parameter-store",
    metavar="PREFIX",
    help="Write each value as an SSM SecureString parameter under PREFIX "
    "(e.g. /myapp/prod) instead of printing.",
)
@click.option(
    "--ssm-kms-key",
    metavar="KEY",
    help="The KMS key of the SSM parameters (default: the stage's key).",
)
@pass_settings
def render(
    settings: ConfigSettings,
    stage: str,
    json_output: bool,
    encrypt_output: bool,
    python_output: bool,
    parameter_store: str | None,
    ssm_kms_key: str | None,
) -> None:
    """Write the configuration of STAGE, decrypted, to stdout (YAML by default)."""
    chosen = [
        flag
        for flag, given in (
            ("--json", json_output),
            ("--encrypt", encrypt_output),
            ("--python", python_output),
            ("--parameter-store", parameter_store is not None),
        )
        if given
    ]
    if len(chosen) > 1:
        raise CliUsageError(f"{' and '.join(chosen)} cannot be used together")
    if ssm_kms_key is not None and parameter_store is None:
        raise CliUsageError("--ssm-kms-key needs --parameter-store")
    tree = settings.load()
    if tree is None:
        raise ConfigError(
            f"{settings.config_path}: no such file; create it with "
            "'fleece config import' or 'fleece config edit'"
        )
    aws = settings.aws()
    entry = tree.stage(stage)
    selection = tree.select(stage)
    if parameter_store is not None:
        # Check every name and value before the first decrypt or write.
        parameters(selection, parameter_store)
    plain = decrypt_selection(selection, tree, aws)
    if json_output:
        click.echo(as_json(plain), nl=False)
    elif encrypt_output:
        chunks = as_encrypted_chunks(plain, entry, aws)
        click.echo(json.dumps(chunks, indent=2))
    elif python_output:
        chunks = as_encrypted_chunks(plain, entry, aws)
        click.echo(as_python_module(chunks, stage), nl=False)
    elif parameter_store is not None:
        _put_parameters(aws, entry, parameters(plain, parameter_store), ssm_kms_key)
    else:
        click.echo(as_yaml(plain), nl=False)


def _put_parameters(
    aws: StageAws, stage: Stage, values: dict[str, str], ssm_kms_key: str | None
) -> None:
    key_id = stage.kms_key_id
    if ssm_kms_key is not None:
        key_id = Stage(stage.selector, stage.environment, ssm_kms_key).kms_key_id
    for name, value in values.items():
        aws.put_parameter(stage, name, value, key_id)
        click.echo(f"{name}: written", err=True)
    click.echo(f"{len(values)} parameters written to SSM Parameter Store", err=True)
