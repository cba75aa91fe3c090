"""The exceptions every ``fleece`` sub-command raises for expected failures.

Each one is shown as a single ``Error: ...`` line on stderr, without a traceback:
usage errors exit with status 2, operational failures with status 1.

Every secret the process holds (Rackspace API key, identity token, AWS secret key and
session token) is registered with `hold_secret` as soon as fleece has it, and `redact`
removes all of them from any text about to be shown: the messages of these exceptions
and every ``Error:`` line the ``fleece`` command prints.
"""

from __future__ import annotations

import click

#: What a redacted secret is replaced with.
REDACTED = "***"

# The secrets this process holds. Global by nature: a secret obtained by one command
# must be hidden from every message the process prints afterwards.
_held_secrets: set[str] = set()


def hold_secret(*secrets: str | None) -> None:
    """Remember secrets this process holds: `redact` hides them from messages."""
    _held_secrets.update(secret for secret in secrets if secret)


def is_held_secret(value: str) -> bool:
    """Whether ``value`` is one of the secrets this process holds."""
    return value in _held_secrets


def forget_secrets() -> None:
    """Forget every held secret (for a program that runs several commands in turn)."""
    _held_secrets.clear()


def redact(text: str) -> str:
    """Return ``text`` with every held secret replaced by ``***``.

    Longer secrets go first, so a secret containing another is hidden whole.
    """
    for secret in sorted(_held_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


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
