"""``fleece build``: the command line of `build_zip`."""

from __future__ import annotations

from pathlib import Path

import click

from fleece.cli._errors import ReportingCommand
from fleece.cli._build._zip import (
    ARCHITECTURES,
    BUILDERS,
    DEFAULT_PYTHON,
    PYTHON_VERSIONS,
    build_zip,
)

_PATH = click.Path(path_type=Path)


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.command("build", cls=ReportingCommand)
@click.argument("service_dir", type=_PATH)
@click.option(
    "-s", "--source", type=_PATH, help="Source folder.  [default: SERVICE_DIR/src]"
)
@click.option(
    "-r",
    "--requirements",
    type=_PATH,
    help="Requirements file.  [default: SERVICE_DIR/src/requirements.txt, if present]",
)
@click.option(
    "-t", "--target", type=_PATH, help="Output folder.  [default: SERVICE_DIR/dist]"
)
@click.option(
    "-e",
    "--exclude",
    "excludes",
    metavar="GLOB",
    multiple=True,
    help=(
        "Leave out source paths matching GLOB, relative to SOURCE (repeatable). "
        "Here -e is --exclude; in 'fleece run' it names an environment, in "
        "'fleece config' the environments file."
    ),
)
@click.option(
    "--python",
    type=click.Choice(PYTHON_VERSIONS),
    default=DEFAULT_PYTHON,
    show_default=True,
    help="Lambda's Python version.",
)
@click.option(
    "--arch",
    type=click.Choice(ARCHITECTURES, case_sensitive=False),
    default="x86_64",
    show_default=True,
    help="Lambda's architecture.",
)
@click.option(
    "--rebuild", is_flag=True, help="Install the dependencies even if cached."
)
@click.option(
    "--inject-build-info",
    is_flag=True,
    help="Add config.json with VERSION_HASH (git or CIRCLE_SHA1) and BUILD_TIME.",
)
@click.option(
    "--builder",
    type=click.Choice(BUILDERS),
    default="pip",
    show_default=True,
    help="pip: manylinux wheels, no Docker. docker: inside Lambda's image.",
)
@click.option(
    "-d",
    "--dependencies",
    metavar="PACKAGES",
    multiple=True,
    help="System packages to install first, comma-separated (docker builder).",
)
@click.option(
    "--image",
    metavar="IMAGE",
    help="Docker image.  [default: public.ecr.aws/lambda/python:PYTHON]",
)
@click.option(
    "--compile/--no-compile",
    "compile_bytecode",
    default=None,
    help=(
        "Add bytecode compiled by Lambda's Python version (unchecked-hash .pyc), "
        "so that cold starts do not compile.  [default: when that Python is on "
        "this machine, always with --builder docker; --compile fails without it]"
    ),
)
@click.option(
    "--include-runtime-packages",
    is_flag=True,
    help=(
        "Pack boto3, botocore and s3transfer, which Lambda's Python runtime "
        "provides (packed anyway when the requirements file names them)."
    ),
)
@click.option(
    "--no-strip",
    "keep_debug",
    is_flag=True,
    help=(
        "Keep the debug information of the dependencies' extension modules "
        "(stripped with 'strip --strip-debug' by default, when on PATH)."
    ),
)
def build(
    service_dir: Path,
    source: Path | None,
    requirements: Path | None,
    target: Path | None,
    excludes: tuple[str, ...],
    python: str,
    arch: str,
    rebuild: bool,
    inject_build_info: bool,
    builder: str,
    dependencies: tuple[str, ...],
    image: str | None,
    compile_bytecode: bool | None,
    include_runtime_packages: bool,
    keep_debug: bool,
) -> None:
    """Build SERVICE_DIR's Lambda zip: dependencies, then sources.

    Writes TARGET/lambda_function.zip. The dependencies of the requirements file
    are installed for Lambda's Python and architecture and cached (in
    $XDG_CACHE_HOME/fleece/build); the same inputs give a byte-identical zip.
    boto3, botocore and s3transfer are left out (Lambda's runtime provides them)
    unless the requirements file names one of them.
    Relative SOURCE, REQUIREMENTS and TARGET paths are relative to the current
    folder, as in fleece 1.x.
    """
    system_packages = [
        name.strip() for value in dependencies for name in value.split(",")
    ]
    result = build_zip(
        service_dir,
        source=source,
        requirements=requirements,
        target=target,
        excludes=excludes,
        python=python,
        arch=arch.lower(),
        rebuild=rebuild,
        inject_build_info=inject_build_info,
        builder=builder,
        system_packages=[name for name in system_packages if name],
        image=image,
        compile_bytecode=compile_bytecode,
        include_runtime_packages=include_runtime_packages,
        strip_debug=not keep_debug,
        progress=_progress,
    )
    bytecode = ", with bytecode" if result.bytecode else ""
    click.echo(
        f"Built {result.path}: {result.size:,} bytes, {result.file_count} files, "
        f"{result.unzipped_size:,} bytes unzipped{bytecode}"
    )
    for line in result.summary:
        click.echo(line)
