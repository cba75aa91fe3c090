"""Which modules an import pulls in, measured in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence

_PROBE = (
    "import json, sys; sys.path[:0] = {path!r}; import {module}; "
    "print(json.dumps(sorted(sys.modules)))"
)
# Counts only what the import itself adds, not what the probe loads to report it.
_ADDED_PROBE = (
    "import sys; sys.path[:0] = {path!r}; before = set(sys.modules); import {module}; "
    "print(*sorted(set(sys.modules) - before), sep=chr(10))"
)


def modules_imported_by(
    module: str, *, path: Sequence[str | os.PathLike[str]] = ()
) -> frozenset[str]:
    """Import ``module`` in a new Python process and return every module then loaded.

    Args:
        module: a dotted module name, e.g. ``"fleece.log"``.
        path: folders put first on the process's ``sys.path``, e.g. one holding a
            script module that serves a first event when imported.

    Returns:
        The names in ``sys.modules`` after the import (top-level and dotted).

    Raises:
        ImportError: the import failed; the message carries the child's stderr.
    """
    return frozenset(json.loads(_run_probe(_PROBE, module, path)))


def modules_added_by(
    module: str, *, path: Sequence[str | os.PathLike[str]] = ()
) -> frozenset[str]:
    """Import ``module`` in a new Python process and return the modules it added.

    Unlike :func:`modules_imported_by`, modules the interpreter had already loaded
    at start-up are left out, so the result can be checked against an allow-list.

    Args:
        module: a dotted module name, e.g. ``"fleece.log"``.
        path: folders put first on the process's ``sys.path``.

    Returns:
        The names that entered ``sys.modules`` during the import.

    Raises:
        ImportError: the import failed; the message carries the child's stderr.
    """
    return frozenset(_run_probe(_ADDED_PROBE, module, path).split())


def _run_probe(probe: str, module: str, path: Sequence[str | os.PathLike[str]]) -> str:
    if not all(part.isidentifier() for part in module.split(".")):
        raise ValueError(f"not a module name: {module!r}")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            probe.format(module=module, path=[os.fspath(p) for p in path]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ImportError(f"import {module} failed:\n{result.stderr}")
    return result.stdout
