"""The ``config.json`` that ``--inject-build-info`` adds: commit and build time."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from fleece.cli._errors import BuildError

#: What ``VERSION_HASH`` holds when neither ``CIRCLE_SHA1`` nor git tells.
UNKNOWN_VERSION = "unknown"


def version_hash(directory: Path, environ: Mapping[str, str]) -> str | None:
    """Return ``$CIRCLE_SHA1``, else the git commit checked out at ``directory``.

    Returns:
        The commit hash, or None when there is none.
    """
    if environ.get("CIRCLE_SHA1"):
        return environ["CIRCLE_SHA1"]
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 -- git from the user's PATH
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else None


def build_time(environ: Mapping[str, str]) -> str:
    """Return the build time, ISO 8601 UTC; ``$SOURCE_DATE_EPOCH`` fixes it.

    Raises:
        BuildError: ``SOURCE_DATE_EPOCH`` is not a whole number of seconds.
    """
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or not epoch.strip():
        moment = datetime.now(UTC)
    else:
        try:
            moment = datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise BuildError(
                f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}"
            ) from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def config_json(
    info: Mapping[str, str], existing: bytes | None = None, *, name: str = ""
) -> bytes:
    """Return the ``config.json`` content: ``existing`` (a JSON object) plus ``info``.

    Args:
        info: the build information to add (it wins over existing keys).
        existing: the source's own ``config.json``, if it has one.
        name: where ``existing`` comes from, for the error message.

    Raises:
        BuildError: ``existing`` is not a JSON object.
    """
    config: dict[str, object] = {}
    if existing is not None:
        try:
            loaded = json.loads(existing)
        except ValueError as error:
            raise BuildError(
                f"{name} is not valid JSON ({error}); cannot add the build info"
            ) from None
        if not isinstance(loaded, dict):
            raise BuildError(
                f"{name} is not a JSON object; cannot add the build info to it"
            )
        config.update(loaded)
    config.update(info)
    return (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()


def build_info(
    directory: Path, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return ``{"VERSION_HASH": ..., "BUILD_TIME": ...}`` for a build of ``directory``.

    Args:
        directory: the service, whose git commit is read.
        environ: the environment (default: ``os.environ``).
    """
    environ = os.environ if environ is None else environ
    return {
        "VERSION_HASH": version_hash(directory, environ) or UNKNOWN_VERSION,
        "BUILD_TIME": build_time(environ),
    }
