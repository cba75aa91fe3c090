"""Bytecode for a Lambda zip: ``unchecked-hash`` ``.pyc`` files of the target Python.

``/var/task`` is read-only, so Python cannot cache what it compiles there: without
bytecode in the zip every cold start compiles every module again. Timestamp ``.pyc``
files would not be used either (the reproducible zip dates every entry 1980-01-01),
so the files are ``unchecked-hash`` ones (PEP 552): taken as they are, never compared
with their source.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from fleece.cli._errors import BuildError

#: Where Lambda unpacks the zip: the file name compiled into each ``.pyc`` (shown in
#: tracebacks when the source is missing), the same on every machine.
TASK_ROOT = "/var/task"
_PROBE = (
    "import sys; print('%d.%d' % sys.version_info[:2], sys.version.split()[0], "
    "sys.implementation.name)"
)
# Long enough for a cold interpreter on a busy machine; a hung one is not waited for.
_PROBE_TIMEOUT = 60


def compileall_arguments(directory: str, skipped: Sequence[str] = ()) -> list[str]:
    """Return the ``python -m compileall`` arguments that compile ``directory``.

    Every ``.py`` below it gets an ``unchecked-hash`` ``.pyc`` in its
    ``__pycache__``, at optimisation level 0 (the level Lambda runs at), naming its
    source as it will be in Lambda (``/var/task/...``) instead of the build folder,
    so that the bytes do not depend on where the build ran. ``-qq``: a file that
    does not compile (say, a template or Python 2 test data in a package) is left
    without bytecode, as pip leaves it.

    Args:
        directory: the folder to compile, as the interpreter sees it.
        skipped: top-level folders of ``directory`` not to compile.
    """
    exclude = []
    if skipped:
        names = "|".join(re.escape(name) for name in skipped)
        exclude = ["-x", f"^{re.escape(directory.rstrip('/'))}/({names})/"]
    return [
        "-m",
        "compileall",
        "-qq",
        "-o",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        *exclude,
        "-d",
        TASK_ROOT,
        directory,
    ]


def compile_environment() -> dict[str, str]:
    """Return the environment the compiling interpreter runs in.

    No ``PYTHON*`` variable of this shell reaches it (``PYTHONPYCACHEPREFIX`` would
    move the files, ``PYTHONOPTIMIZE`` rename them), and the hash seed is fixed: sets
    of strings are marshalled in hash order, so a random seed would change the bytes.
    """
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PYTHON")
    }
    environment["PYTHONHASHSEED"] = "0"
    return environment


@dataclass(frozen=True)
class Interpreter:
    """A CPython of the target version found on this machine.

    Attributes:
        path: its executable.
        version: its full version, e.g. ``"3.12.7"``: part of the dependency cache
            key, since another release may compile to other bytes.
    """

    path: str
    version: str

    def compile(self, directory: Path, skipped: Sequence[str] = ()) -> None:
        """Write the ``.pyc`` files of every ``.py`` below ``directory``.

        Args:
            directory: the folder to compile.
            skipped: its top-level folders not to compile.

        Raises:
            BuildError: the interpreter cannot be run any more.
        """
        try:
            subprocess.run(
                [self.path, *compileall_arguments(str(directory), skipped)],
                env=compile_environment(),
                capture_output=True,
                check=False,
            )
        except OSError as error:
            raise BuildError(
                f"cannot run {self.path} to compile: {error.strerror or error} "
                "(or build with --no-compile)"
            ) from None


def find_interpreter(python: str) -> Interpreter | None:
    """Return a CPython ``python`` (e.g. ``"3.12"``) from this machine, or None.

    Looked for, in order: the interpreter running fleece, ``python3.X`` on PATH,
    then uv's interpreter discovery with downloads disabled. Each candidate is run
    once to check its version (a pyenv shim of an inactive version fails there), and
    nothing is ever downloaded.

    Args:
        python: the target ``major.minor`` version.
    """
    for candidate in _candidates(python):
        found = _probe(candidate, python)
        if found is not None:
            return found
    return None


def missing_interpreter_reason(python: str) -> str:
    """Return why no interpreter was found and how to get one, for one line."""
    return (
        f"no Python {python} interpreter on this machine (looked for python{python} "
        f"on PATH and with 'uv python find {python}', never downloading one); "
        f"install Python {python}, or build for a version you have "
        f"(--python {sys.version_info.major}.{sys.version_info.minor})"
    )


def _candidates(python: str) -> Iterator[str]:
    # A generator: uv is asked only when the cheaper places had nothing.
    if f"{sys.version_info.major}.{sys.version_info.minor}" == python:
        yield sys.executable
    on_path = shutil.which(f"python{python}")
    if on_path is not None:
        yield on_path
    uv = shutil.which("uv")
    if uv is not None:
        found = _run(
            [uv, "python", "find", "--no-python-downloads", "--no-project", python],
            {**compile_environment(), "UV_PYTHON_DOWNLOADS": "never"},
        )
        if found:
            yield found.splitlines()[0].strip()


def _probe(executable: str, python: str) -> Interpreter | None:
    output = _run([executable, "-c", _PROBE], compile_environment())
    if output is None:
        return None
    fields = output.split()
    if len(fields) != 3 or fields[0] != python or fields[2] != "cpython":
        return None
    return Interpreter(path=executable, version=fields[1])


def _run(command: Sequence[str], environment: dict[str, str]) -> str | None:
    try:
        completed = subprocess.run(
            command,
            env=environment,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None
