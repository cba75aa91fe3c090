"""The exceptions of the ``fleece`` command, in one place.

Two layers. The data layer (environments, credentials, config files, builds) raises
`FleeceCliError` subclasses: plain exceptions whose message is one line saying what
went wrong and how to fix it, `InputError` when the values the user gave cannot
work. The command layer (the click commands, built on `ReportingCommand` and
`ReportingGroup`) turns them into click's `CliError` (exit status 1) and
`CliUsageError` (exit status 2), which the ``fleece`` group prints as one
``Error: ...`` line on stderr, without a traceback. No message shows a secret the
process holds (see `fleece.cli._secrets`).
"""

from __future__ import annotations

from typing import Any

import click

from fleece.cli._secrets import redact


class FleeceCliError(Exception):
    """An expected failure of the data layer, told in one line: exit status 1.

    Attributes:
        message: what went wrong and how to fix it.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def format_message(self) -> str:
        """The message, without any secret the process holds."""
        return redact(self.message)


class InputError(FleeceCliError, ValueError):
    """The values the user gave cannot work: exit status 2.

    Attributes:
        option: the flag to fix (say ``--username``), so that the command layer can
            point at the command that takes it; None when no single flag is at fault.
    """

    exit_code = 2

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class ConfigError(FleeceCliError):
    """A config file (``environments.yml``, ``config.yml``) is missing or invalid."""


class CredentialsError(FleeceCliError):
    """Rackspace identity, FAWS or STS did not hand out credentials."""


class AwsCallError(FleeceCliError):
    """KMS or SSM refused or failed (the message names the call and what for)."""


class MissingDependencyError(FleeceCliError):
    """An optional Python package a command needs is not installed."""

    def __init__(self, module: str, *, package: str, feature: str) -> None:
        self.module = module
        self.package = package
        super().__init__(
            f"{feature} needs the Python package {package!r} (module {module!r}), "
            f"which is not installed: pip install {package}"
        )


class BuildError(FleeceCliError):
    """The build could not be done (missing directory, no wheel, Docker absent, ...)."""


class BuildOptionError(InputError):
    """Build options that are not allowed or do not fit together.

    The message names them as ``fleece build`` spells them.
    """


class NoInterpreterError(BuildOptionError):
    """``--compile`` was asked for, and no interpreter of the target Python is here."""


class EditorError(FleeceCliError):
    """The editor could not be started, failed, or was interrupted.

    Attributes:
        started: whether the editor ran (and so may have changed the file).
    """

    def __init__(self, message: str, *, started: bool) -> None:
        super().__init__(message)
        self.started = started


class CommandNotFoundError(FleeceCliError):
    """The program to run does not exist: exit status 127, as a shell answers."""

    exit_code = 127


class CommandNotExecutableError(FleeceCliError):
    """The program to run cannot be executed: exit status 126, as a shell answers."""

    exit_code = 126


class CliError(click.ClickException):
    """An operational failure (a service refused, a file is broken): exit status 1."""

    exit_code = 1

    def format_message(self) -> str:
        """The message, without any secret the process holds."""
        return redact(super().format_message())


class CliUsageError(click.UsageError):
    """The command line is wrong (missing or conflicting options): exit status 2."""

    exit_code = 2

    def format_message(self) -> str:
        """The message, without any secret the process holds."""
        return redact(super().format_message())


def as_click_error(error: FleeceCliError, ctx: click.Context) -> click.ClickException:
    """Return the click exception that reports ``error`` for the command of ``ctx``.

    A `InputError` about a flag is reported against the command that takes that
    flag (``fleece config --username``, not ``fleece config import``), so that its
    ``--help`` hint points where the flag can be given.
    """
    if isinstance(error, InputError):
        owner = _owner_of(error.option, ctx)
        message = error.message
        if owner is not ctx and error.option is not None:
            message = message.replace(
                f"pass {error.option}",
                f"pass {error.option} to '{owner.command_path}' "
                f"(before '{ctx.info_name}')",
                1,
            )
        return CliUsageError(message, owner)
    reported = CliError(error.message)
    # click declares exit_code on the class; a run's child sets 126/127 per error.
    reported.exit_code = error.exit_code  # type: ignore[misc]
    return reported


def _owner_of(option: str | None, ctx: click.Context) -> click.Context:
    if option is None:
        return ctx
    context: click.Context | None = ctx
    while context is not None:
        if any(
            option in getattr(param, "opts", ()) for param in context.command.params
        ):
            return context
        context = context.parent
    return ctx


class ReportingCommand(click.Command):
    """A command whose data-layer failures become one-line click errors."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a `FleeceCliError` becomes `CliError`/`CliUsageError`."""
        try:
            return super().invoke(ctx)
        except FleeceCliError as error:
            raise as_click_error(error, ctx) from None


class ReportingGroup(click.Group):
    """A group whose own and whose sub-commands' failures become click errors."""

    command_class = ReportingCommand

    def invoke(self, ctx: click.Context) -> Any:
        """Run the group; a `FleeceCliError` becomes `CliError`/`CliUsageError`."""
        try:
            return super().invoke(ctx)
        except FleeceCliError as error:
            raise as_click_error(error, ctx) from None
