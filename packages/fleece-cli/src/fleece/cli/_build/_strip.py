"""Debug information left out of the dependencies' compiled extension modules.

Wheels often ship extension modules with their DWARF debug sections: PyYAML's
``_yaml`` is 2.7 MB, 0.4 MB without them. Lambda never reads them (no debugger
attaches there), and they make the zip bigger to upload and to unpack.
``strip --strip-debug`` keeps every symbol the dynamic linker and a native stack
trace need. A module ``strip`` cannot read (another architecture) is packed as it is.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

NO_STRIP = (
    "Extension modules packed with their debug information: no 'strip' on PATH "
    "(install binutils for a smaller zip; --no-strip silences this)."
)


def strip_debug_information(site: Path, strip: str | None) -> str | None:
    """Strip the extension modules under ``site``; say what it did, in one line.

    Their ``RECORD`` entries get the new hashes and sizes, so that the installed
    distributions stay consistent.

    Args:
        site: the installed dependencies.
        strip: the ``strip`` program (see :func:`find_strip`); None when there is
            none, which the line then says.

    Returns:
        The line for the build summary; None when there is nothing to strip.
    """
    modules = sorted(
        path
        for path in site.rglob("*.so*")
        if path.is_file() and not path.is_symlink() and _is_shared_object(path)
    )
    if not modules:
        return None
    if strip is None:
        return NO_STRIP
    stripped: list[Path] = []
    saved = 0
    for module in modules:
        before = module.stat().st_size
        if _strip(strip, module):
            stripped.append(module)
            saved += before - module.stat().st_size
    if not stripped:
        return None
    _rewrite_records(site, stripped)
    plural = "s" if len(stripped) != 1 else ""
    return (
        f"Stripped the debug information of {len(stripped)} extension module{plural} "
        f"({saved / 1e6:.1f} MB less unzipped; --no-strip keeps it)."
    )


def find_strip() -> str | None:
    """The ``strip`` program on PATH, or None."""
    return shutil.which("strip")


def _is_shared_object(path: Path) -> bool:
    name = path.name
    return name.endswith(".so") or ".so." in name


def _strip(strip: str, module: Path) -> bool:
    """Strip ``module`` in place when that makes it smaller; say whether it did."""
    stripped = module.with_name(module.name + ".stripped")
    completed = subprocess.run(
        [strip, "--strip-debug", "-o", str(stripped), str(module)],
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0 or not stripped.is_file():
        stripped.unlink(missing_ok=True)
        return False
    if stripped.stat().st_size >= module.stat().st_size:
        stripped.unlink()
        return False
    stripped.chmod(module.stat().st_mode & 0o7777)
    os.replace(stripped, module)
    return True


def _rewrite_records(site: Path, modules: list[Path]) -> None:
    """Give the stripped modules' ``RECORD`` rows their new hash and size."""
    changed = {module.relative_to(site).as_posix(): module for module in modules}
    for record in site.glob("*.dist-info/RECORD"):
        rows = list(csv.reader(io.StringIO(record.read_text(encoding="utf-8"))))
        if not any(row and row[0] in changed for row in rows):
            continue
        for row in rows:
            module = changed.get(row[0]) if row else None
            if module is not None and len(row) >= 3:
                data = module.read_bytes()
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
                row[1] = "sha256=" + digest.rstrip(b"=").decode()
                row[2] = str(len(data))
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        record.write_text(text.getvalue(), encoding="utf-8")
