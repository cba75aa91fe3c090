"""``fleece build`` with the pip builder: real pip, a local wheelhouse, no network."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest
import yaml._yaml as yaml_extension  # type: ignore[import-not-found]  # no stubs
from click.testing import CliRunner, Result

from fleece.cli._build._command import build
from fleece.testing import LambdaRuntime, modules_imported_by

# ---------------------------------------------------------------------------------
# A local wheelhouse: tiny wheels written with zipfile (METADATA, WHEEL, RECORD), so
# that pip installs them exactly as it would real ones from an index.


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    tag: str,
    files: Mapping[str, str | bytes],
    requires: Iterable[str] = (),
) -> Path:
    """Write a wheel of ``files`` tagged ``tag`` into ``directory``."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    python, abi, platforms = tag.split("-")
    entries = dict(files)
    entries[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    )
    entries[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: fleece-tests\n"
        f"Root-Is-Purelib: {'true' if platforms == 'any' else 'false'}\n"
        + "".join(
            f"Tag: {python}-{abi}-{platform}\n" for platform in platforms.split(".")
        )
    )
    record = []
    for path, text in entries.items():
        data = text if isinstance(text, bytes) else text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(data)}")
    entries[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = directory / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in entries.items():
            archive.writestr(path, text)
    return wheel


MANYLINUX_X86 = "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"
MANYLINUX_ARM = "cp312-cp312-manylinux_2_28_aarch64"


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A find-links folder: pure wheels, a dependency chain, manylinux wheels."""
    house = tmp_path_factory.mktemp("wheelhouse")
    make_wheel(
        house,
        "tinyhello",
        "1.0",
        "py3-none-any",
        {
            "tinyhello/__init__.py": "from tinydep import DEP\nGREETING = 'hi ' + DEP",
            "tinyhello-1.0.dist-info/entry_points.txt": (
                "[console_scripts]\ntinyhello = tinyhello:GREETING\n"
            ),
        },
        requires=["tinydep>=1"],
    )
    make_wheel(
        house,
        "tinydep",
        "1.2",
        "py3-none-any",
        {"tinydep/__init__.py": "DEP = 'dep'\n"},
    )
    make_wheel(
        house,
        "tinynative",
        "2.0",
        MANYLINUX_X86,
        {"tinynative/__init__.py": "MACHINE = 'x86_64'\n"},
    )
    make_wheel(
        house,
        "tinynative",
        "2.0",
        MANYLINUX_ARM,
        {"tinynative/__init__.py": "MACHINE = 'aarch64'\n"},
    )
    for platform in ("manylinux_2_34_x86_64", "manylinux_2_34_aarch64"):
        make_wheel(
            house,
            "tinynew",
            "1.0",
            f"cp312-abi3-{platform}",
            {"tinynew/__init__.py": "NEW = True\n"},
        )
    make_wheel(
        house,
        "tinyold",
        "1.0",
        "py3-none-manylinux_2_12_x86_64",
        {"tinyold/__init__.py": ""},
    )
    make_wheel(
        house,
        "tinyglibc228",
        "1.0",
        "py3-none-manylinux_2_28_x86_64",
        {"tinyglibc228/__init__.py": ""},
    )
    # Stand-ins for the AWS SDK that Lambda's runtime provides, and a client of it.
    make_wheel(
        house,
        "boto3",
        "1.0",
        "py3-none-any",
        {"boto3/__init__.py": "VERSION = 'packed'\n", "boto3/session.py": ""},
        requires=["botocore==1.0", "s3transfer==1.0"],
    )
    make_wheel(
        house,
        "botocore",
        "1.0",
        "py3-none-any",
        {"botocore/__init__.py": "", "botocore/data/s3.json": "{}"},
        requires=["tinyjmes"],
    )
    make_wheel(
        house,
        "s3transfer",
        "1.0",
        "py3-none-any",
        {"s3transfer/__init__.py": ""},
        requires=["botocore==1.0"],
    )
    make_wheel(house, "tinyjmes", "1.0", "py3-none-any", {"tinyjmes/__init__.py": ""})
    make_wheel(
        house,
        "tinyawsclient",
        "1.0",
        "py3-none-any",
        {"tinyawsclient/__init__.py": "import boto3\n"},
        requires=["boto3"],
    )
    return house


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An XDG cache folder shared by the tests that do not look at installation."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(scope="session")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PATH folder with git and no Python or uv: no interpreter of Lambda's
    default Python is found, wherever the tests run (the build runs pip with its
    own interpreter)."""
    folder = tmp_path_factory.mktemp("tools")
    git = shutil.which("git")
    assert git is not None
    (folder / "git").symlink_to(git)
    return folder


@pytest.fixture(autouse=True)
def build_env(
    monkeypatch: pytest.MonkeyPatch, wheelhouse: Path, shared_cache: Path, tools: Path
) -> None:
    """pip reads only the wheelhouse; the cache is the shared one; no CI variables;
    PATH holds only git."""
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    for name in ("SOURCE_DATE_EPOCH", "CIRCLE_SHA1", "PIP_TARGET", "PIP_USER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fresh_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty XDG cache folder of this test's own."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Create ``files`` (relative path → content) under ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


HANDLER = (
    "import tinyhello\nimport tinynative\n\n\n"
    "def handler(event, context):\n"
    "    return {'greeting': tinyhello.GREETING, 'machine': tinynative.MACHINE}\n"
)


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A service: src/ with a handler, requirements, tests and leftovers."""
    root = tmp_path / "service"
    write_tree(
        root,
        {
            "src/handler.py": HANDLER,
            "src/requirements.txt": "tinyhello==1.0\ntinynative\ntinynew\n",
            "src/app/__init__.py": "",
            "src/app/logic.py": "VALUE = 42\n",
            "src/app/__pycache__/logic.cpython-312.pyc": b"\x00compiled",
            "src/app/stale.pyc": b"\x00compiled",
            "src/tests/test_logic.py": "def test(): pass\n",
            "src/README.md": "# service\n",
            "src/docs/guide.md": "guide\n",
        },
    )
    return root


def run_build(*args: str | os.PathLike[str]) -> Result:
    """Run ``fleece build`` in-process as a user would call it."""
    return CliRunner().invoke(build, [str(arg) for arg in args])


def zip_names(path: Path) -> list[str]:
    """Return the entry names of the zip at ``path``, in archive order."""
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def zip_text(path: Path, name: str) -> str:
    """Return the text of entry ``name`` of the zip at ``path``."""
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode()


TINYDEP_AND_TINYHELLO_FILES = {
    "tinydep-1.2.dist-info/INSTALLER",
    "tinydep-1.2.dist-info/METADATA",
    "tinydep-1.2.dist-info/RECORD",
    "tinydep-1.2.dist-info/WHEEL",
    "tinydep/__init__.py",
    "tinyhello-1.0.dist-info/INSTALLER",
    "tinyhello-1.0.dist-info/METADATA",
    "tinyhello-1.0.dist-info/RECORD",
    "tinyhello-1.0.dist-info/REQUESTED",
    "tinyhello-1.0.dist-info/WHEEL",
    "tinyhello-1.0.dist-info/entry_points.txt",
    "tinyhello/__init__.py",
    "bin/tinyhello",
}
DEPENDENCY_FILES = TINYDEP_AND_TINYHELLO_FILES | {
    "tinynative-2.0.dist-info/INSTALLER",
    "tinynative-2.0.dist-info/METADATA",
    "tinynative-2.0.dist-info/RECORD",
    "tinynative-2.0.dist-info/REQUESTED",
    "tinynative-2.0.dist-info/WHEEL",
    "tinynative/__init__.py",
    "tinynew-1.0.dist-info/INSTALLER",
    "tinynew-1.0.dist-info/METADATA",
    "tinynew-1.0.dist-info/RECORD",
    "tinynew-1.0.dist-info/REQUESTED",
    "tinynew-1.0.dist-info/WHEEL",
    "tinynew/__init__.py",
}
SOURCE_FILES = {
    "handler.py",
    "requirements.txt",
    "app/__init__.py",
    "app/logic.py",
    "tests/test_logic.py",
    "README.md",
    "docs/guide.md",
}


NO_PYTHON_312 = (
    "Bytecode skipped: no Python 3.12 interpreter on this machine (looked for "
    "python3.12 on PATH and with 'uv python find 3.12', never downloading one); "
    f"install Python 3.12, or build for a version you have (--python "
    f"{sys.version_info.major}.{sys.version_info.minor}); --no-compile silences this."
)


def test_build_puts_dependencies_and_sources_at_the_zip_root(
    service: Path, fresh_cache: Path
) -> None:
    """The zip holds the wheels (manylinux ones too) and the sources; the layer is
    cached in $XDG_CACHE_HOME/fleece/build, never in the target; each step is
    shown, then the zip's path, size and file count."""
    result = run_build(service)

    assert result.exit_code == 0, result.output
    zip_path = service / "dist" / "lambda_function.zip"
    names = zip_names(zip_path)
    assert sorted(names) == names
    assert set(names) == DEPENDENCY_FILES | SOURCE_FILES
    assert zip_text(zip_path, "tinynative/__init__.py") == "MACHINE = 'x86_64'\n"
    shebang = zip_text(zip_path, "bin/tinyhello").splitlines()[0]
    assert shebang == "#!/var/lang/bin/python3.12"
    assert [path.name for path in zip_path.parent.iterdir()] == ["lambda_function.zip"]
    layers = list((fresh_cache / "fleece" / "build").iterdir())
    assert len(layers) == 1
    assert "tinyhello/__init__.py" in zip_names(layers[0] / "layer.zip")
    count = len(DEPENDENCY_FILES | SOURCE_FILES)
    requirements = service / "src" / "requirements.txt"
    assert result.stderr.splitlines() == [
        NO_PYTHON_312,
        f"Installing dependencies from {requirements} (python 3.12, x86_64, pip)...",
        f"Cached the dependencies ({layers[0].name[:12]}).",
        f"Adding sources from {service / 'src'}...",
        f"Writing {zip_path} ({count} files)...",
    ]
    with zipfile.ZipFile(zip_path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    assert result.stdout.splitlines() == [
        f"Built {zip_path}: {zip_path.stat().st_size:,} bytes, {count} files, "
        f"{unzipped:,} bytes unzipped"
    ]


def test_unzipped_build_runs_the_handler(service: Path, tmp_path: Path) -> None:
    """A fresh interpreter imports the handler and its dependencies from the zip."""
    run_build(service)
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(service / "dist" / "lambda_function.zip") as archive:
        archive.extractall(unzipped)

    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; sys.path.insert(0, '.'); import handler; "
            "print(json.dumps(handler.handler({}, None)))",
        ],
        cwd=unzipped,
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(completed.stdout) == {"greeting": "hi dep", "machine": "x86_64"}


def test_zip_entries_have_fixed_timestamps_and_normalised_modes(
    service: Path,
) -> None:
    """Every entry is dated 1980-01-01 and is 0644, or 0755 when executable."""
    script = service / "src" / "bin" / "run.sh"
    write_tree(service, {"src/bin/run.sh": "#!/bin/sh\n", "src/secret.txt": "x\n"})
    script.chmod(0o700)
    (service / "src" / "secret.txt").chmod(0o600)

    run_build(service)

    with zipfile.ZipFile(service / "dist" / "lambda_function.zip") as archive:
        infos = {info.filename: info for info in archive.infolist()}
    assert {(1980, 1, 1, 0, 0, 0)} == {info.date_time for info in infos.values()}
    assert infos["bin/run.sh"].external_attr >> 16 == stat.S_IFREG | 0o755
    assert infos["secret.txt"].external_attr >> 16 == stat.S_IFREG | 0o644
    assert infos["tinydep/__init__.py"].external_attr >> 16 == stat.S_IFREG | 0o644


def test_two_builds_are_byte_identical_even_after_reinstalling(
    service: Path,
) -> None:
    """Same inputs give the same bytes: with the cache, and with --rebuild."""
    zip_path = service / "dist" / "lambda_function.zip"
    run_build(service)
    first = zip_path.read_bytes()
    for path in (service / "src").rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))

    run_build(service)
    cached = zip_path.read_bytes()
    rebuilt = run_build(service, "--rebuild")

    assert rebuilt.exit_code == 0, rebuilt.output
    assert first == cached
    assert first == zip_path.read_bytes()


def test_second_build_uses_the_cache_and_does_not_run_pip(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the wheelhouse gone, a second build still works: pip is not run."""
    run_build(service)
    empty = tmp_path / "empty-wheelhouse"
    empty.mkdir()
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))

    second = run_build(service)
    rebuilt = run_build(service, "--rebuild")

    assert second.exit_code == 0, second.output
    assert "Using cached dependencies" in second.stderr
    assert "Installing dependencies" not in second.stderr
    assert "tinyhello/__init__.py" in zip_names(
        service / "dist" / "lambda_function.zip"
    )
    assert rebuilt.exit_code == 1
    assert "no Linux wheel of tinyhello==1.0" in rebuilt.stderr


def test_changed_requirements_are_installed_again(service: Path) -> None:
    """The cache key covers the requirements: a new requirement means a new layer."""
    run_build(service)
    (service / "src" / "requirements.txt").write_text("tinyhello==1.0\n")
    (service / "src" / "handler.py").write_text("import tinyhello\n")

    second = run_build(service)

    assert "Installing dependencies" in second.stderr
    names = zip_names(service / "dist" / "lambda_function.zip")
    assert "tinyhello/__init__.py" in names
    assert "tinynative/__init__.py" not in names


def test_python_version_and_arch_are_part_of_the_cache_key(service: Path) -> None:
    """An arm64 build installs the aarch64 wheel, not the cached x86_64 layer."""
    run_build(service)

    arm = run_build(service, "--arch", "arm64")

    assert arm.exit_code == 0, arm.output
    assert "Installing dependencies" in arm.stderr
    assert (
        zip_text(service / "dist" / "lambda_function.zip", "tinynative/__init__.py")
        == "MACHINE = 'aarch64'\n"
    )


def test_dependency_cache_defaults_to_home_cache(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without XDG_CACHE_HOME the layer goes to ~/.cache/fleece/build; a damaged
    layer there is reported in one line that says how to recover."""
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    run_build(service)
    [layer] = (tmp_path / "home/.cache/fleece/build").iterdir()
    (layer / "layer.zip").write_bytes(b"not a zip")
    damaged = run_build(service)

    assert damaged.exit_code == 1
    last = damaged.stderr.splitlines()[-1]
    assert last.startswith(f"Error: cannot read {layer / 'layer.zip'} (")
    assert last.endswith("); run again with --rebuild")


def test_excludes_match_paths_relative_to_the_source_dir(service: Path) -> None:
    """Folder names, nested globs and paths from the source root are left out."""
    result = run_build(
        service, "-e", "tests", "--exclude", "*.md", "-e", "app/logic.py"
    )

    assert result.exit_code == 0, result.output
    names = set(zip_names(service / "dist" / "lambda_function.zip"))
    assert {"handler.py", "requirements.txt", "app/__init__.py"} == names - (
        DEPENDENCY_FILES
    )


def test_exclude_that_matches_nothing_is_reported(service: Path) -> None:
    """A mistyped glob is pointed out instead of silently packaging everything."""
    result = run_build(service, "-e", "tset/*")

    assert result.exit_code == 0, result.output
    assert "Warning: --exclude 'tset/*' matched nothing" in result.stderr
    assert "tests/test_logic.py" in zip_names(service / "dist" / "lambda_function.zip")


def test_zip_has_no_pycache_or_compiled_files(service: Path) -> None:
    """``__pycache__`` folders and ``.pyc`` files never reach the zip."""
    run_build(service)

    names = zip_names(service / "dist" / "lambda_function.zip")
    assert [name for name in names if "__pycache__" in name or ".pyc" in name] == []


def test_symlinked_folders_are_followed_and_vcs_folders_left_out(
    service: Path, tmp_path: Path
) -> None:
    """Linked folders are packaged (also twice); a link cycle and .git are not."""
    write_tree(tmp_path, {"shared/common.py": "SHARED = 1\n"})
    write_tree(service, {"src/.git/HEAD": "ref: refs/heads/main\n"})
    (service / "src" / "shared").symlink_to(tmp_path / "shared")
    (service / "src" / "app" / "loop").symlink_to(service / "src")
    (service / "src" / "alias").symlink_to(service / "src" / "docs")

    result = run_build(service)

    assert result.exit_code == 0, result.output
    names = set(zip_names(service / "dist" / "lambda_function.zip"))
    assert names - DEPENDENCY_FILES == SOURCE_FILES | {
        "shared/common.py",
        "alias/guide.md",
    }


def test_source_file_wins_over_dependency_file(service: Path) -> None:
    """A source file replaces the dependency file at the same path."""
    write_tree(service, {"src/tinydep/__init__.py": "DEP = 'patched'\n"})

    run_build(service)

    zip_path = service / "dist" / "lambda_function.zip"
    assert zip_text(zip_path, "tinydep/__init__.py") == "DEP = 'patched'\n"
    assert "tinydep-1.2.dist-info/METADATA" in zip_names(zip_path)


def test_target_inside_source_is_not_packaged_into_the_zip(service: Path) -> None:
    """Building twice into src/dist does not put the old zip in the new one."""
    target = service / "src" / "dist"
    run_build(service, "-t", target)

    run_build(service, "-t", target)

    assert not any(
        name.startswith("dist/") for name in zip_names(target / "lambda_function.zip")
    )


def test_no_requirements_file_packages_sources_only_and_says_so(
    service: Path,
) -> None:
    """Without src/requirements.txt and -r, the zip holds just the sources."""
    (service / "src" / "requirements.txt").unlink()

    result = run_build(service)

    assert result.exit_code == 0, result.output
    assert (
        f"No requirements file at {service / 'src' / 'requirements.txt'}: "
        "packaging the sources only." in result.stderr
    )
    assert SOURCE_FILES - {"requirements.txt"} == set(
        zip_names(service / "dist" / "lambda_function.zip")
    )


def test_other_source_folder_still_finds_src_requirements(
    service: Path, tmp_path: Path
) -> None:
    """With -s and no requirements file there, src/requirements.txt is used."""
    write_tree(tmp_path, {"lambda/main.py": "import tinyhello\n"})

    result = run_build(service, "-s", tmp_path / "lambda")

    assert result.exit_code == 0, result.output
    names = set(zip_names(service / "dist" / "lambda_function.zip"))
    assert names == DEPENDENCY_FILES | {"main.py"}


def test_relative_paths_are_relative_to_the_current_folder(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-s, -r and -t given as relative paths start from the current folder, as in
    1.x; only the defaults are inside SERVICE_DIR."""
    monkeypatch.chdir(tmp_path)
    write_tree(service, {"lib/main.py": "import tinyhello\n"})

    result = run_build(
        "service", "-s", "service/lib", "-r", "service/src/requirements.txt",
        "-t", "build",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Built build/lambda_function.zip: ")
    names = set(zip_names(tmp_path / "build" / "lambda_function.zip"))
    assert names == DEPENDENCY_FILES | {"main.py"}


def test_the_default_requirements_stay_src_requirements_with_another_source(
    service: Path, tmp_path: Path
) -> None:
    """-s lambda holding its own requirements.txt: that file is a source like any
    other; the dependencies still come from SERVICE_DIR/src/requirements.txt."""
    write_tree(
        tmp_path, {"lambda/main.py": "import tinydep\n", "lambda/requirements.txt": ""}
    )

    result = run_build(service, "-s", tmp_path / "lambda")

    assert result.exit_code == 0, result.output
    names = set(zip_names(service / "dist" / "lambda_function.zip"))
    assert names == DEPENDENCY_FILES | {"main.py", "requirements.txt"}


def test_custom_source_requirements_and_target(service: Path, tmp_path: Path) -> None:
    """-s, -r and -t point elsewhere; a file included with -r is in the cache key."""
    write_tree(
        tmp_path,
        {
            "app/main.py": "import tinydep\n",
            "reqs/prod.txt": "-r base.txt\n",
            "reqs/base.txt": "tinydep\n",
        },
    )
    out = tmp_path / "out" / "nested"
    args = ["-s", tmp_path / "app", "-r", tmp_path / "reqs" / "prod.txt", "-t", out]

    first = run_build(service, *args)
    (tmp_path / "reqs" / "base.txt").write_text("tinyhello\n")
    second = run_build(service, *args)

    assert first.exit_code == 0, first.output
    assert "Installing dependencies" in second.stderr
    assert zip_names(out / "lambda_function.zip") == sorted(
        TINYDEP_AND_TINYHELLO_FILES | {"main.py"}
    )


def test_wheels_must_fit_the_glibc_of_lambdas_runtime(service: Path) -> None:
    """python3.11 runs on Amazon Linux 2 (glibc 2.26): a manylinux_2_28 wheel is
    refused there, in one line, before anything is written, and taken for 3.12; a
    manylinux_2_12-only wheel fits both."""
    (service / "src" / "requirements.txt").write_text("tinyold\ntinyglibc228\n")

    old_runtime = run_build(service, "--python", "3.11")
    nothing_written = not (service / "dist").exists()
    new_runtime = run_build(service, "--python", "3.12")

    assert old_runtime.exit_code == 1
    assert old_runtime.stderr.splitlines()[-1] == (
        "Error: no Linux wheel of tinyglibc228 for Lambda's python 3.11 on x86_64 "
        "(pip installs only manylinux wheels; for a package without one, use "
        "--builder docker)"
    )
    assert nothing_written
    assert new_runtime.exit_code == 0, new_runtime.output
    names = zip_names(service / "dist" / "lambda_function.zip")
    assert {"tinyold/__init__.py", "tinyglibc228/__init__.py"} <= set(names)


def test_failed_build_leaves_the_target_and_cache_untouched(
    service: Path, shared_cache: Path
) -> None:
    """The previous zip stays byte for byte; no temporary file, no partial layer."""
    run_build(service)
    zip_path = service / "dist" / "lambda_function.zip"
    before = zip_path.read_bytes()
    layers = sorted((shared_cache / "fleece" / "build").iterdir())
    (service / "src" / "requirements.txt").write_text("tinyhello\nnosuchpackage\n")

    result = run_build(service)

    assert result.exit_code == 1
    assert "no Linux wheel of nosuchpackage" in result.stderr
    assert before == zip_path.read_bytes()
    assert [p.name for p in (service / "dist").iterdir()] == ["lambda_function.zip"]
    assert layers == sorted((shared_cache / "fleece" / "build").iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/nowhere"], "Error: service directory {tmp}/nowhere does not exist"),
        (
            ["{tmp}/service/src/handler.py"],
            "Error: service directory {tmp}/service/src/handler.py is not a directory",
        ),
        (
            ["{tmp}/service", "-s", "{tmp}/service/lib"],
            "Error: source directory {tmp}/service/lib does not exist",
        ),
        (
            ["{tmp}/service", "-r", "{tmp}/service/missing.txt"],
            "Error: requirements file {tmp}/service/missing.txt does not exist",
        ),
        (
            ["{tmp}/service", "-t", "{tmp}/service/src/handler.py"],
            "Error: target {tmp}/service/src/handler.py exists and is not a directory",
        ),
    ],
)
def test_bad_paths_exit_1_with_one_line(
    service: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    """A missing or wrong folder or file is named in one line, exit status 1."""
    result = run_build(*[arg.format(tmp=tmp_path) for arg in args])

    assert result.exit_code == 1
    assert [message.format(tmp=tmp_path)] == result.stderr.splitlines()
    assert not (service / "dist").exists()


def test_inject_build_info_adds_config_json(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """config.json carries CIRCLE_SHA1 and SOURCE_DATE_EPOCH's time; builds repeat."""
    monkeypatch.setenv("CIRCLE_SHA1", "abc123")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    zip_path = service / "dist" / "lambda_function.zip"

    run_build(service, "--inject-build-info")
    first = zip_path.read_bytes()
    run_build(service, "--inject-build-info")

    assert (json.loads(zip_text(zip_path, "config.json"))) == {
        "BUILD_TIME": "2023-11-14T22:13:20Z",
        "VERSION_HASH": "abc123",
    }
    assert first == zip_path.read_bytes()
    assert not (service / "src" / "config.json").exists()


def test_inject_build_info_reads_the_git_commit_and_keeps_existing_config(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """VERSION_HASH is the checked-out commit; the source's config.json keys stay."""
    write_tree(service, {"src/config.json": '{"LOG_LEVEL": "INFO"}\n'})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=service, check=True)
    subprocess.run([*git, "add", "."], cwd=service, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "service"], cwd=service, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=service, capture_output=True, text=True
    ).stdout.strip()

    result = run_build(service, "--inject-build-info")

    assert result.exit_code == 0, result.output
    config = json.loads(
        zip_text(service / "dist" / "lambda_function.zip", "config.json")
    )
    assert {"BUILD_TIME", "LOG_LEVEL", "VERSION_HASH"} == set(config)
    assert commit == config["VERSION_HASH"]
    assert config["LOG_LEVEL"] == "INFO"


def test_bad_source_date_epoch_is_named(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SOURCE_DATE_EPOCH that is not a number of seconds is a one-line error."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")

    result = run_build(service, "--inject-build-info")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1:] == [
        "Error: SOURCE_DATE_EPOCH must be a whole number of seconds, not 'yesterday'"
    ]


def test_zip_above_lambda_limits_is_built_with_warnings(service: Path) -> None:
    """Over 50 MB zipped and 250 MB unzipped: the zip is made, both limits named."""
    (service / "src" / "requirements.txt").unlink()
    write_tree(service, {"src/data/random.bin": os.urandom(51 * 1024 * 1024)})
    with (service / "src" / "data" / "zeros.bin").open("wb") as sparse:
        sparse.truncate(200 * 1024 * 1024)

    result = run_build(service)

    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "Warning" in line]
    assert len(warnings) == 2
    assert "above Lambda's 50 MB limit" in warnings[0]
    assert "above Lambda's 250 MB limit" in warnings[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "gcc"], "--dependencies needs --builder docker"),
        (["--image", "python:3.12"], "--image needs --builder docker"),
        (["--python", "2.7"], "'2.7' is not one of '3.11', '3.12', '3.13'"),
        (["--arch", "sparc"], "'sparc' is not one of 'x86_64', 'arm64'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    service: Path, args: list[str], message: str
) -> None:
    """Options that do not fit together or take no such value: exit status 2."""
    from fleece.cli import cli

    result = CliRunner().invoke(cli, ["build", str(service), *args])

    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ")
    assert message in line


def test_fleece_build_runs_as_a_real_command(service: Path, tmp_path: Path) -> None:
    """The ``fleece`` console script builds the zip and exits 0; errors exit 1."""
    fleece = Path(sys.executable).with_name("fleece")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "CIRCLE_SHA1": "deadbeef"}

    ok = subprocess.run(
        [fleece, "build", service, "--inject-build-info", "-e", "tests"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    missing = subprocess.run(
        [fleece, "build", tmp_path / "nowhere"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"Built {service / 'dist' / 'lambda_function.zip'}: ")
    assert "config.json" in zip_names(service / "dist" / "lambda_function.zip")
    assert missing.returncode == 1
    assert [f"Error: service directory {tmp_path / 'nowhere'} does not exist"] == (
        missing.stderr.splitlines()
    )


def test_fleece_group_lists_and_runs_build(service: Path) -> None:
    """``fleece --help`` lists build; ``fleece build`` through the group works."""
    from fleece.cli import cli

    runner = CliRunner()
    listed = runner.invoke(cli, ["--help"])
    built = runner.invoke(cli, ["build", str(service)])

    assert "build" in listed.output
    assert built.exit_code == 0, built.output
    assert (service / "dist" / "lambda_function.zip").is_file()


def test_importing_the_build_command_loads_no_heavy_library() -> None:
    """``fleece build``'s module imports neither docker, boto3, yaml nor requests."""
    loaded = modules_imported_by("fleece.cli._build._command")

    assert set() == {"docker", "boto3", "botocore", "yaml", "requests"} & loaded


# ---------------------------------------------------------------------------------
# Bytecode: the tests that look at real bytecode build for the Python running them
# (the only one surely here); the others for 3.12, which PATH does not offer.

#: PATH as the tests found it, before build_env replaced it.
ORIGINAL_PATH = os.environ.get("PATH", os.defpath)
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
TAG = sys.implementation.cache_tag
PURE_REQUIREMENTS = "tinyhello==1.0\n"


@pytest.fixture
def pure_service(service: Path) -> Path:
    """The service with pure-Python requirements only: they install for any Python."""
    (service / "src" / "requirements.txt").write_text(PURE_REQUIREMENTS)
    (service / "src" / "handler.py").write_text(
        "import tinyhello\nfrom app import logic\n\n\n"
        "def handler(event, context):\n"
        "    return {'greeting': tinyhello.GREETING, 'value': logic.VALUE}\n"
    )
    return service


def pyc_header(data: bytes) -> tuple[bytes, int, bytes]:
    """Return the magic number, the PEP 552 flags and the source hash of a .pyc."""
    return data[:4], int.from_bytes(data[4:8], "little"), data[8:16]


def test_build_for_a_python_at_hand_packs_unchecked_hash_bytecode_of_every_module(
    pure_service: Path,
) -> None:
    """Each .py, dependency or source, has a .pyc of the target Python beside it in
    __pycache__, hash-based and unchecked (flags 0b01), whose hash is its source's;
    the sources stay; the summary says the zip has bytecode."""
    import importlib.util

    result = run_build(pure_service, "--python", RUNNING)

    assert result.exit_code == 0, result.output
    zip_path = pure_service / "dist" / "lambda_function.zip"
    names = zip_names(zip_path)
    modules = [name for name in names if name.endswith(".py")]
    compiled = [name for name in names if name.endswith(".pyc")]
    assert "tinydep/__init__.py" in modules
    assert "app/logic.py" in modules
    expected = sorted(
        (f"{folder}/" if folder else "") + f"__pycache__/{module[:-3]}.{TAG}.pyc"
        for folder, _, module in (name.rpartition("/") for name in modules)
    )
    assert expected == sorted(compiled)
    with zipfile.ZipFile(zip_path) as archive:
        for name in compiled:
            folder, _, file_name = name.rpartition("__pycache__/")
            source = archive.read(folder + file_name.split(".")[0] + ".py")
            magic, flags, source_hash = pyc_header(archive.read(name))
            assert (magic, flags) == (importlib.util.MAGIC_NUMBER, 0b01), name
            assert importlib.util.source_hash(source) == source_hash, name
    assert result.stdout.splitlines()[0].endswith(" bytes unzipped, with bytecode")
    assert "Bytecode skipped" not in result.stderr


def test_unpacked_zip_runs_the_packed_bytecode_read_only_without_compiling(
    pure_service: Path, tmp_path: Path
) -> None:
    """Unpacked read-only as in /var/task, with PYTHONDONTWRITEBYTECODE=1, a fresh
    interpreter runs the packed bytecode: a source altered after the build is not
    even read (unchecked-hash), nothing is written, and the code names its file as
    Lambda will see it (/var/task/...), not the build's staging folder."""
    run_build(pure_service, "--python", RUNNING)
    task = tmp_path / "task"
    with zipfile.ZipFile(pure_service / "dist" / "lambda_function.zip") as archive:
        archive.extractall(task)
    (task / "app" / "logic.py").write_text("VALUE = 'edited after the build'\n")
    (task / "tinydep" / "__init__.py").write_text("DEP = 'edited'\n")
    before = sorted(path.relative_to(task) for path in task.rglob("*"))
    for path in [task, *task.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    script = (
        "import json, marshal, handler\n"
        "cached = handler.logic.__cached__\n"
        "with open(cached, 'rb') as pyc:\n"
        "    code = marshal.loads(pyc.read()[16:])\n"
        "print(json.dumps([handler.handler({}, None), code.co_filename]))\n"
    )
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-I",
                "-c",
                f"import sys; sys.path.insert(0, '.')\n{script}",
            ],
            cwd=task,
            env={"PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
            check=False,
        )
        after = sorted(path.relative_to(task) for path in task.rglob("*"))
    finally:
        for path in [task, *task.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [
        {"greeting": "hi dep", "value": 42},
        "/var/task/app/logic.py",
    ]
    assert before == after


def test_builds_with_bytecode_are_byte_identical_wherever_they_run(
    pure_service: Path, tmp_path: Path
) -> None:
    """The same service built from another folder, and again with --rebuild (a new
    install and compile in another temporary folder), gives the same bytes."""
    moved = tmp_path / "elsewhere" / "service"
    shutil.copytree(pure_service, moved)

    run_build(pure_service, "--python", RUNNING)
    run_build(moved, "--python", RUNNING, "--rebuild")
    first = (pure_service / "dist" / "lambda_function.zip").read_bytes()
    run_build(pure_service, "--python", RUNNING, "--rebuild")

    assert first == (moved / "dist" / "lambda_function.zip").read_bytes()
    assert first == (pure_service / "dist" / "lambda_function.zip").read_bytes()
    assert f"__pycache__/handler.{TAG}.pyc" in zip_names(
        pure_service / "dist" / "lambda_function.zip"
    )


def test_bytecode_is_part_of_the_dependency_cache_key(
    pure_service: Path, fresh_cache: Path
) -> None:
    """A layer cached without bytecode is not reused for a build with it."""
    run_build(pure_service, "--python", RUNNING, "--no-compile")

    compiled = run_build(pure_service, "--python", RUNNING)

    assert "Installing dependencies" in compiled.stderr
    assert f"tinydep/__pycache__/__init__.{TAG}.pyc" in zip_names(
        pure_service / "dist" / "lambda_function.zip"
    )


def test_no_compile_packs_no_bytecode_and_says_nothing_about_it(
    pure_service: Path,
) -> None:
    """--no-compile: no .pyc even with the interpreter at hand, no bytecode line."""
    result = run_build(pure_service, "--python", RUNNING, "--no-compile")

    assert result.exit_code == 0, result.output
    names = zip_names(pure_service / "dist" / "lambda_function.zip")
    assert [name for name in names if name.endswith(".pyc")] == []
    assert "ytecode" not in result.output


def test_without_an_interpreter_of_the_target_python_the_zip_has_no_bytecode(
    service: Path,
) -> None:
    """No Python 3.12 here: one line says bytecode was skipped, why and how to get
    it; the zip is built without bytecode, exit 0."""
    result = run_build(service)

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == NO_PYTHON_312
    names = zip_names(service / "dist" / "lambda_function.zip")
    assert [name for name in names if name.endswith(".pyc")] == []
    assert not result.stdout.splitlines()[0].endswith("with bytecode")


def test_compile_without_an_interpreter_is_a_usage_error_before_any_work(
    service: Path, fresh_cache: Path
) -> None:
    """--compile with no Python 3.12 here: one line, exit 2, nothing installed or
    written."""
    from fleece.cli import cli

    result = CliRunner().invoke(cli, ["build", str(service), "--compile"])

    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: --compile: no Python 3.12 interpreter on this ")
    assert f"build for a version you have (--python {RUNNING})" in line
    assert not (service / "dist").exists()
    assert not fresh_cache.exists()


def test_a_python_on_path_that_is_not_the_target_version_is_not_used(
    pure_service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A python3.12 that is another Python, and a python3.13 that fails (as a pyenv
    shim of an inactive version does), are not taken for those versions."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3.12").symlink_to(sys.executable)
    shim = bin_dir / "python3.13"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\n"
                    "exit 127\n")  # fmt: skip
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    results = {
        version: run_build(pure_service, "--python", version)
        for version in ("3.12", "3.13")
    }

    for version, result in results.items():
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith(
            f"Bytecode skipped: no Python {version} interpreter on this machine"
        )
    names = zip_names(pure_service / "dist" / "lambda_function.zip")
    assert [name for name in names if name.endswith(".pyc")] == []


def test_uv_discovery_never_downloads_a_python(
    service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With uv on PATH and downloads allowed by the environment, a build for a
    Python this machine lacks downloads none: uv's Python folder stays empty."""
    uv = shutil.which("uv", path=ORIGINAL_PATH)
    if uv is None:
        pytest.skip("uv is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "uv").symlink_to(uv)
    pythons = tmp_path / "uv-pythons"
    pythons.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(pythons))
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "automatic")

    result = run_build(service)

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == NO_PYTHON_312
    assert list(pythons.iterdir()) == []


def test_a_source_replacing_a_dependency_module_replaces_its_bytecode_too(
    pure_service: Path, tmp_path: Path
) -> None:
    """The dependency's bytecode would win over the source (it is unchecked): the
    zip holds the source's; a source that does not compile has none (not the
    dependency's), and the build still succeeds."""
    write_tree(
        pure_service,
        {
            "src/tinydep/__init__.py": "DEP = 'patched'\n",
            "src/tinyhello/__init__.py": "def (:\n",
        },
    )

    result = run_build(pure_service, "--python", RUNNING)

    assert result.exit_code == 0, result.output
    task = tmp_path / "task"
    with zipfile.ZipFile(pure_service / "dist" / "lambda_function.zip") as archive:
        archive.extractall(task)
        names = archive.namelist()
    assert "tinyhello/__init__.py" in names
    assert f"tinyhello/__pycache__/__init__.{TAG}.pyc" not in names
    # Edited so that only the packed bytecode can answer 'patched'.
    (task / "tinydep" / "__init__.py").write_text("DEP = 'edited'\n")
    completed = subprocess.run(
        [sys.executable, "-c", "import tinydep; print(tinydep.DEP)"],
        cwd=task,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout == "patched\n"


# ---------------------------------------------------------------------------------
# What Lambda's runtime provides: boto3, botocore, s3transfer (stand-in wheels).

RUNTIME_FOLDERS = ("boto3", "botocore", "s3transfer")


def packed_distributions(zip_path: Path) -> set[str]:
    """Return the top-level folders of the zip at ``zip_path``."""
    return {name.split("/")[0] for name in zip_names(zip_path) if "/" in name}


def test_runtime_packages_are_left_out_and_the_summary_says_why(
    service: Path,
) -> None:
    """A dependency on boto3 brings boto3, botocore and s3transfer: none is packed
    (files, dist-info, bytecode), their own dependencies are, and the summary says
    what was left out and why."""
    (service / "src" / "requirements.txt").write_text("tinyawsclient\n")

    result = run_build(service, "--python", RUNNING)

    assert result.exit_code == 0, result.output
    zip_path = service / "dist" / "lambda_function.zip"
    folders = packed_distributions(zip_path)
    assert {"tinyawsclient", "tinyjmes", "tinyjmes-1.0.dist-info"} <= folders
    assert [name for name in folders if name.startswith(RUNTIME_FOLDERS)] == []
    [built, left_out] = result.stdout.splitlines()
    assert built.startswith(f"Built {zip_path}: ")
    assert left_out.startswith("Left out boto3 1.0, botocore 1.0, s3transfer 1.0 (")
    assert left_out.endswith(
        " unzipped): the Lambda Python runtime provides them "
        "(--include-runtime-packages packs them)."
    )


def test_include_runtime_packages_packs_them_with_their_bytecode(
    service: Path,
) -> None:
    """--include-runtime-packages packs boto3, botocore and s3transfer, compiled
    (a layer made without them compiled is not reused), and says so."""
    (service / "src" / "requirements.txt").write_text("tinyawsclient\n")
    run_build(service, "--python", RUNNING)

    result = run_build(service, "--include-runtime-packages", "--python", RUNNING)

    assert result.exit_code == 0, result.output
    zip_path = service / "dist" / "lambda_function.zip"
    folders = packed_distributions(zip_path)
    assert {"boto3", "botocore", "s3transfer", "boto3-1.0.dist-info"} <= folders
    assert f"boto3/__pycache__/session.{TAG}.pyc" in zip_names(zip_path)
    assert result.stdout.splitlines()[1] == (
        "Packed boto3 1.0, botocore 1.0, s3transfer 1.0 (--include-runtime-packages)."
    )


@pytest.mark.parametrize(
    "requirements",
    ["boto3==1.0\n", "-r base.txt\n", "Botocore[crt] >= 1 ; python_version > '3'\n"],
)
def test_requirements_that_name_a_runtime_package_get_it_packed(
    service: Path, requirements: str
) -> None:
    """The service asked for that version (directly, in an included file, any
    spelling): the three are packed, and the summary says why."""
    write_tree(
        service,
        {"src/requirements.txt": requirements, "src/base.txt": "tinydep\nBOTO3\n"},
    )
    if "otocore" in requirements:
        (service / "src" / "requirements.txt").write_text("botocore==1.0\nboto3\n")

    result = run_build(service)

    assert result.exit_code == 0, result.output
    folders = packed_distributions(service / "dist" / "lambda_function.zip")
    assert {"boto3", "botocore", "s3transfer"} <= folders
    summary = result.stdout.splitlines()[1]
    assert summary.startswith(
        "Packed boto3 1.0, botocore 1.0, s3transfer 1.0: requirements.txt names "
    )
    assert summary.endswith(
        ", so its version wins over the one the Lambda Python runtime provides."
    )


def test_bad_build_input_through_the_command_is_one_line_without_traceback(
    service: Path, tmp_path: Path
) -> None:
    """The real ``fleece`` command: --compile without the interpreter exits 2, an
    unknown option exits 2, a build failure exits 1; each is one line."""
    fleece = Path(sys.executable).with_name("fleece")
    (service / "src" / "requirements.txt").write_text("nosuchpackage\n")

    def fleece_build(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [fleece, "build", service, *args],
            capture_output=True,
            text=True,
            check=False,
        )

    no_python = fleece_build("--compile")
    unknown = fleece_build("--compile-all")
    failed = fleece_build("--include-runtime-packages", "--no-compile")

    assert [no_python.returncode, unknown.returncode, failed.returncode] == [2, 2, 1]
    for completed in (no_python, unknown):
        [line] = completed.stderr.splitlines()
        assert line.startswith("Error: ")
    assert failed.stderr.splitlines()[-1].startswith(
        "Error: no Linux wheel of nosuchpackage"
    )
    assert "Traceback" not in no_python.stderr + unknown.stderr + failed.stderr


def test_zip_built_with_pip_runs_under_lambdas_runtime_interface_client(
    tmp_path: Path, lambda_runtime: Callable[..., LambdaRuntime]
) -> None:
    """The zip, unpacked read-only beside only the runtime's packages, answers an
    event through awslambdaric: its dependencies come from the zip, boto3 from the
    runtime."""
    service = tmp_path / "service"
    write_tree(
        service,
        {
            "src/handler.py": (
                "import boto3, tinyhello\n\n\n"
                "def handler(event, context):\n"
                "    return {'greeting': tinyhello.GREETING, 'name': event['name'],\n"
                "            'from_zip': tinyhello.__file__.startswith(\n"
                "                __file__.rsplit('/', 1)[0]),\n"
                "            'boto3_from_zip': boto3.__file__.startswith(\n"
                "                __file__.rsplit('/', 1)[0])}\n"
            ),
            "src/requirements.txt": "tinyhello==1.0\n",
        },
    )
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert run_build(service, "--python", python).exit_code == 0

    runtime = lambda_runtime(
        service / "dist" / "lambda_function.zip", "handler.handler"
    )
    invocation = runtime.invoke({"name": "Rex"})

    assert runtime.init_error is None
    assert invocation.error is None
    assert invocation.result == {
        "greeting": "hi dep",
        "name": "Rex",
        "from_zip": True,
        "boto3_from_zip": False,
    }


EXTENSION = Path(yaml_extension.__file__)
"""A real extension module with its debug sections: PyYAML's, as its wheel has it."""


@pytest.fixture
def extension_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: Path
) -> Path:
    """A service whose one requirement ships an unstripped extension module."""
    house = tmp_path / "extension-wheelhouse"
    house.mkdir()
    make_wheel(
        house,
        "tinyext",
        "1.0",
        "py3-none-any",
        {
            "tinyext/__init__.py": "",
            f"tinyext/{EXTENSION.name}": EXTENSION.read_bytes(),
        },
    )
    monkeypatch.setenv("PIP_FIND_LINKS", str(house))
    root = tmp_path / "ext-service"
    write_tree(root, {"src/handler.py": "", "src/requirements.txt": "tinyext\n"})
    return root


def _with_strip_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    strip = shutil.which("strip", path=os.defpath)
    if strip is None:
        pytest.skip("binutils' strip is not installed")
    folder = tmp_path / "strip-tools"
    folder.mkdir()
    (folder / "strip").symlink_to(strip)
    monkeypatch.setenv("PATH", f"{os.environ['PATH']}{os.pathsep}{folder}")


def test_extension_modules_are_packed_without_their_debug_information(
    extension_service: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The packed module is much smaller, has no debug sections, still imports, and
    its RECORD row names its new hash and size; the summary says how much went."""
    _with_strip_on_path(monkeypatch, tmp_path)
    result = run_build(extension_service, "--python", "3.11", "--no-compile")

    assert result.exit_code == 0, result.output
    zip_path = extension_service / "dist" / "lambda_function.zip"
    with zipfile.ZipFile(zip_path) as archive:
        packed = archive.read(f"tinyext/{EXTENSION.name}")
        record = archive.read("tinyext-1.0.dist-info/RECORD").decode()
        archive.extractall(tmp_path / "unzipped")
    original = EXTENSION.read_bytes()
    assert b".debug_info" in original
    assert b".debug_info" not in packed
    assert len(packed) < len(original) / 2
    digest = base64.urlsafe_b64encode(hashlib.sha256(packed).digest()).rstrip(b"=")
    assert f"tinyext/{EXTENSION.name},sha256={digest.decode()},{len(packed)}" in (
        record.splitlines()
    )
    saved = (len(original) - len(packed)) / 1e6
    assert result.stdout.splitlines()[1:] == [
        f"Stripped the debug information of 1 extension module ({saved:.1f} MB less "
        "unzipped; --no-strip keeps it)."
    ]
    module = f"tinyext.{EXTENSION.name.split('.')[0]}"
    completed = subprocess.run(
        [sys.executable, "-c", f"import {module} as m; print(m.get_version_string())"],
        env={**os.environ, "PYTHONPATH": str(tmp_path / "unzipped")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == yaml_extension.get_version_string()


def test_no_strip_keeps_the_debug_information(
    extension_service: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """--no-strip packs the module byte for byte, and says nothing of it."""
    _with_strip_on_path(monkeypatch, tmp_path)
    result = run_build(
        extension_service, "--python", "3.11", "--no-compile", "--no-strip"
    )

    assert result.exit_code == 0, result.output
    zip_path = extension_service / "dist" / "lambda_function.zip"
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.read(f"tinyext/{EXTENSION.name}") == EXTENSION.read_bytes()
    assert len(result.stdout.splitlines()) == 1


def test_without_strip_on_path_the_summary_says_how_to_get_it(
    extension_service: Path,
) -> None:
    """No strip on PATH: the module is packed as it is, and one line says why;
    --no-strip then says nothing, even with that layer cached."""
    result = run_build(extension_service, "--python", "3.11", "--no-compile")
    silenced = run_build(
        extension_service, "--python", "3.11", "--no-compile", "--no-strip"
    )

    assert result.exit_code == 0, result.output
    zip_path = extension_service / "dist" / "lambda_function.zip"
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.read(f"tinyext/{EXTENSION.name}") == EXTENSION.read_bytes()
    assert result.stdout.splitlines()[1:] == [
        "Extension modules packed with their debug information: no 'strip' on PATH "
        "(install binutils for a smaller zip; --no-strip silences this)."
    ]
    assert silenced.exit_code == 0, silenced.output
    assert len(silenced.stdout.splitlines()) == 1
