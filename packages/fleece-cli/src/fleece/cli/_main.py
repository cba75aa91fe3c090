"""The ``fleece`` command group and its console-script entry point."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from fleece.cli._errors import FleeceCliError
from fleece.cli._lazy import LazyCommand, LazyGroup
from fleece.cli._secrets import redact

_COMMANDS = {
    "run": LazyCommand(
        "fleece.cli._run._command:run",
        "Run a command with AWS credentials from the Rackspace FAWS API.",
    ),
    "build": LazyCommand(
        "fleece.cli._build._command:build",
        "Build a Lambda zip: dependencies and sources.",
    ),
    "config": LazyCommand(
        "fleece.cli._config._command:config",
        "Import, export, edit and render KMS-encrypted configuration.",
    ),
}


class FleeceGroup(LazyGroup):
    """The ``fleece`` group: lazy sub-commands and one-line errors.

    Click prints usage errors over several lines; fleece reports every expected failure
    as one ``Error: ...`` line on stderr: exit status 2 for usage errors, 1 for
    operational failures, and a sub-command's own status otherwise.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the group; in standalone mode, exit with the right status."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as error:
            if _is_help_for_no_command(error):
                error.show()
                sys.exit(error.exit_code)
            hint = ""
            if error.ctx is not None:
                hint = f" (see '{error.ctx.command_path} --help')"
            _fail(error.format_message() + hint, error.exit_code)
        except (click.ClickException, FleeceCliError) as error:
            _fail(error.format_message(), error.exit_code)
        except click.Abort:
            _fail("Aborted.", 130)
        sys.exit(result if isinstance(result, int) else 0)


def _is_help_for_no_command(error: click.UsageError) -> bool:
    # click 8.2+ answers a group called without a command with this error, whose
    # message is the whole help: shown as it is, not squeezed into one line (older
    # versions print the help themselves).
    no_command = getattr(click.exceptions, "NoArgsIsHelpError", ())
    return isinstance(error, no_command)


def _fail(message: str, exit_code: int) -> NoReturn:
    one_line = " ".join(redact(message).split())
    click.echo(f"Error: {one_line}", err=True)
    sys.exit(exit_code)


@click.group(
    name="fleece",
    cls=FleeceGroup,
    lazy_commands=_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="fleece-command", prog_name="fleece")
def cli() -> None:
    """Fleece: tools for AWS Lambda services.

    Run commands with credentials from Rackspace Fanatical AWS, build Lambda zips,
    and keep KMS-encrypted configuration in git.
    """


#: The console-script entry point. It is the group itself, so calling ``main()``
#: runs the command line on ``sys.argv``, and ``CliRunner().invoke(main, [...])``
#: works as with ``cli``.
main = cli
