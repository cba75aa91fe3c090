"""The exception ``fleece build`` raises for an expected build failure."""

from __future__ import annotations

from fleece.cli._errors import CliError, CliUsageError


class BuildError(CliError):
    """The build could not be done (missing directory, no wheel, Docker absent, ...).

    Shown as one ``Error: ...`` line; the command exits with status 1.
    """


class BuildOptionError(CliUsageError):
    """Build options that are not allowed or do not fit together.

    The message names them as ``fleece build`` spells them; shown as one
    ``Error: ...`` line, the command exits with status 2.
    """


class NoInterpreterError(BuildOptionError):
    """``--compile`` was asked for, and no interpreter of the target Python is here.

    Shown as one ``Error: ...`` line; the command exits with status 2.
    """
