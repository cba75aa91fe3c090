"""The files of a Lambda zip and the reproducible archive that holds them."""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import stat
import struct
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO

from fleece.cli._errors import BuildError

#: Every entry carries this timestamp (the earliest a zip can hold), so that the
#: archive depends only on the files' paths, contents and executable bits.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)

_UNIX = 3  # zip "version made by" host: Unix, so that unzip applies the modes.
# A source tree's own bytecode is whatever Python last ran there (another version,
# timestamps that the zip's fixed dates invalidate): the build compiles its own. A
# VCS folder is history, never code.
_BYTECODE_DIRECTORY = "__pycache__"
_VCS_DIRECTORIES = frozenset({".git", ".hg", ".svn"})
_BYTECODE_SUFFIXES = (".pyc", ".pyo")

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_USES_DATA_DESCRIPTOR = 0x08


@dataclass(frozen=True)
class ZippedFile:
    """A file already compressed in another zip, copied over without recompressing.

    Attributes:
        archive: the zip that holds it.
        info: its entry there.
    """

    archive: Path
    info: zipfile.ZipInfo


#: An archive member: a file on disk, generated content, or an entry of a zip.
Content = Path | bytes | ZippedFile


def read_entries(files: Iterable[ZippedFile]) -> dict[str, bytes]:
    """Return the uncompressed content of ``files``, by archive name.

    Raises:
        BuildError: a zip cannot be read.
    """
    contents: dict[str, bytes] = {}
    for content in files:
        try:
            with zipfile.ZipFile(content.archive) as archive:
                contents[content.info.filename] = archive.read(content.info)
        except (OSError, zipfile.BadZipFile) as error:
            raise BuildError(
                f"cannot read {content.archive} ({error}); run again with --rebuild"
            ) from None
    return contents


def read_zip(path: Path) -> dict[str, ZippedFile]:
    """Return the files of the zip at ``path``, by name, to copy into another zip.

    Raises:
        BuildError: the zip cannot be read.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return {
                info.filename: ZippedFile(path, info)
                for info in archive.infolist()
                if not info.is_dir()
            }
    except (OSError, zipfile.BadZipFile) as error:
        raise BuildError(
            f"cannot read {path} ({error}); run again with --rebuild"
        ) from None


@dataclass(frozen=True)
class ArchiveStats:
    """What was written.

    Attributes:
        path: the zip file.
        size: its size in bytes.
        unzipped_size: the total size of its files once extracted.
        file_count: the number of files in it.
    """

    path: Path
    size: int
    unzipped_size: int
    file_count: int


class ExcludeMatcher:
    """Decides which paths, relative to a directory, ``--exclude`` globs leave out.

    A glob is matched against the whole relative POSIX path (``*`` crosses ``/``);
    a glob without ``/`` also matches any single file or directory name, as in
    ``.gitignore``; excluding a directory excludes everything under it.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._normalised = [_normalise_pattern(pattern) for pattern in self.patterns]
        self._used: set[str] = set()

    def excludes(self, relative: str) -> bool:
        """Return whether the file or directory at ``relative`` is excluded."""
        name = relative.rpartition("/")[2]
        for original, pattern in zip(self.patterns, self._normalised, strict=True):
            if (
                fnmatchcase(relative, pattern)
                or ("/" not in pattern and fnmatchcase(name, pattern))
                or (pattern.startswith("**/") and fnmatchcase(relative, pattern[3:]))
            ):
                self._used.add(original)
                return True
        return False

    def unused(self) -> list[str]:
        """Return the patterns that have matched nothing so far."""
        return [pattern for pattern in self.patterns if pattern not in self._used]


def _normalise_pattern(pattern: str) -> str:
    pattern = pattern.replace(os.sep, "/").strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/") or pattern


def collect_files(
    root: Path,
    *,
    matcher: ExcludeMatcher | None = None,
    skip: Iterable[Path] = (),
    bytecode: bool = False,
) -> dict[str, Path]:
    """Map archive names (POSIX paths relative to ``root``) to the files under it.

    Symbolic links are followed, except into a folder's own ancestor (a cycle);
    ``.git``/``.hg``/``.svn`` and anything else that is not a regular file are left
    out, and so are ``__pycache__`` and ``*.pyc``/``*.pyo`` unless ``bytecode``.

    Args:
        root: the directory to walk.
        matcher: the ``--exclude`` globs, relative to ``root``.
        skip: directories never to enter (e.g. the build target inside ``root``).
        bytecode: keep bytecode (the build's own, compiled for Lambda).

    Returns:
        The files found, by archive name.
    """
    skipped = {os.path.realpath(path) for path in skip}
    skipped_directories = _VCS_DIRECTORIES
    skipped_suffixes: tuple[str, ...] = ()
    if not bytecode:
        skipped_directories |= {_BYTECODE_DIRECTORY}
        skipped_suffixes = _BYTECODE_SUFFIXES
    # The real paths of each walked folder and its ancestors, to detect cycles.
    ancestors: dict[str, frozenset[str]] = {}
    files: dict[str, Path] = {}
    for directory, subdirectories, names in os.walk(root, followlinks=True):
        real = os.path.realpath(directory)
        inherited = ancestors.get(os.path.dirname(directory), frozenset())
        relative_directory = Path(directory).relative_to(root).as_posix()
        prefix = "" if relative_directory == "." else relative_directory + "/"
        if real in inherited or real in skipped:
            subdirectories.clear()
            continue
        ancestors[directory] = inherited | {real}
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if name not in skipped_directories
            and not (matcher and matcher.excludes(prefix + name))
        )
        for name in names:
            relative = prefix + name
            path = Path(directory, name)
            if (
                (skipped_suffixes and name.endswith(skipped_suffixes))
                or (matcher is not None and matcher.excludes(relative))
                or not path.is_file()
            ):
                continue
            files[relative] = path
    return files


def overlay(
    dependencies: Mapping[str, Content], sources: Mapping[str, Content]
) -> dict[str, Content]:
    """Put ``sources`` over ``dependencies``: a source wins over a dependency.

    Besides a file of the same path, a dependency is dropped when it would turn a
    source file into a directory (or the other way round) once unzipped, and so is
    the bytecode of a dependency module a source replaces: ``unchecked-hash``
    bytecode is used without looking at the source, so it would win over it.

    Args:
        dependencies: the dependency layer, by archive name.
        sources: the function's own files, by archive name.

    Returns:
        The merged files, by archive name.
    """
    source_directories = {parent for name in sources for parent in _parents(name)}
    merged: dict[str, Content] = {
        name: content
        for name, content in dependencies.items()
        if name not in source_directories
        and not any(parent in sources for parent in _parents(name))
        and bytecode_source(name) not in sources
    }
    merged.update(sources)
    return merged


def bytecode_source(name: str) -> str | None:
    """Return the source a ``__pycache__/<module>.<tag>.pyc`` name was compiled from.

    Returns:
        ``<folder>/<module>.py``, or None when ``name`` is no such bytecode file.
    """
    folder, _, file_name = name.rpartition("/")
    parent, _, cache = folder.rpartition("/")
    if cache != _BYTECODE_DIRECTORY or not file_name.endswith(".pyc"):
        return None
    module = file_name.split(".", 1)[0]
    return f"{parent}/{module}.py" if parent else f"{module}.py"


def _parents(name: str) -> Iterator[str]:
    parts = name.split("/")[:-1]
    for end in range(1, len(parts) + 1):
        yield "/".join(parts[:end])


def write_zip(files: Mapping[str, Content], destination: Path) -> ArchiveStats:
    """Write ``files`` to the zip ``destination``, reproducibly and atomically.

    Entries are sorted by name, stamped with `FIXED_DATE_TIME`, and get mode 0755
    (any executable bit set) or 0644. The archive is first written to a temporary
    file beside ``destination`` and renamed over it only when complete.

    Args:
        files: the archive's files, by archive name.
        destination: the zip to create or replace; its directory must exist.

    Returns:
        The sizes and file count of the written zip.

    Raises:
        BuildError: a file cannot be read or the zip cannot be written.
    """
    try:
        handle, temporary_name = tempfile.mkstemp(
            dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise BuildError(
            f"cannot write in {destination.parent}: {error.strerror or error}"
        ) from None
    temporary = Path(temporary_name)
    unzipped_size = 0
    try:
        with (
            contextlib.ExitStack() as sources,
            os.fdopen(handle, "wb") as stream,
            zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            opened: dict[Path, IO[bytes]] = {}
            for name in sorted(files):
                content = files[name]
                if isinstance(content, ZippedFile):
                    if content.archive not in opened:
                        opened[content.archive] = sources.enter_context(
                            content.archive.open("rb")
                        )
                    _copy_entry(archive, name, content, opened[content.archive])
                    unzipped_size += content.info.file_size
                else:
                    unzipped_size += _add_entry(archive, name, content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except OSError as error:
        raise BuildError(
            f"cannot write {destination}: {error.strerror or error}"
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return ArchiveStats(
        path=destination,
        size=destination.stat().st_size,
        unzipped_size=unzipped_size,
        file_count=len(files),
    )


def _copy_entry(
    archive: zipfile.ZipFile, name: str, content: ZippedFile, source: IO[bytes]
) -> None:
    # zipfile has no way to copy an entry without decompressing and recompressing
    # it; for a cached dependency layer that would be most of a rebuild's time, so
    # the compressed bytes are copied as ZipFile.write would lay them out.
    info = copy.copy(content.info)
    info.filename = name
    source.seek(info.header_offset)
    raw_header = source.read(_LOCAL_HEADER.size)
    damaged = BuildError(
        f"{content.archive} is damaged at {name}; run again with --rebuild"
    )
    if len(raw_header) != _LOCAL_HEADER.size:
        raise damaged
    header = _LOCAL_HEADER.unpack(raw_header)
    if header[0] != _LOCAL_SIGNATURE:
        raise damaged
    name_length, extra_length = header[-2:]
    source.seek(name_length + extra_length, os.SEEK_CUR)
    data = source.read(info.compress_size)
    if len(data) != info.compress_size:
        raise damaged
    target = archive.fp
    if target is None:
        raise ValueError("the archive is closed")
    info.flag_bits &= ~_USES_DATA_DESCRIPTOR
    info.extra = b""
    info.header_offset = target.tell()
    target.write(info.FileHeader())
    target.write(data)
    archive.filelist.append(info)
    archive.NameToInfo[name] = info
    archive.start_dir = target.tell()


def _add_entry(archive: zipfile.ZipFile, name: str, content: Path | bytes) -> int:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = _UNIX
    if isinstance(content, bytes):
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        archive.writestr(info, content)
        return len(content)
    try:
        with content.open("rb") as source:
            status = os.fstat(source.fileno())
            executable = status.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            info.file_size = status.st_size
            with archive.open(info, "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
    except OSError as error:
        raise BuildError(f"cannot read {content}: {error.strerror or error}") from None
    return status.st_size
