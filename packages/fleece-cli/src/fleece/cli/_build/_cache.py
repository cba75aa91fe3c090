"""The cache of installed dependency layers, keyed by what determines them."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from fleece.cli._errors import BuildError

# Bump when the layout of a cached layer changes, so old entries are not reused.
# 2: layers may hold the bytecode the build compiled.
_LAYOUT_VERSION = 2
_NESTED_FILE = re.compile(
    r"^\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(?P<path>\S+)"
)


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """Return where dependency layers are cached.

    ``$XDG_CACHE_HOME/fleece/build`` when that variable holds an absolute path (the
    XDG rule), else ``~/.cache/fleece/build``.

    Args:
        environ: the environment to read (default: ``os.environ``).
    """
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "fleece" / "build"


def layer_key(requirements: Path, *, python: str, arch: str, builder: str) -> str:
    """Return the sha256 that names the dependency layer of a build.

    It covers the requirements file (and the files it includes with ``-r``/``-c``),
    Lambda's Python version and architecture, and how the layer is built and
    compiled.

    Args:
        requirements: the requirements file.
        python: Lambda's Python version, e.g. ``"3.12"``.
        arch: ``"x86_64"`` or ``"arm64"``.
        builder: what builds the layer, e.g. ``"pip"`` or the Docker image and system
            packages, and what compiles its bytecode.

    Returns:
        A hex digest.
    """
    identity = {
        "layout": _LAYOUT_VERSION,
        "requirements": requirement_texts(requirements),
        "python": python,
        "arch": arch,
        "builder": builder,
    }
    encoded = json.dumps(identity, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def requirement_texts(requirements: Path) -> dict[str, str]:
    """Return the text of a requirements file and of the files it includes.

    Args:
        requirements: the requirements file.

    Returns:
        Each file's text (empty when it cannot be read: pip names it), by path
        relative to the requirements file's folder.
    """
    contents: dict[str, str] = {}
    _read_requirements(requirements, contents, requirements.parent)
    return contents


def _read_requirements(path: Path, contents: dict[str, str], base: Path) -> None:
    name = os.path.relpath(path, base)
    if name in contents:
        return
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        # pip reports a missing nested file itself, naming it.
        contents[name] = ""
        return
    contents[name] = text
    for line in text.splitlines():
        match = _NESTED_FILE.match(line)
        if match:
            _read_requirements(path.parent / match["path"], contents, base)


class LayerCache:
    """Dependency layers on disk: one directory per key, created atomically.

    Args:
        root: the cache directory (see `cache_root`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def lookup(self, key: str) -> Path | None:
        """Return the cached layer named ``key``, or None."""
        layer = self.root / key
        return layer if layer.is_dir() else None

    def store(self, key: str, fill: Callable[[Path], None]) -> Path:
        """Create (or replace) the layer ``key`` by calling ``fill(directory)``.

        ``fill`` works in a fresh directory inside the cache; only when it returns
        is that directory renamed to the key, so a failed or interrupted build never
        leaves a half-filled layer behind.

        Args:
            key: the layer's key (see `layer_key`).
            fill: installs the dependencies into the directory it is given.

        Returns:
            The layer's directory.

        Raises:
            BuildError: the cache directory cannot be written.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(dir=self.root, prefix=f".{key[:16]}."))
        except OSError as error:
            raise BuildError(
                f"cannot write the dependency cache {self.root}: "
                f"{error.strerror or error} (set XDG_CACHE_HOME to a writable folder)"
            ) from None
        try:
            fill(work)
            self._publish(work, self.root / key)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return self.root / key

    def _publish(self, work: Path, layer: Path) -> None:
        if layer.exists():
            stale = Path(tempfile.mkdtemp(dir=self.root, prefix=".stale."))
            with contextlib.suppress(FileNotFoundError):
                os.replace(layer, stale / "layer")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.rename(work, layer)
        except OSError:
            # Another build published the same layer meanwhile: same key, same content.
            if not layer.is_dir():
                raise
