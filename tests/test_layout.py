"""The monorepo's layout rules, checked on the files themselves."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "packages"
DISTS = sorted(p.name for p in PACKAGES.iterdir() if (p / "pyproject.toml").is_file())
LIBRARIES = [d for d in DISTS if (PACKAGES / d / "src").is_dir()]
META = "fleece"
EXPECTED = {
    "fleece",
    "fleece-log",
    "fleece-boto",
    "fleece-requests",
    "fleece-xray",
    "fleece-connexion",
    "fleece-handlers",
    "fleece-cli",
    "fleece-testing",
    "fleece-auth",
}


def _project(dist: str) -> dict:
    with (PACKAGES / dist / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"(fleece(?:-[a-z]+)?)==(\S+)", requirement)
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def test_every_distribution_of_the_product_is_there():
    """packages/ holds exactly the meta-package and the libraries."""
    assert set(DISTS) == EXPECTED


def test_no_fleece_init_file_exists_anywhere():
    """fleece is a PEP 420 namespace: no src/fleece/__init__.py in any dist."""
    strays = sorted(
        str(p.relative_to(ROOT)) for p in PACKAGES.glob("*/src/fleece/__init__.py")
    )
    assert strays == []


@pytest.mark.parametrize("dist", LIBRARIES)
def test_each_library_has_readme_typed_leaf_and_tests(dist):
    """A library ships a README, a py.typed leaf and its own tests/ (no __init__)."""
    package = PACKAGES / dist
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
    with (PACKAGES / dist / "pyproject.toml").open("rb") as file:
        config = tomllib.load(file)

    assert config["build-system"]["build-backend"] == "hatchling.build"
    assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/fleece"
    ]


def test_every_dist_has_the_same_version():
    """All dists move in lockstep."""
    versions = {dist: _project(dist)["version"] for dist in DISTS}

    assert set(versions.values()) == {"2.0.0"}, versions


def test_every_sibling_pin_is_exactly_the_shared_version():
    """Every fleece requirement, runtime or extra or test group, pins == the version."""
    version = _project(META)["version"]
    for dist in DISTS:
        with (PACKAGES / dist / "pyproject.toml").open("rb") as file:
            config = tomllib.load(file)
        requirements = list(config["project"].get("dependencies", []))
        for extra in config["project"].get("optional-dependencies", {}).values():
            requirements += extra
        for group in config.get("dependency-groups", {}).values():
            requirements += group
        fleece_requirements = [r for r in requirements if r.startswith("fleece")]
        for requirement in fleece_requirements:
            assert _pins([requirement]).get(requirement.split("==")[0]) == version, (
                dist,
                requirement,
            )


def test_meta_package_pins_the_core_libraries_and_offers_extras():
    """fleece depends on log/boto/requests/xray and has connexion/cli/all extras."""
    project = _project(META)
    extras = project["optional-dependencies"]

    assert _pins(project["dependencies"]) == {
        "fleece-log": "2.0.0",
        "fleece-boto": "2.0.0",
        "fleece-requests": "2.0.0",
        "fleece-xray": "2.0.0",
    }
    assert _pins(extras["connexion"]) == {"fleece-connexion": "2.0.0"}
    assert _pins(extras["handlers"]) == {"fleece-handlers": "2.0.0"}
    assert _pins(extras["cli"]) == {"fleece-cli": "2.0.0"}
    assert _pins(extras["auth"]) == {"fleece-auth": "2.0.0"}
    assert {"fleece-connexion", "fleece-handlers", "fleece-cli", "fleece-auth"} <= set(
        _pins(extras["all"])
    )
    assert not (PACKAGES / META / "src").exists()


def test_fleece_log_declares_no_runtime_dependency():
    """fleece-log is stdlib only."""
    assert _project("fleece-log").get("dependencies", []) == []


def test_workspace_lock_file_is_committed():
    """uv.lock sits at the root beside the workspace pyproject."""
    assert (ROOT / "uv.lock").is_file()
