"""Which modules an import pulls in, measured in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = "import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"


def modules_imported_by(module: str) -> frozenset[str]:
    """Import ``module`` in a new Python process and return every module then loaded.

    Args:
        module: a dotted module name, e.g. ``"fleece.log"``.

    Returns:
        The names in ``sys.modules`` after the import (top-level and dotted).

    Raises:
        ImportError: the import failed; the message carries the child's stderr.
    """
    if not all(part.isidentifier() for part in module.split(".")):
        raise ValueError(f"not a module name: {module!r}")
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ImportError(f"import {module} failed:\n{result.stderr}")
    return frozenset(json.loads(result.stdout))
