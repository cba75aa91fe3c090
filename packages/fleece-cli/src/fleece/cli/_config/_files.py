"""Reading and safely writing ``config.yml``, and the skeleton of a new one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from fleece.cli._config._document import yaml_scalar
from fleece.cli._errors import ConfigError
from fleece.cli._faws._environments import load_environments

_SKELETON_HEADER = """\
# fleece config: configuration per stage, with secrets encrypted by KMS.
# stages: a stage name or /regex/ -> {environment: <environments.yml name>, key: <KMS
#   key alias or ARN>}.
# config: any tree. A mapping whose keys all start with '+' holds one value per stage
#   (+prod, +/dev.*/); inside it, ':encrypt:<text>' marks a secret to encrypt.
"""


def read_config(path: Path) -> str | None:
    """Return the text of ``config.yml``, or None when it does not exist.

    Raises:
        ConfigError: the file exists but cannot be read as UTF-8 text.
    """
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error})") from None


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a reader sees the old file or the new one.

    The text goes to a temporary file beside ``path``, which is flushed to disk and
    renamed over it; on any failure the temporary file is removed and ``path`` is left
    as it was. An existing file's permissions are kept.

    Raises:
        ConfigError: the file cannot be written.
    """
    directory = path.parent
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=directory
        )
    except OSError as error:
        raise ConfigError(f"{path}: cannot be written ({error.strerror})") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode if mode is not None else _default_mode())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ConfigError(f"{path}: cannot be written ({error.strerror})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def skeleton(environments_path: Path) -> str:
    """Return a new open configuration with one stage per environment.

    Without an ``environments.yml`` the ``stages`` section is an empty example.
    """
    if not environments_path.exists():
        return (
            _SKELETON_HEADER
            + "stages: {}\n"
            + "#  prod:\n#    environment: production\n#    key: prod-config\n"
            + "config: {}\n"
        )
    environments = load_environments(environments_path)
    lines = [_SKELETON_HEADER, "stages:\n"]
    for environment in environments.environments:
        lines.append(f"  {yaml_scalar(environment.name)}:\n")
        lines.append(f"    environment: {yaml_scalar(environment.name)}\n")
        lines.append(
            f"    key: {yaml_scalar(environment.name)}  # KMS key alias or ARN\n"
        )
    lines.append("config: {}\n")
    return "".join(lines)


def _default_mode() -> int:
    # mkstemp creates 0600 files; a new config.yml gets the usual umask-based mode.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
