"""Installing dependencies inside Lambda's own image, with the Docker SDK."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fleece.cli._build._bytecode import TASK_ROOT, compileall_arguments
from fleece.cli._errors import BuildError

#: The image a layer is built in unless ``--image`` says otherwise.
LAMBDA_IMAGE = "public.ecr.aws/lambda/python:{python}"
_DOCKER_PLATFORM = {"x86_64": "linux/amd64", "arm64": "linux/arm64"}
_REQUIREMENTS_MOUNT = "/var/fleece/requirements"
_OUTPUT_MOUNT = "/var/fleece/layer"
_PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+:~-]*$")


def default_image(python: str) -> str:
    """Return Lambda's base image for ``python``, e.g. ``...lambda/python:3.12``."""
    return LAMBDA_IMAGE.format(python=python)


def is_system_package_name(name: str) -> bool:
    """Return whether ``name`` can be a package name of dnf/yum (no shell syntax)."""
    return _PACKAGE_NAME.match(name) is not None


def container_spec(
    requirements: Path,
    output: Path,
    *,
    arch: str,
    image: str,
    system_packages: Sequence[str] = (),
) -> dict[str, Any]:
    """Return the keyword arguments of ``client.containers.run`` for a layer build.

    The container installs the system packages (dnf, microdnf or yum, whichever the
    image has), then ``pip install --target`` with the image's Python, and hands
    the files to the calling user. The requirements file's folder is mounted
    read-only; ``PIP_*`` variables are passed in the environment, never in argv.

    Args:
        requirements: the requirements file on this machine.
        output: the empty directory on this machine that receives the layer.
        arch: ``"x86_64"`` or ``"arm64"``.
        image: the image to run.
        system_packages: packages for the image's package manager.

    Returns:
        Arguments for ``containers.run`` (detached; removed by the caller).
    """
    steps = ["set -e"]
    if system_packages:
        names = shlex.join(system_packages)
        steps.append(
            "if command -v dnf >/dev/null 2>&1; then dnf install -y "
            f"{names}; elif command -v microdnf >/dev/null 2>&1; then "
            f"microdnf install -y {names}; else yum install -y {names}; fi"
        )
    steps.append(
        "python3 -m pip install --no-compile --no-warn-script-location "
        "--disable-pip-version-check "
        f"--target {_OUTPUT_MOUNT} "
        f"--requirement {shlex.quote(f'{_REQUIREMENTS_MOUNT}/{requirements.name}')}"
    )
    steps.extend(_give_back(_OUTPUT_MOUNT))
    return {
        "image": image,
        "entrypoint": ["/bin/sh", "-c"],
        "command": ["\n".join(steps)],
        "environment": {
            name: value for name, value in os.environ.items() if name.startswith("PIP_")
        },
        "volumes": {
            str(requirements.resolve().parent): {
                "bind": _REQUIREMENTS_MOUNT,
                "mode": "ro",
            },
            str(output.resolve()): {"bind": _OUTPUT_MOUNT, "mode": "rw"},
        },
        "working_dir": _REQUIREMENTS_MOUNT,
        "platform": _DOCKER_PLATFORM[arch],
        "detach": True,
    }


def compile_spec(
    directory: Path, *, arch: str, image: str, skipped: Sequence[str] = ()
) -> dict[str, Any]:
    """Return the keyword arguments of ``client.containers.run`` for a compile.

    The image's Python compiles ``directory``, mounted as Lambda's task root, to
    ``unchecked-hash`` bytecode (see `fleece.cli._build._bytecode`), then hands the
    files to the calling user.

    Args:
        directory: the folder on this machine whose ``.py`` files are compiled.
        arch: ``"x86_64"`` or ``"arm64"``.
        image: the image to run.
        skipped: top-level folders of ``directory`` not to compile.

    Returns:
        Arguments for ``containers.run`` (detached; removed by the caller).
    """
    # A file that does not compile makes compileall exit 1; it is left without
    # bytecode, as pip leaves it, so that status is not a failure.
    compile_step = shlex.join(["python3", *compileall_arguments(TASK_ROOT, skipped)])
    steps = ["set -e", f"{compile_step} || test $? -eq 1", *_give_back(TASK_ROOT)]
    return {
        "image": image,
        "entrypoint": ["/bin/sh", "-c"],
        "command": ["\n".join(steps)],
        "environment": {"PYTHONHASHSEED": "0"},
        "volumes": {str(directory.resolve()): {"bind": TASK_ROOT, "mode": "rw"}},
        "working_dir": TASK_ROOT,
        "platform": _DOCKER_PLATFORM[arch],
        "detach": True,
    }


def _give_back(mount: str) -> list[str]:
    # Files a container writes belong to its root user: hand them to the caller.
    if hasattr(os, "getuid"):
        return [f"chown -R {os.getuid()}:{os.getgid()} {mount}"]
    return []


def install_with_docker(
    requirements: Path,
    target: Path,
    *,
    python: str,
    arch: str,
    image: str | None = None,
    system_packages: Sequence[str] = (),
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    """Install ``requirements`` into ``target`` inside a Lambda image.

    Args:
        requirements: the requirements file.
        target: the (empty) directory to install into.
        python: Lambda's Python version.
        arch: ``"x86_64"`` or ``"arm64"``.
        image: the image (default: `default_image` of ``python``).
        system_packages: packages installed in the container first.
        progress: receives one-line progress messages.

    Raises:
        BuildError: the Docker SDK or engine is missing, or the build failed.
    """
    image = image or default_image(python)
    spec = container_spec(
        requirements,
        target,
        arch=arch,
        image=image,
        system_packages=system_packages,
    )
    _run_container(
        spec,
        "the dependency install",
        f"Installing dependencies in {image} ({spec['platform']})...",
        progress,
    )


def compile_with_docker(
    directory: Path,
    *,
    arch: str,
    image: str,
    skipped: Sequence[str] = (),
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    """Compile the ``.py`` files below ``directory`` with the Python of ``image``.

    Args:
        directory: the folder to compile.
        arch: ``"x86_64"`` or ``"arm64"``.
        image: the image whose Python compiles.
        skipped: top-level folders of ``directory`` not to compile.
        progress: receives one-line progress messages.

    Raises:
        BuildError: the Docker SDK or engine is missing, or the compile failed.
    """
    spec = compile_spec(directory, arch=arch, image=image, skipped=skipped)
    _run_container(
        spec, "the compile", f"Compiling in {image} ({spec['platform']})...", progress
    )


def _run_container(
    spec: dict[str, Any], what: str, announce: str, progress: Callable[[str], None]
) -> None:
    try:
        # Imported here: only this builder needs the SDK, and it is slow to import.
        import docker
        from docker.errors import DockerException
    except ImportError:
        raise BuildError(
            "Docker not found: the Python package 'docker' is not installed "
            "(pip install 'fleece-command[docker]'), or use --builder pip"
        ) from None
    image = spec["image"]
    try:
        client = docker.from_env()
        client.ping()
    # The SDK lets requests' connection errors (OSErrors) through as they are.
    except (DockerException, OSError) as error:
        raise BuildError(
            f"Docker not found: no Docker engine answers ({_one_line(error)}); "
            "start one, set DOCKER_HOST, or use --builder pip"
        ) from None
    progress(announce)
    try:
        container = client.containers.run(**spec)
    except (DockerException, OSError) as error:
        raise BuildError(
            f"cannot run {image} with Docker: {_one_line(error)}"
        ) from None
    try:
        status = container.wait().get("StatusCode", 1)
        if status != 0:
            output = container.logs().decode("utf-8", "replace")
            lines = [line.strip() for line in output.splitlines() if line.strip()]
            reason = lines[-1] if lines else "no output"
            raise BuildError(f"{what} in {image} failed (exit {status}): {reason}")
    except (DockerException, OSError) as error:
        raise BuildError(
            f"Docker failed during the build: {_one_line(error)}"
        ) from None
    finally:
        try:
            container.remove(force=True)
        except (DockerException, OSError):
            progress(f"Warning: could not remove container {container.id}")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
