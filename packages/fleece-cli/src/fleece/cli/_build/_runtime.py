"""The packages every Lambda Python runtime provides, left out of the zip.

boto3, botocore and s3transfer are about two thirds of a typical function's zip,
and Lambda's Python runtimes already have them. They are left out unless the
service's own requirements name one of them (then the service asked for that
version, and the three are packed, since they only work with each other's
matching releases) or the build is told to pack them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from fleece.cli._build._archive import bytecode_source

#: The distributions Lambda's Python runtimes provide.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer")
_REQUIREMENT_NAME = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
)
_DIST_INFO = re.compile(r"^(?P<name>[^/]+?)-(?P<version>[^-/]+)\.dist-info/RECORD$")


def normalise_name(name: str) -> str:
    """Return a distribution name as the package index compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requested_runtime_packages(requirement_files: Iterable[str]) -> list[str]:
    """Return the runtime packages that requirement files name themselves.

    Args:
        requirement_files: the text of the requirements file and of the files it
            includes.

    Returns:
        The names, e.g. ``["boto3"]``, in `RUNTIME_PACKAGES` order.
    """
    named = set()
    for text in requirement_files:
        for line in text.splitlines():
            match = _REQUIREMENT_NAME.match(line.split("#", 1)[0])
            if match:
                named.add(normalise_name(match["name"]))
    return [name for name in RUNTIME_PACKAGES if name in named]


@dataclass(frozen=True)
class InstalledDistribution:
    """A distribution found in a dependency layer.

    Attributes:
        name: its normalised name.
        version: its version.
        files: the archive names of its files in the layer (bytecode included).
    """

    name: str
    version: str
    files: frozenset[str]

    @property
    def label(self) -> str:
        """``name version``, as the build summary shows it."""
        return f"{self.name} {self.version}"


def runtime_distributions(
    names: Iterable[str], read: Mapping[str, bytes]
) -> list[InstalledDistribution]:
    """Return the runtime packages installed in a layer and the files they own.

    A distribution owns the files its ``RECORD`` lists, its ``.dist-info`` folder,
    and the bytecode compiled from its ``.py`` files.

    Args:
        names: every archive name in the layer.
        read: the content of each runtime package's ``*.dist-info/RECORD``, by
            archive name (see `runtime_records`).

    Returns:
        The installed runtime packages, in `RUNTIME_PACKAGES` order.
    """
    all_names = list(names)
    found: dict[str, InstalledDistribution] = {}
    for record_name, record in read.items():
        match = _DIST_INFO.match(record_name)
        if match is None:
            continue
        name = normalise_name(match["name"])
        info_folder = record_name.rpartition("/")[0] + "/"
        listed = set(_record_paths(record))
        owned = {
            entry
            for entry in all_names
            if entry.startswith(info_folder)
            or entry in listed
            or bytecode_source(entry) in listed
        }
        found[name] = InstalledDistribution(name, match["version"], frozenset(owned))
    return [found[name] for name in RUNTIME_PACKAGES if name in found]


def runtime_records(names: Iterable[str]) -> list[str]:
    """Return the archive names of the runtime packages' ``RECORD`` files."""
    return [
        name
        for name in names
        if (match := _DIST_INFO.match(name))
        and normalise_name(match["name"]) in RUNTIME_PACKAGES
    ]


def _record_paths(record: bytes) -> Iterable[str]:
    rows = csv.reader(io.StringIO(record.decode("utf-8", "replace")))
    for row in rows:
        if row and ".." not in PurePosixPath(row[0]).parts:
            yield PurePosixPath(row[0]).as_posix()
