"""``fleece run``: run a command with AWS credentials from Rackspace FAWS."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import click

from fleece.cli._errors import CliUsageError, ReportingCommand
from fleece.cli._faws._credentials import (
    APIKEY_FILE_HELP,
    APIKEY_HELP,
    child_environment,
    get_aws_credentials,
    read_apikey,
    resolve_rackspace_credentials,
)
from fleece.cli._faws._environments import ACCOUNT_ID, ROLE_NAME, load_environments

# ctx.meta key: whether COMMAND came after ``--``.
_AFTER_DASHES = "fleece.run.after_dashes"


class _RunCommand(ReportingCommand):
    """Remembers whether COMMAND came after ``--`` (then it is run without a shell)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        original = list(args)
        rest = super().parse_args(ctx, args)
        command = ctx.params.get("command") or ()
        position = len(original) - len(command) - 1
        ctx.meta[_AFTER_DASHES] = position >= 0 and original[position] == "--"
        return rest


def _matching(
    pattern: re.Pattern[str], what: str
) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """Return a click callback refusing a value that is not ``what``."""

    def check(
        ctx: click.Context, param: click.Parameter, value: str | None
    ) -> str | None:
        if value is not None and not pattern.fullmatch(value):
            raise click.BadParameter(f"{value!r} is not {what}")
        return value

    return check


@click.command(
    cls=_RunCommand,
    context_settings={
        "allow_interspersed_args": False,
        "help_option_names": ["-h", "--help"],
    },
    short_help="Run a command with AWS credentials from the Rackspace FAWS API.",
)
@click.option(
    "-u",
    "--username",
    metavar="USERNAME",
    help="Rackspace username. Can also be set via RS_USERNAME environment variable.",
)
@click.option("-k", "--apikey", metavar="APIKEY", help=APIKEY_HELP)
@click.option("--apikey-file", metavar="PATH", help=APIKEY_FILE_HELP)
@click.option(
    "-c",
    "--config",
    metavar="CONFIG",
    default="./environments.yml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Path to YAML config file with defined accounts and aliases. "
    "Default is ./environments.yml. (Here -c is the environments file; in "
    "'fleece config' it is config.yml.)",
)
@click.option(
    "-a",
    "--account",
    metavar="ACCOUNT",
    callback=_matching(ACCOUNT_ID, "a 12-digit AWS account id"),
    help="AWS account number. Cannot be used with `--environment` or `--stage`.",
)
@click.option(
    "-e",
    "--environment",
    metavar="ENVIRONMENT",
    help="Environment alias to AWS account defined in config file. "
    "Cannot be used with `--account` or `--stage`. (Here -e names an environment; "
    "in 'fleece config' it is the environments file, in 'fleece build' --exclude.)",
)
@click.option(
    "-s",
    "--stage",
    metavar="STAGE",
    help="Stage name, mapped to an environment by the config file's `stages:`. "
    "Cannot be used with `--account` or `--environment`.",
)
@click.option(
    "-r",
    "--role",
    metavar="ROLE",
    callback=_matching(ROLE_NAME, "an IAM role name"),
    help="Role name to assume after obtaining credentials from FAWS API. "
    "With `--stage`, replaces its environment's `role:`. Cannot be used with "
    "`--environment` (its `role:` is used).",
)
@click.argument("command", nargs=-1, required=True, metavar="COMMAND...")
@click.pass_context
def run(
    ctx: click.Context,
    username: str | None,
    apikey: str | None,
    apikey_file: str | None,
    config: Path,
    account: str | None,
    environment: str | None,
    stage: str | None,
    role: str | None,
    command: tuple[str, ...],
) -> None:
    """Run command in environment with AWS credentials from Rackspace FAWS API.

    COMMAND is one string, run by the shell, or, after `--`, a program and its
    arguments, run without a shell exactly as given:

        fleece run -a 123456789012 'aws s3 ls | head -3'

        fleece run -e production -- aws s3 ls

    The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN,
    and neither AWS_PROFILE nor any Rackspace credential (RS_USERNAME, RS_API_KEY,
    the variables named in the config file); fleece exits with the command's exit
    status.
    """
    from fleece.cli._run._process import run_command

    chosen = [
        flag
        for flag, value in (
            ("--account", account),
            ("--environment", environment),
            ("--stage", stage),
        )
        if value is not None
    ]
    if len(chosen) != 1:
        given = f" (got {' and '.join(chosen)})" if chosen else ""
        raise CliUsageError(
            f"give exactly one of --account, --environment, --stage{given}", ctx
        )
    if role is not None and environment is not None:
        raise CliUsageError(
            "--role cannot be used with --environment: the environment's role in "
            f"{config} is used",
            ctx,
        )
    apikey = read_apikey(apikey, apikey_file)
    entry = environments = None
    if account is None:
        environments = load_environments(config)
        if environment is not None:
            entry = environments.environment(environment)
        else:
            entry = environments.environment_for_stage(str(stage))
        account, role = entry.account, role or entry.role
    rs_username, rs_apikey = resolve_rackspace_credentials(entry, username, apikey)
    credentials = get_aws_credentials(
        account, username=rs_username, apikey=rs_apikey, role=role
    )
    shell = len(command) == 1 and not ctx.meta[_AFTER_DASHES]
    env = child_environment(os.environ, credentials, environments)
    ctx.exit(run_command(command, shell=shell, env=env))
