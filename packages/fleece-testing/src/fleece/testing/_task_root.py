"""What a Lambda function sees on disk: its code read-only, the runtime's packages.

Lambda unpacks a zip into ``/var/task``, which the function cannot write to, and puts
the packages the Python runtime provides (boto3, botocore, s3transfer and their
dependencies, and the runtime interface client) in ``/var/runtime``, after the task
root on ``sys.path``. These helpers make the same two folders on this machine.
"""

from __future__ import annotations

import compileall
import contextlib
import hashlib
import importlib.metadata
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile
from pathlib import Path

#: The distributions whose copies every Lambda Python runtime provides, with what
#: they need; the runtime interface client runs the function.
RUNTIME_DISTRIBUTIONS = ("awslambdaric", "boto3")
_LAYOUT = "1"
"""Bumped when the prepared folder's layout changes, so that old ones are not reused."""
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class LambdaRuntimeNotInstalledError(RuntimeError):
    """awslambdaric or boto3, which a local Lambda runtime needs, is not installed."""


def unpack_read_only(
    bundle: str | os.PathLike[str], folder: str | os.PathLike[str]
) -> Path:
    """Copy a Lambda zip's contents (or an unpacked tree) to ``folder``, read-only.

    Files keep their executable bits from the zip, as Lambda keeps them; every file
    and folder loses its write bits. :func:`make_writable` undoes that before removal.

    Args:
        bundle: a ``.zip`` file, or a folder holding what the zip would.
        folder: where to put the copy; must not exist yet.

    Returns:
        ``folder`` as a path.
    """
    source, target = Path(bundle), Path(folder)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=False)
    else:
        with zipfile.ZipFile(source) as archive:
            archive.extractall(target)
            executable = {
                info.filename.rstrip("/")
                for info in archive.infolist()
                if (info.external_attr >> 16) & 0o111
            }
        for name in executable:
            path = target / name
            path.chmod(path.stat().st_mode | 0o111)
    for path in [*target.rglob("*"), target]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        path.chmod(stat.S_IMODE(mode) & ~0o222)
    return target


def make_writable(folder: str | os.PathLike[str]) -> None:
    """Give back the owner's write bit under ``folder``, so that it can be removed."""
    root = Path(folder)
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode):
            path.chmod(stat.S_IMODE(mode) | stat.S_IWUSR)


def lambda_runtime_packages(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """A folder holding what Lambda's Python runtime provides, as in ``/var/runtime``.

    The folder is made once from the distributions installed beside this Python
    (awslambdaric and boto3 with everything they require), compiled to bytecode as
    the runtime's copies are, and reused while their versions stay the same.

    Args:
        cache_dir: where prepared folders are kept; defaults to
            ``$XDG_CACHE_HOME/fleece/lambda-runtime`` (``~/.cache/...``).

    Returns:
        The folder, to be put on ``sys.path`` after the task root.

    Raises:
        LambdaRuntimeNotInstalledError: awslambdaric or boto3 is not installed.
    """
    distributions = _required_distributions(RUNTIME_DISTRIBUTIONS)
    signature = hashlib.sha256(
        repr(
            (_LAYOUT, sys.version, sorted((d.name, d.version) for d in distributions))
        ).encode()
    ).hexdigest()[:16]
    root = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    folder = root / f"python{sys.version_info[0]}.{sys.version_info[1]}-{signature}"
    if folder.is_dir():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        for distribution in distributions:
            _copy_distribution(distribution, staging)
        compileall.compile_dir(staging, quiet=2, workers=1)
        with contextlib.suppress(FileExistsError, OSError):
            # Another process may have prepared the same folder meanwhile: keep theirs.
            staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fleece" / "lambda-runtime"


def _required_distributions(
    roots: tuple[str, ...],
) -> list[importlib.metadata.Distribution]:
    """The installed distributions ``roots`` name, with those they require.

    Requirements guarded by an extra are left out; requirements for another Python
    that are not installed are skipped.
    """
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-").replace(".", "-")
        if key in found:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            if name in roots:
                raise LambdaRuntimeNotInstalledError(
                    f"a local Lambda runtime needs {name}: "
                    "pip install 'fleece-testing[runtime]'"
                ) from None
            continue
        found[key] = distribution
        for requirement in distribution.requires or ():
            _, _, marker = requirement.partition(";")
            match = _NAME.match(requirement)
            if match and "extra" not in marker:
                pending.append(match.group(1))
    return sorted(found.values(), key=lambda d: d.name.lower())


def _copy_distribution(
    distribution: importlib.metadata.Distribution, target: Path
) -> None:
    """Copy a distribution's installed files (not its scripts, not bytecode)."""
    for file in distribution.files or ():
        if file.parts[0] == ".." or file.suffix == ".pyc":
            continue
        source = Path(str(distribution.locate_file(file)))
        if not source.is_file():
            continue
        destination = target / file
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
