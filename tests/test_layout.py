"""The monorepo's layout rules, checked on the files themselves.

The distributions and their version are read from packages/*, never typed here: a new
distribution is checked as soon as its folder exists.
"""

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "packages"
TAKEN_NAMES = Path(__file__).with_name("taken_names.txt")


def _noxfile() -> ModuleType:
    """The noxfile, whose FOLDERS map each distribution's name to its folder."""
    spec = importlib.util.spec_from_file_location("noxfile", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NOX = _noxfile()
# The distributions as CI sees them: a folder's name need not be its distribution's
# (packages/fleece-cli publishes fleece-command).
FOLDERS: dict[str, Path] = NOX.FOLDERS
DISTS: list[str] = NOX.DISTS
LIBRARIES: list[str] = NOX.LIBRARIES
META = "fleece"


def _read_toml(path: Path) -> dict:
    with path.open("rb") as file:
        return tomllib.load(file)


def _config(dist: str) -> dict:
    return _read_toml(FOLDERS[dist] / "pyproject.toml")


def _project(dist: str) -> dict:
    return _config(dist)["project"]


VERSION = _project(META)["version"]


def _taken_names() -> dict[str, str]:
    """Name -> holder (``ours`` or who else), from taken_names.txt."""
    taken = {}
    for line in TAKEN_NAMES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _version, holder = line.split(maxsplit=2)
            taken[name] = holder.partition(":")[0]
    return taken


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"(fleece(?:-[a-z]+)?)==(\S+)", requirement)
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def test_every_distribution_is_the_meta_package_or_a_fleece_library():
    """packages/ holds the meta-package ``fleece`` and ``fleece-*`` libraries, and
    CI's list is every folder of packages/ with a pyproject.toml."""
    folders = {p for p in PACKAGES.iterdir() if (p / "pyproject.toml").is_file()}
    assert folders == set(FOLDERS.values())
    assert {_read_toml(p / "pyproject.toml")["project"]["name"] for p in folders} == (
        set(DISTS)
    )
    assert META in DISTS
    assert [d for d in DISTS if d != META and not d.startswith("fleece-")] == []
    assert set(DISTS) - {META} == set(LIBRARIES)


def test_every_distribution_is_a_workspace_source_and_known_to_ruff_and_mypy():
    """The root pyproject resolves each dist from its folder, never from the index,
    and lists each library's src for ruff and mypy."""
    root = _read_toml(ROOT / "pyproject.toml")
    sources = root["tool"]["uv"]["sources"]
    for dist in DISTS:
        assert sources.get(dist) == {"workspace": True}, dist
    for dist in LIBRARIES:
        src = FOLDERS[dist].relative_to(ROOT).as_posix() + "/src"
        assert src in root["tool"]["ruff"]["src"], dist
        assert src + "/fleece" in root["tool"]["ruff"]["namespace-packages"], dist
        assert src in root["tool"]["mypy"]["mypy_path"], dist


def test_no_distribution_takes_a_name_someone_else_holds_on_the_index():
    """A name the package index holds for another project (taken_names.txt) could
    never resolve to ours once published: fleece-cli is a credit-card research CLI,
    so the fleece command is published as fleece-command."""
    taken = _taken_names()
    others = {name: holder for name, holder in taken.items() if holder != "ours"}

    assert "fleece-cli" in others
    assert taken["fleece"] == "ours"
    assert [(d, others[d]) for d in DISTS if d in others] == []


def test_no_fleece_init_file_exists_anywhere():
    """fleece is a PEP 420 namespace: no src/fleece/__init__.py in any dist."""
    strays = sorted(
        str(p.relative_to(ROOT)) for p in PACKAGES.glob("*/src/fleece/__init__.py")
    )
    assert strays == []


@pytest.mark.parametrize("dist", LIBRARIES)
def test_each_library_has_readme_typed_leaf_and_tests(dist):
    """A library ships a README, a py.typed leaf and its own tests/ (no __init__)."""
    package = FOLDERS[dist]
    leaves = [p for p in (package / "src" / "fleece").iterdir() if p.is_dir()]

    assert (package / "README.md").read_text().strip()
    assert leaves
    for leaf in leaves:
        assert (leaf / "__init__.py").is_file(), leaf
        assert (leaf / "py.typed").is_file(), leaf
    assert list((package / "tests").glob("test_*.py"))
    assert not (package / "tests" / "__init__.py").exists()


@pytest.mark.parametrize("dist", LIBRARIES)
def test_each_library_builds_its_src_fleece_folder_with_hatchling(dist):
    """Wheels ship src/fleece whole, so every leaf lands in the shared namespace."""
    config = _config(dist)

    assert config["build-system"]["build-backend"] == "hatchling.build"
    assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/fleece"
    ]


def test_every_dist_has_the_same_version():
    """All dists move in lockstep, at the meta-package's version."""
    versions = {dist: _project(dist)["version"] for dist in DISTS}

    assert set(versions.values()) == {VERSION}, versions


def test_every_sibling_pin_is_exactly_the_shared_version():
    """Every fleece requirement, runtime or extra or test group, pins == the version."""
    for dist in DISTS:
        config = _config(dist)
        requirements = list(config["project"].get("dependencies", []))
        for extra in config["project"].get("optional-dependencies", {}).values():
            requirements += extra
        for group in config.get("dependency-groups", {}).values():
            requirements += group
        fleece_requirements = [r for r in requirements if r.startswith("fleece")]
        for requirement in fleece_requirements:
            assert _pins([requirement]).get(requirement.split("==")[0]) == VERSION, (
                dist,
                requirement,
            )


def test_meta_package_pins_the_core_libraries_and_offers_extras():
    """fleece depends on log/boto/requests/xray and has connexion/cli/all extras."""
    project = _project(META)
    extras = project["optional-dependencies"]

    assert _pins(project["dependencies"]) == {
        "fleece-log": VERSION,
        "fleece-boto": VERSION,
        "fleece-requests": VERSION,
        "fleece-xray": VERSION,
    }
    assert _pins(extras["connexion"]) == {"fleece-connexion": VERSION}
    assert _pins(extras["cli"]) == {"fleece-command": VERSION}
    assert _pins(extras["handlers"]) == {"fleece-handlers": VERSION}
    assert _pins(extras["auth"]) == {"fleece-auth": VERSION}
    assert {
        "fleece-connexion",
        "fleece-handlers",
        "fleece-command",
        "fleece-auth",
    } <= set(_pins(extras["all"]))
    assert not (FOLDERS[META] / "src").exists()


def test_fleece_log_declares_no_runtime_dependency():
    """fleece-log is stdlib only."""
    assert _project("fleece-log").get("dependencies", []) == []


def test_workspace_lock_file_is_committed():
    """uv.lock sits at the root beside the workspace pyproject."""
    assert (ROOT / "uv.lock").is_file()


def test_bump_moves_every_distribution_and_keeps_this_layout_green(tmp_path):
    """``nox -s bump -- X.Y.Z`` on a copy of the repository sets every dist's
    version and sibling pin (fleece-command's included), and this file's checks
    pass on the result."""
    copy = tmp_path / "repo"
    ignored = shutil.ignore_patterns("__pycache__", ".venv", ".nox", "dist", "*.pyc")
    shutil.copytree(PACKAGES, copy / "packages", ignore=ignored)
    for name in ("noxfile.py", "pyproject.toml", "uv.lock"):
        shutil.copy2(ROOT / name, copy / name)
    (copy / "tests").mkdir()
    for path in (Path(__file__), TAKEN_NAMES):
        shutil.copy2(path, copy / "tests" / path.name)

    bumped = subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(copy / "noxfile.py"), "-s", "bump",
         "--", "9.8.7"],
        cwd=copy, capture_output=True, text=True, check=False,
    )  # fmt: skip
    layout = subprocess.run(
        [sys.executable, "-m", "pytest", str(copy / "tests" / "test_layout.py"),
         "-c", str(copy / "pyproject.toml"), "--rootdir", str(copy),
         "-p", "no:cacheprovider", "-q", "-k", "not bump"],
        cwd=copy, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert bumped.returncode == 0, bumped.stderr
    assert layout.returncode == 0, layout.stdout + layout.stderr
    projects = [
        tomllib.loads(path.read_text())["project"]
        for path in sorted((copy / "packages").glob("*/pyproject.toml"))
    ]
    assert {project["version"] for project in projects} == {"9.8.7"}
    meta = next(project for project in projects if project["name"] == META)
    assert "fleece-command==9.8.7" in meta["optional-dependencies"]["cli"]
