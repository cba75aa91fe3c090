"""Installing dependencies for Lambda with pip on any machine: manylinux wheels only."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from fleece.cli._errors import BuildError

#: The newest glibc of each Lambda Python runtime: python3.11 runs on Amazon Linux 2
#: (glibc 2.26), python3.12 and later on Amazon Linux 2023 (glibc 2.34).
LAMBDA_GLIBC = {"3.11": 26, "3.12": 34, "3.13": 34}
_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
# The oldest manylinux glibc per machine: manylinux1 is manylinux_2_5 on x86_64;
# aarch64 wheels start at manylinux2014, which is manylinux_2_17.
_OLDEST_GLIBC = {"x86_64": 5, "aarch64": 17}
# pip options set through the environment that would put packages elsewhere than
# the layer, or that contradict --target.
_CONFLICTING_ENV = ("PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_USER", "PIP_EDITABLE")
_NO_MATCH = re.compile(r"No matching distribution found for (?P<requirement>.+)$")


def manylinux_platforms(python: str, arch: str) -> list[str]:
    """Return the wheel platform tags that run on Lambda's ``python`` and ``arch``.

    pip matches ``--platform`` tags exactly (only ``manylinux2014`` expands, to the
    older ``manylinux2010``/``manylinux1`` aliases), so every ``manylinux_2_N`` up
    to the runtime's glibc is listed.

    Args:
        python: Lambda's Python version, e.g. ``"3.12"``.
        arch: ``"x86_64"`` or ``"arm64"``.

    Returns:
        Tags such as ``["manylinux2014_x86_64", "manylinux_2_17_x86_64", ...]``.
    """
    machine = _MACHINE[arch]
    newest = LAMBDA_GLIBC[python]
    return [f"manylinux2014_{machine}"] + [
        f"manylinux_2_{minor}_{machine}"
        for minor in range(_OLDEST_GLIBC[machine], newest + 1)
    ]


def pip_install_command(
    requirements: Path, target: Path, *, python: str, arch: str
) -> list[str]:
    """Return the pip command that installs ``requirements`` into ``target``.

    Args:
        requirements: the requirements file.
        target: the (empty) directory to install into.
        python: Lambda's Python version.
        arch: ``"x86_64"`` or ``"arm64"``.
    """
    platforms = [
        option
        for tag in manylinux_platforms(python, arch)
        for option in ("--platform", tag)
    ]
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        *platforms,
        "--python-version",
        python,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--no-compile",
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--requirement",
        str(requirements),
    ]


def install_with_pip(
    requirements: Path, target: Path, *, python: str, arch: str
) -> None:
    """Install ``requirements`` into ``target`` as wheels for Lambda (no Docker).

    pip's ``PIP_*`` environment (index, find-links, ...) applies, except variables
    that would install somewhere else. pip runs in the requirements file's folder,
    so relative paths in it work as they do for ``pip install -r``.

    Args:
        requirements: the requirements file.
        target: the (empty) directory to install into.
        python: Lambda's Python version.
        arch: ``"x86_64"`` or ``"arm64"``.

    Raises:
        BuildError: pip failed; the message names the requirement without a wheel.
    """
    requirements = requirements.resolve()
    command = pip_install_command(requirements, target, python=python, arch=arch)
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in _CONFLICTING_ENV
    }
    completed = subprocess.run(
        command,
        cwd=requirements.parent,
        env=environment,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if completed.returncode != 0:
        raise BuildError(
            explain_pip_failure(completed.stderr, python=python, arch=arch)
        )
    retarget_scripts(target / "bin", python=python)


def retarget_scripts(scripts: Path, *, python: str) -> None:
    """Point the console scripts pip wrote at Lambda's Python instead of this one.

    pip writes this interpreter's path into each script's first lines: useless in
    Lambda, and it would make the zip differ from one machine to the next.

    Args:
        scripts: the ``bin`` folder of the installed layer (may not exist).
        python: Lambda's Python version.
    """
    if not scripts.is_dir():
        return
    here = os.fsencode(sys.executable)
    lambda_python = f"/var/lang/bin/python{python}".encode()
    for script in scripts.iterdir():
        if not script.is_file():
            continue
        content = script.read_bytes()
        if not content.startswith(b"#!"):
            continue
        # The path sits in the first line, or in the third for pip's /bin/sh
        # launcher of interpreters whose path is long or has spaces.
        lines = content.split(b"\n", 3)
        head = [line.replace(here, lambda_python) for line in lines[:3]]
        script.write_bytes(b"\n".join([*head, *lines[3:]]))


def explain_pip_failure(stderr: str, *, python: str, arch: str) -> str:
    """Turn pip's error output into one line saying what went wrong.

    Args:
        stderr: what pip wrote to stderr.
        python: Lambda's Python version.
        arch: ``"x86_64"`` or ``"arm64"``.

    Returns:
        The message for the user.
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        match = _NO_MATCH.search(line)
        if match:
            return (
                f"no Linux wheel of {match['requirement'].strip()} for Lambda's "
                f"python {python} on {arch} (pip installs only manylinux wheels; "
                "for a package without one, use --builder docker)"
            )
    errors = [line.removeprefix("ERROR:").strip() for line in lines if "ERROR" in line]
    reason = errors[-1] if errors else (lines[-1] if lines else "no output")
    return f"pip could not install the dependencies: {reason}"
