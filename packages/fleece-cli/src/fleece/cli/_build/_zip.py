"""``build_zip``: dependencies and sources of a Lambda function in one zip."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fleece.cli._build._archive import (
    ArchiveStats,
    Content,
    ExcludeMatcher,
    ZippedFile,
    collect_files,
    overlay,
    read_entries,
    read_zip,
    write_zip,
)
from fleece.cli._build._bytecode import find_interpreter, missing_interpreter_reason
from fleece.cli._build._cache import (
    LayerCache,
    cache_root,
    layer_key,
    requirement_texts,
)
from fleece.cli._build._docker import (
    compile_with_docker,
    default_image,
    install_with_docker,
    is_system_package_name,
)
from fleece.cli._errors import BuildError, BuildOptionError, NoInterpreterError
from fleece.cli._build._info import UNKNOWN_VERSION, build_info, config_json
from fleece.cli._build._pip import LAMBDA_GLIBC, install_with_pip
from fleece.cli._build._strip import find_strip, strip_debug_information
from fleece.cli._build._runtime import (
    RUNTIME_PACKAGES,
    requested_runtime_packages,
    runtime_distributions,
    runtime_records,
)

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
_LAYER_NOTES = "notes.txt"
"""Beside a cached layer: the summary lines of how it was made."""


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
        bytecode: whether the zip holds bytecode.
        left_out: the runtime-provided distributions left out, e.g.
            ``("boto3 1.35.0", ...)``.
        summary: lines saying what was left out or packed and why.
    """

    path: Path
    size: int
    unzipped_size: int
    file_count: int
    dependencies: Literal["installed", "cached"] | None
    warnings: tuple[str, ...] = ()
    bytecode: bool = False
    left_out: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Bytecode:
    """How this build compiles: the callable, and what it is for the cache key."""

    compile: Callable[[Path, Sequence[str]], None]
    identity: str


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
    compile_bytecode: bool | None = None,
    include_runtime_packages: bool = False,
    strip_debug: bool = True,
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
        compile_bytecode: add ``unchecked-hash`` bytecode compiled by the target
            Python: None when an interpreter of that version is at hand (the docker
            builder's image always is; else one line says why there is none), True
            to require it, False for none.
        include_runtime_packages: pack boto3, botocore and s3transfer even when the
            requirements do not name them (Lambda's runtime provides them).
        strip_debug: strip the debug information of the dependencies' extension
            modules (with ``strip --strip-debug``, when on PATH).
        progress: receives one-line progress messages.

    Returns:
        The zip's path, sizes and file count, and what it holds.

    Raises:
        BuildOptionError: an argument has a value that is not allowed (named as the
            ``fleece build`` flag that sets it).
        NoInterpreterError: ``compile_bytecode`` is True and no interpreter of the
            target Python is at hand.
        BuildError: the build failed; nothing was written to ``target``.
    """
    recipe = check_options(
        python=python,
        arch=arch,
        builder=builder,
        system_packages=system_packages,
        image=image,
    )
    paths = _paths(service_dir, source, requirements, target, progress)
    bytecode = _bytecode(compile_bytecode, recipe, progress)
    info = _build_info(paths.service, progress) if inject_build_info else None
    dependencies, how, runtime, layer_notes = _dependencies(
        paths.requirements,
        recipe,
        rebuild=rebuild,
        bytecode=bytecode,
        include_runtime_packages=include_runtime_packages,
        strip_debug=strip_debug,
        progress=progress,
    )
    sources = _sources(paths.source, excludes, paths.target, info, progress)
    if bytecode is not None:
        sources.update(_compiled(sources, bytecode))
    files = overlay(dependencies, sources)
    if not files:
        raise BuildError(f"nothing to package: {paths.source} holds no files")
    stats, warnings = _write(paths.target, files, progress)
    return BuildResult(
        path=stats.path,
        size=stats.size,
        unzipped_size=stats.unzipped_size,
        file_count=stats.file_count,
        dependencies=how,
        warnings=warnings,
        bytecode=bytecode is not None,
        left_out=runtime.left_out,
        summary=(*runtime.summary, *layer_notes),
    )


@dataclass(frozen=True)
class Recipe:
    """How the dependency layer is made: the checked build options.

    Attributes:
        python: Lambda's Python version.
        arch: Lambda's architecture.
        image: the Docker image that installs and compiles, or None for pip.
        system_packages: what the image installs first.
    """

    python: str
    arch: str
    image: str | None
    system_packages: tuple[str, ...]


def check_options(
    *,
    python: str,
    arch: str,
    builder: str,
    system_packages: Sequence[str],
    image: str | None,
) -> Recipe:
    """Return the build's `Recipe` if its options fit together.

    Raises:
        BuildOptionError: an option has a value that is not allowed, or needs
            another (named as ``fleece build`` spells them).
    """
    for flag, value, allowed in (
        ("--python", python, PYTHON_VERSIONS),
        ("--arch", arch, ARCHITECTURES),
        ("--builder", builder, BUILDERS),
    ):
        if value not in allowed:
            raise BuildOptionError(
                f"{flag} must be one of {', '.join(allowed)}, not {value!r}"
            )
    if builder != "docker":
        if system_packages:
            raise BuildOptionError("--dependencies needs --builder docker")
        if image:
            raise BuildOptionError("--image needs --builder docker")
        return Recipe(python, arch, None, ())
    for package in system_packages:
        if not is_system_package_name(package):
            raise BuildOptionError(
                f"--dependencies: {package!r} is not a system package name"
            )
    return Recipe(python, arch, image or default_image(python), tuple(system_packages))


@dataclass(frozen=True)
class _Paths:
    """Where the build reads and writes, checked."""

    service: Path
    source: Path
    requirements: Path | None
    target: Path


def _paths(
    service_dir: str | Path,
    source: str | Path | None,
    requirements: str | Path | None,
    target: str | Path | None,
    progress: Progress,
) -> _Paths:
    service = _existing(Path(service_dir), "service directory", "directory")
    # Given paths are taken as they are (relative to the current folder), as in
    # fleece 1.x; only the defaults are inside the service.
    source_dir = _existing(
        Path(source) if source is not None else service / "src",
        "source directory",
        "directory",
    )
    requirements_file = _requirements_file(
        requirements, service / "src" / "requirements.txt", progress
    )
    target_dir = Path(target) if target is not None else service / "dist"
    if target_dir.exists() and not target_dir.is_dir():
        raise BuildError(f"target {target_dir} exists and is not a directory")
    return _Paths(service, source_dir, requirements_file, target_dir)


def _existing(path: Path, what: str, kind: Literal["directory", "file"]) -> Path:
    if not path.exists():
        raise BuildError(f"{what} {path} does not exist")
    if not (path.is_dir() if kind == "directory" else path.is_file()):
        raise BuildError(f"{what} {path} is not a {kind}")
    return path


def _requirements_file(
    requirements: str | Path | None, default: Path, progress: Progress
) -> Path | None:
    if requirements is None:
        if default.is_file():
            return default
        progress(f"No requirements file at {default}: packaging the sources only.")
        return None
    return _existing(Path(requirements), "requirements file", "file")


def _bytecode(
    wanted: bool | None, recipe: Recipe, progress: Progress
) -> _Bytecode | None:
    if wanted is False:
        return None
    image = recipe.image
    if image is not None:

        def in_image(directory: Path, skipped: Sequence[str]) -> None:
            compile_with_docker(
                directory,
                arch=recipe.arch,
                image=image,
                skipped=skipped,
                progress=progress,
            )

        return _Bytecode(in_image, "compiled in the image")
    interpreter = find_interpreter(recipe.python)
    if interpreter is not None:
        return _Bytecode(
            interpreter.compile, f"compiled by CPython {interpreter.version}"
        )
    reason = missing_interpreter_reason(recipe.python)
    if wanted:
        raise NoInterpreterError(f"--compile: {reason}")
    progress(f"Bytecode skipped: {reason}; --no-compile silences this.")
    return None


def _dependencies(
    requirements: Path | None,
    recipe: Recipe,
    *,
    rebuild: bool,
    bytecode: _Bytecode | None,
    include_runtime_packages: bool,
    strip_debug: bool,
    progress: Progress,
) -> tuple[
    dict[str, ZippedFile],
    Literal["installed", "cached"] | None,
    RuntimePackages,
    tuple[str, ...],
]:
    """Return the layer's files to pack, how it was made, the runtime's part, and
    the summary lines of how the layer was made."""
    if requirements is None:
        return {}, None, RuntimePackages(), ()
    requested = requested_runtime_packages(requirement_texts(requirements).values())
    packed = include_runtime_packages or bool(requested)
    layer, how = _dependency_layer(
        requirements, recipe, rebuild, bytecode, packed, strip_debug, progress
    )
    dependencies = read_zip(layer)
    runtime = _runtime_packages(
        dependencies, requirements.name, requested, include=include_runtime_packages
    )
    for name in runtime.left_out_files:
        del dependencies[name]
    notes_file = layer.with_name(_LAYER_NOTES)
    notes = notes_file.read_text().splitlines() if notes_file.is_file() else []
    return dependencies, how, runtime, tuple(notes)


def _dependency_layer(
    requirements: Path,
    recipe: Recipe,
    rebuild: bool,
    bytecode: _Bytecode | None,
    runtime_packages_packed: bool,
    strip_debug: bool,
    progress: Progress,
) -> tuple[Path, Literal["installed", "cached"]]:
    image = recipe.image
    if image is not None:
        how_built = f"docker {image} {' '.join(sorted(recipe.system_packages))}"
    else:
        how_built = "pip"
    # The runtime's packages are most of a typical layer's modules: compiled only
    # when they will be packed.
    skipped = () if runtime_packages_packed else RUNTIME_PACKAGES
    if bytecode is not None:
        how_built = f"{how_built.strip()}, {bytecode.identity}"
        if skipped:
            how_built += f", not compiling {' '.join(skipped)}"
    strip = find_strip() if strip_debug else None
    if strip_debug:
        # Without strip the layer differs from --no-strip's: its summary says so.
        stripped = "strip --strip-debug" if strip else "no strip"
        how_built = f"{how_built.strip()}, {stripped}"
    key = layer_key(
        requirements, python=recipe.python, arch=recipe.arch, builder=how_built.strip()
    )
    cache = LayerCache(cache_root())
    cached = None if rebuild else cache.lookup(key)
    if cached is not None and (cached / _LAYER_ZIP).is_file():
        progress(f"Using cached dependencies for {requirements} ({key[:12]}).")
        return cached / _LAYER_ZIP, "cached"

    def fill(directory: Path) -> None:
        site = directory / "site"
        site.mkdir()
        if image is not None:
            install_with_docker(
                requirements,
                site,
                python=recipe.python,
                arch=recipe.arch,
                image=image,
                system_packages=recipe.system_packages,
                progress=progress,
            )
        else:
            install_with_pip(requirements, site, python=recipe.python, arch=recipe.arch)
        note = strip_debug_information(site, strip) if strip_debug else None
        if note is not None:
            (directory / _LAYER_NOTES).write_text(note + "\n")
        if bytecode is not None:
            bytecode.compile(site, skipped)
        # Kept compressed: a rebuild copies these entries without recompressing.
        write_zip(collect_files(site, bytecode=True), directory / _LAYER_ZIP)
        shutil.rmtree(site)

    progress(
        f"Installing dependencies from {requirements} (python {recipe.python}, "
        f"{recipe.arch}, {'pip' if image is None else 'docker'})..."
    )
    layer = cache.store(key, fill)
    progress(f"Cached the dependencies ({key[:12]}).")
    return layer / _LAYER_ZIP, "installed"


@dataclass(frozen=True)
class RuntimePackages:
    """What the build did with the packages Lambda's runtime provides.

    Attributes:
        left_out: ``"name version"`` of each one left out.
        left_out_files: the archive names of their files.
        summary: the lines that say what was left out or packed, and why.
    """

    left_out: tuple[str, ...] = ()
    left_out_files: frozenset[str] = frozenset()
    summary: tuple[str, ...] = ()


def _runtime_packages(
    dependencies: Mapping[str, ZippedFile],
    requirements_name: str,
    requested: Sequence[str],
    *,
    include: bool,
) -> RuntimePackages:
    records = read_entries(dependencies[name] for name in runtime_records(dependencies))
    installed = runtime_distributions(dependencies, records)
    if not installed:
        return RuntimePackages()
    labels = ", ".join(distribution.label for distribution in installed)
    if include:
        return RuntimePackages(
            summary=(f"Packed {labels} (--include-runtime-packages).",)
        )
    if requested:
        return RuntimePackages(
            summary=(
                f"Packed {labels}: {requirements_name} names "
                f"{', '.join(requested)}, so its version wins over the one the "
                "Lambda Python runtime provides.",
            )
        )
    files = frozenset().union(*(distribution.files for distribution in installed))
    size = sum(dependencies[name].info.file_size for name in files)
    return RuntimePackages(
        left_out=tuple(distribution.label for distribution in installed),
        left_out_files=files,
        summary=(
            f"Left out {labels} ({len(files)} files, {_megabytes(size)} unzipped): "
            "the Lambda Python runtime provides them (--include-runtime-packages "
            "packs them).",
        ),
    )


def _sources(
    source_dir: Path,
    excludes: Sequence[str],
    target_dir: Path,
    info: dict[str, str] | None,
    progress: Progress,
) -> dict[str, Content]:
    progress(f"Adding sources from {source_dir}...")
    matcher = ExcludeMatcher(excludes)
    source_files = collect_files(source_dir, matcher=matcher, skip=[target_dir])
    sources: dict[str, Content] = dict(source_files)
    for pattern in matcher.unused():
        progress(f"Warning: --exclude {pattern!r} matched nothing in {source_dir}")
    if info is not None:
        sources["config.json"] = _config_json(info, source_files.get("config.json"))
        progress("Added config.json with VERSION_HASH and BUILD_TIME.")
    return sources


def _compiled(sources: Mapping[str, Content], bytecode: _Bytecode) -> dict[str, bytes]:
    """Return the bytecode of the ``.py`` sources, by archive name."""
    modules = {
        name: content for name, content in sources.items() if name.endswith(".py")
    }
    if not modules:
        return {}
    try:
        with tempfile.TemporaryDirectory(prefix="fleece-build-") as name:
            staging = Path(name)
            for relative, content in modules.items():
                path = staging / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, Path):
                    shutil.copyfile(content, path)
                elif isinstance(content, bytes):
                    path.write_bytes(content)
            bytecode.compile(staging, ())
            return {
                relative: path.read_bytes()
                for relative, path in collect_files(staging, bytecode=True).items()
                if relative.endswith(".pyc")
            }
    except OSError as error:
        raise BuildError(
            f"cannot compile the sources: {error.strerror or error} "
            f"({error.filename or 'temporary folder'})"
        ) from None


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


def _write(
    target_dir: Path, files: dict[str, Content], progress: Progress
) -> tuple[ArchiveStats, tuple[str, ...]]:
    destination = target_dir / ZIP_NAME
    progress(f"Writing {destination} ({len(files)} files)...")
    stats = _write_into(target_dir, files, destination)
    warnings = _size_warnings(stats.size, stats.unzipped_size)
    for warning in warnings:
        progress(warning)
    return stats, warnings


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
