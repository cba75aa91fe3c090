"""``build_zip``: dependencies and sources of a Lambda function in one zip."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fleece.cli._build_archive import (
    ArchiveStats,
    Content,
    ExcludeMatcher,
    ZippedFile,
    collect_files,
    overlay,
    read_zip,
    write_zip,
)
from fleece.cli._build_cache import LayerCache, cache_root, layer_key
from fleece.cli._build_docker import (
    check_system_packages,
    default_image,
    install_with_docker,
)
from fleece.cli._build_errors import BuildError
from fleece.cli._build_info import UNKNOWN_VERSION, build_info, config_json
from fleece.cli._build_pip import LAMBDA_GLIBC, install_with_pip

PYTHON_VERSIONS = tuple(LAMBDA_GLIBC)
ARCHITECTURES = ("x86_64", "arm64")
BUILDERS = ("pip", "docker")
DEFAULT_PYTHON = "3.12"
ZIP_NAME = "lambda_function.zip"
#: Lambda's limits for a function uploaded as a zip (50 MB zipped for a direct
#: upload, 250 MB unzipped), in the binary megabytes AWS means.
ZIPPED_LIMIT = 50 * 1024 * 1024
UNZIPPED_LIMIT = 250 * 1024 * 1024

Progress = Callable[[str], None]
_LAYER_ZIP = "layer.zip"


@dataclass(frozen=True)
class BuildResult:
    """What `build_zip` made.

    Attributes:
        path: the zip.
        size: its size in bytes.
        unzipped_size: the size of its files once extracted.
        file_count: the number of files in it.
        dependencies: ``"installed"``, ``"cached"`` or ``None`` (no requirements).
        warnings: the size-limit warnings, also sent to ``progress``.
    """

    path: Path
    size: int
    unzipped_size: int
    file_count: int
    dependencies: Literal["installed", "cached"] | None
    warnings: tuple[str, ...] = ()


def build_zip(
    service_dir: str | Path,
    *,
    source: str | Path | None = None,
    requirements: str | Path | None = None,
    target: str | Path | None = None,
    excludes: Sequence[str] = (),
    python: str = DEFAULT_PYTHON,
    arch: str = "x86_64",
    rebuild: bool = False,
    inject_build_info: bool = False,
    builder: str = "pip",
    system_packages: Sequence[str] = (),
    image: str | None = None,
    progress: Progress = lambda _: None,
) -> BuildResult:
    """Build ``<target>/lambda_function.zip`` for the service at ``service_dir``.

    The dependencies of the requirements file are installed for Lambda (pip with
    manylinux wheels, or inside Lambda's image with Docker) and cached; the sources
    go over them. The zip is reproducible and replaces the old one only once whole.

    Args:
        service_dir: the service's folder.
        source: the sources (default ``<service_dir>/src``).
        requirements: the requirements file (default
            ``<service_dir>/src/requirements.txt``; none when it is absent).
        target: where the zip goes (default ``<service_dir>/dist``).
        excludes: globs of source paths to leave out, relative to ``source``.
        python: Lambda's Python version: ``"3.11"``, ``"3.12"`` or ``"3.13"``.
        arch: ``"x86_64"`` or ``"arm64"``.
        rebuild: install the dependencies even when they are cached.
        inject_build_info: add ``config.json`` with ``VERSION_HASH`` and
            ``BUILD_TIME``.
        builder: ``"pip"`` or ``"docker"``.
        system_packages: packages installed in the image first (docker only).
        image: the Docker image (docker only; default Lambda's for ``python``).
        progress: receives one-line progress messages.

    Returns:
        The zip's path, sizes and file count.

    Raises:
        ValueError: an argument has a value that is not allowed.
        BuildError: the build failed; nothing was written to ``target``.
    """
    _check_choice("python", python, PYTHON_VERSIONS)
    _check_choice("arch", arch, ARCHITECTURES)
    _check_choice("builder", builder, BUILDERS)
    if builder != "docker" and (system_packages or image):
        raise ValueError("system_packages and image need builder='docker'")
    system_packages = check_system_packages(system_packages)

    service = _existing_directory(Path(service_dir), "service directory")
    # Given paths are taken as they are (relative to the current folder), as in
    # fleece 1.x; only the defaults are inside the service.
    source_dir = _existing_directory(
        Path(source) if source is not None else service / "src", "source directory"
    )
    requirements_file = _requirements_file(
        requirements, service / "src" / "requirements.txt", progress
    )
    target_dir = Path(target) if target is not None else service / "dist"
    if target_dir.exists() and not target_dir.is_dir():
        raise BuildError(f"target {target_dir} exists and is not a directory")

    info = _build_info(service, progress) if inject_build_info else None
    dependencies: dict[str, ZippedFile] = {}
    how: Literal["installed", "cached"] | None = None
    if requirements_file is not None:
        layer, how = _dependency_layer(
            requirements_file,
            python=python,
            arch=arch,
            rebuild=rebuild,
            builder=builder,
            system_packages=system_packages,
            image=image,
            progress=progress,
        )
        dependencies = read_zip(layer)

    progress(f"Adding sources from {source_dir}...")
    matcher = ExcludeMatcher(excludes)
    source_files = collect_files(source_dir, matcher=matcher, skip=[target_dir])
    sources: dict[str, Content] = dict(source_files)
    for pattern in matcher.unused():
        progress(f"Warning: --exclude {pattern!r} matched nothing in {source_dir}")
    if info is not None:
        sources["config.json"] = _config_json(info, source_files.get("config.json"))
        progress("Added config.json with VERSION_HASH and BUILD_TIME.")
    files = overlay(dependencies, sources)
    if not files:
        raise BuildError(f"nothing to package: {source_dir} holds no files")

    destination = target_dir / ZIP_NAME
    progress(f"Writing {destination} ({len(files)} files)...")
    stats = _write_into(target_dir, files, destination)
    warnings = _size_warnings(stats.size, stats.unzipped_size)
    for warning in warnings:
        progress(warning)
    return BuildResult(
        path=stats.path,
        size=stats.size,
        unzipped_size=stats.unzipped_size,
        file_count=stats.file_count,
        dependencies=how,
        warnings=warnings,
    )


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _existing_directory(path: Path, what: str) -> Path:
    if not path.exists():
        raise BuildError(f"{what} {path} does not exist")
    if not path.is_dir():
        raise BuildError(f"{what} {path} is not a directory")
    return path


def _requirements_file(
    requirements: str | Path | None, default: Path, progress: Progress
) -> Path | None:
    if requirements is None:
        if default.is_file():
            return default
        progress(f"No requirements file at {default}: packaging the sources only.")
        return None
    path = Path(requirements)
    if not path.exists():
        raise BuildError(f"requirements file {path} does not exist")
    if not path.is_file():
        raise BuildError(f"requirements file {path} is not a file")
    return path


def _dependency_layer(
    requirements: Path,
    *,
    python: str,
    arch: str,
    rebuild: bool,
    builder: str,
    system_packages: Sequence[str],
    image: str | None,
    progress: Progress,
) -> tuple[Path, Literal["installed", "cached"]]:
    if builder == "docker":
        image = image or default_image(python)
        recipe = f"docker {image} {' '.join(sorted(system_packages))}".strip()
    else:
        recipe = "pip"
    key = layer_key(requirements, python=python, arch=arch, builder=recipe)
    cache = LayerCache(cache_root())
    cached = None if rebuild else cache.lookup(key)
    if cached is not None and (cached / _LAYER_ZIP).is_file():
        progress(f"Using cached dependencies for {requirements} ({key[:12]}).")
        return cached / _LAYER_ZIP, "cached"

    def fill(directory: Path) -> None:
        site = directory / "site"
        site.mkdir()
        install(site)
        # Kept compressed: a rebuild copies these entries without recompressing.
        write_zip(collect_files(site), directory / _LAYER_ZIP)
        shutil.rmtree(site)

    def install(directory: Path) -> None:
        if builder == "docker":
            install_with_docker(
                requirements,
                directory,
                python=python,
                arch=arch,
                image=image,
                system_packages=system_packages,
                progress=progress,
            )
        else:
            install_with_pip(requirements, directory, python=python, arch=arch)

    progress(
        f"Installing dependencies from {requirements} "
        f"(python {python}, {arch}, {builder})..."
    )
    layer = cache.store(key, fill)
    progress(f"Cached the dependencies ({key[:12]}).")
    return layer / _LAYER_ZIP, "installed"


def _build_info(service: Path, progress: Progress) -> dict[str, str]:
    info = build_info(service)
    if info["VERSION_HASH"] == UNKNOWN_VERSION:
        # Not an error: a build outside git and CI still deploys.
        progress(
            f"Warning: {service} is not in a git checkout and CIRCLE_SHA1 is not "
            f"set: VERSION_HASH is {UNKNOWN_VERSION!r}"
        )
    return info


def _config_json(info: dict[str, str], existing: Path | None) -> bytes:
    if existing is None:
        return config_json(info)
    try:
        content = existing.read_bytes()
    except OSError as error:
        raise BuildError(f"cannot read {existing}: {error.strerror}") from None
    return config_json(info, content, name=str(existing))


def _write_into(
    target_dir: Path, files: dict[str, Content], destination: Path
) -> ArchiveStats:
    created: list[Path] = []
    missing = target_dir
    while not missing.exists():
        created.append(missing)
        missing = missing.parent
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildError(
            f"cannot create {target_dir}: {error.strerror or error}"
        ) from None
    try:
        return write_zip(files, destination)
    except BaseException:
        for directory in created:
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise


def _size_warnings(size: int, unzipped_size: int) -> tuple[str, ...]:
    warnings = []
    if size > ZIPPED_LIMIT:
        warnings.append(
            f"Warning: the zip is {_megabytes(size)}, above Lambda's 50 MB limit for "
            "a direct upload (upload it through S3, or use a container image)"
        )
    if unzipped_size > UNZIPPED_LIMIT:
        warnings.append(
            f"Warning: the files take {_megabytes(unzipped_size)} unzipped, above "
            "Lambda's 250 MB limit (move dependencies to a layer or exclude some)"
        )
    return tuple(warnings)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
