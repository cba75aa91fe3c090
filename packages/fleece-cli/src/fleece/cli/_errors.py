"""The exceptions every ``fleece`` sub-command raises for expected failures.

Each one is shown as a single ``Error: ...`` line on stderr, without a traceback:
usage errors exit with status 2, operational failures with status 1.
"""

from __future__ import annotations

import click


class CliError(click.ClickException):
    """An operational failure (a service refused, a file is broken): exit status 1."""

    exit_code = 1


class CliUsageError(click.UsageError):
    """The command line is wrong (missing or conflicting options): exit status 2."""

    exit_code = 2


class ConfigError(CliError):
    """A config file (``environments.yml``, ``config.yml``) is missing or invalid."""


class CredentialsError(CliError):
    """Rackspace identity, FAWS or STS did not hand out credentials."""


class MissingDependencyError(CliError):
    """An optional Python package a command needs is not installed."""

    def __init__(self, module: str, *, package: str, feature: str) -> None:
        self.module = module
        self.package = package
        super().__init__(
            f"{feature} needs the Python package {package!r} (module {module!r}), "
            f"which is not installed: pip install {package}"
        )
