"""The plaintext working copy of ``fleece config edit`` and the editor that opens it.

The working copy holds secrets in clear, so it lives in a folder only the user can
enter (``$XDG_RUNTIME_DIR``, else the temp dir), is created ``0600``, and is deleted
once its content is imported. Its name derives from the config file's absolute path:
an edit that was interrupted (editor failure, import refused) is found again by the
next ``fleece config edit`` of the same file, which offers to resume or discard it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import stat
import subprocess
import tempfile
from pathlib import Path

from fleece.cli._errors import EditorError, FleeceCliError
from fleece.cli._faws._credentials import child_environment

EDITOR_VARIABLES = ("FLEECE_EDITOR", "EDITOR")
DEFAULT_EDITOR = "vi"


class WorkingCopy:
    """The plaintext file an edit session works on.

    Its name holds a digest of the config file's path (to find it again) and of the
    config file's content when the edit began (to tell whether it changed since).

    Args:
        config_path: the ``config.yml`` being edited.
        base: `content_digest` of ``config.yml`` when the edit began.
        suffix: ``.yml`` or ``.json``.
    """

    def __init__(self, config_path: Path, base: str, suffix: str) -> None:
        self.config_path = config_path
        self.base = base
        self.path = _private_folder() / f"{_prefix(config_path)}{base}{suffix}"

    @classmethod
    def pending(cls, config_path: Path) -> WorkingCopy | None:
        """Return the working copy an interrupted edit of ``config_path`` left."""
        prefix = _prefix(config_path)
        found = sorted(_private_folder().glob(f"{prefix}*"))
        if not found:
            return None
        base, suffix = found[0].name[len(prefix) :].split(".", 1)
        return cls(config_path, base, f".{suffix}")

    def create(self, text: str) -> None:
        """Write ``text`` to a new file only its owner can read (``0600``)."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(self.path, flags, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            file.write(text)

    def read(self) -> str:
        """Return the working copy's current text."""
        return self.path.read_text(encoding="utf-8")

    def delete(self) -> None:
        """Remove the working copy (no error if it is gone)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def kept_message(self) -> str:
        """Say where the edits are and how to carry on with them."""
        return (
            f"your edits are kept in {self.path}; run 'fleece config edit' again to "
            "resume or discard them"
        )


def content_digest(text: str | None) -> str:
    """A short digest of a config file's text (``none`` when there is no file)."""
    if text is None:
        return "none"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _prefix(config_path: Path) -> str:
    digest = hashlib.sha256(str(config_path.resolve()).encode()).hexdigest()[:16]
    return f"{config_path.stem}-{digest}-"


def editor_command(editor: str | None) -> list[str]:
    """Return the editor's argv: ``--editor``, ``$FLEECE_EDITOR``, ``$EDITOR``, vi.

    The value may carry arguments (``code --wait``); it is split like a shell would.
    """
    chosen = editor or next(
        (os.environ[name] for name in EDITOR_VARIABLES if os.environ.get(name)),
        DEFAULT_EDITOR,
    )
    try:
        argv = shlex.split(chosen)
    except ValueError:
        argv = []
    if not argv:
        raise EditorError(f"editor {chosen!r} is not a command", started=False)
    return argv


def run_editor(argv: list[str], copy: WorkingCopy) -> None:
    """Open the working copy in the editor and wait for it to exit.

    Raises:
        EditorError: the editor cannot be started, exits with a failure status or is
            interrupted.
    """
    try:
        # The editor is a child like any other: no Rackspace credentials.
        status = subprocess.call(
            [*argv, str(copy.path)], env=child_environment(os.environ)
        )
    except OSError as error:
        raise EditorError(
            f"editor {argv[0]!r} could not be started ({error.strerror})",
            started=False,
        ) from None
    except KeyboardInterrupt:
        raise EditorError("edit interrupted", started=True) from None
    if status != 0:
        raise EditorError(
            f"editor {argv[0]!r} exited with status {status}", started=True
        )


def _private_folder() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(base) / f"fleece-config-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as error:
        raise FleeceCliError(f"cannot create {folder} ({error.strerror})") from None
    owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    if not stat.S_ISDIR(info.st_mode) or not owned or info.st_mode & 0o077:
        raise FleeceCliError(
            f"{folder} is not a private folder of yours (mode 0700); remove it and "
            "try again"
        )
    return folder
