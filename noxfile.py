"""Sessions for the fleece monorepo; `nox` alone runs what CI runs.

Every distribution in packages/* gets its own parametrised sessions, so each one is
tested in a venv holding only that dist, its declared dependencies and its test tools:
the shared workspace venv would hide an undeclared import.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["repo", "lint", "typing", "tests", "build", "isolation", "demo"]

ROOT = Path(__file__).parent
PACKAGES = ROOT / "packages"
DIST_DIR = ROOT / "dist"


def _read_toml(path: Path) -> dict:
    with path.open("rb") as file:
        return tomllib.load(file)


# Every distribution is a folder of packages/ with a pyproject.toml; a folder's name
# need not be its distribution's (packages/fleece-cli publishes fleece-command), so
# everything below speaks of distribution names and looks folders up here.
FOLDERS = {
    _read_toml(path / "pyproject.toml")["project"]["name"]: path
    for path in sorted(PACKAGES.iterdir())
    if (path / "pyproject.toml").is_file()
}
DISTS = sorted(FOLDERS)
LIBRARIES = [dist for dist in DISTS if (FOLDERS[dist] / "src").is_dir()]
_NAME = re.compile(r"^[A-Za-z0-9._-]+")


def _pyproject(dist: str) -> dict:
    return _read_toml(FOLDERS[dist] / "pyproject.toml")


def _requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return match.group(0).lower().replace("_", "-")


def _dist_requirements(dist: str, *, extras: bool = True) -> list[str]:
    project = _pyproject(dist)["project"]
    requirements = list(project.get("dependencies", []))
    if extras:
        for values in project.get("optional-dependencies", {}).values():
            requirements += values
    return requirements


def _siblings(requirements: list[str]) -> set[str]:
    """The fleece dists named by ``requirements``, with their own fleece deps."""
    found: set[str] = set()
    pending = [_requirement_name(r) for r in requirements]
    while pending:
        name = pending.pop()
        if name in DISTS and name not in found:
            found.add(name)
            pending += [_requirement_name(r) for r in _dist_requirements(name)]
    return found


def _test_requirements(dist: str) -> list[str]:
    return list(_pyproject(dist).get("dependency-groups", {}).get("test", []))


def _install_local(session: nox.Session, dists: set[str], others: list[str]) -> None:
    """Install fleece dists from their folders and everything else from the index.

    One command, so the resolver never looks a fleece sibling up on the index.
    """
    folders = [str(FOLDERS[name]) for name in sorted(dists)]
    session.install(*folders, *others)


@nox.session
def repo(session: nox.Session) -> None:
    """Check the layout, and run the README's examples against local stand-ins."""
    # nox: the layout test runs the bump session on a copy of the repository.
    # connexion[uvicorn] is fleece-connexion[server]: the 1.x README's app.run(8080).
    _install_local(
        session,
        set(LIBRARIES),
        [
            "pytest>=8.3",
            "pytest-timeout>=2.3",
            "nox>=2025.2.9",
            "connexion[uvicorn]>=3.1,<4",
            *_group("demo"),
        ],
    )
    session.run("pytest", "tests", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff format --check and ruff check over the whole tree."""
    session.install("ruff>=0.17,<0.18")  # its formatting changes between minors
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict on each dist's sources, with every dist installed."""
    session.install(
        "mypy>=1.15", "types-requests", "types-PyYAML", "pytest>=8.3", "hypothesis"
    )
    _install_local(session, set(LIBRARIES), [])
    for dist in LIBRARIES:
        session.run("mypy", "--strict", str(FOLDERS[dist] / "src" / "fleece"))


@nox.session
@nox.parametrize("dist", DISTS, ids=DISTS)
def tests(session: nox.Session, dist: str) -> None:
    """A dist's tests in a venv with only that dist, its deps and its test tools."""
    requirements = _dist_requirements(dist) + _test_requirements(dist)
    local = {dist} | _siblings(requirements)
    others = [r for r in requirements if _requirement_name(r) not in DISTS]
    _install_local(session, local, others)
    session.run(
        "pytest",
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(ROOT),
        "-p",
        "no:cacheprovider",
        str(FOLDERS[dist] / "tests"),
        *session.posargs,
    )


@nox.session
def build(session: nox.Session) -> None:
    """Wheels and sdists of every dist into dist/."""
    shutil.rmtree(DIST_DIR, ignore_errors=True)
    for dist in DISTS:
        session.run(
            "uv", "build", "--quiet", "--out-dir", str(DIST_DIR), str(FOLDERS[dist]),
            external=True,
        )  # fmt: skip


@nox.session
@nox.parametrize("dist", DISTS, ids=DISTS)
def isolation(session: nox.Session, dist: str) -> None:
    """Install a dist's built wheel outside the checkout and import it."""
    wheels = Path(session.create_tmp()) / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    local = {dist} | _siblings(_dist_requirements(dist, extras=False))
    for name in sorted(local):
        session.run(
            "uv", "build", "--quiet", "--wheel", "--out-dir", str(wheels),
            str(FOLDERS[name]), external=True,
        )  # fmt: skip
    session.install(*(str(path) for path in sorted(wheels.glob("*.whl"))))
    leaves = [
        "fleece." + path.name
        for name in sorted(local)
        for path in (FOLDERS[name] / "src" / "fleece").glob("*")
        if path.is_dir()
    ]
    probe = (
        "import importlib, sys, fleece\n"
        f"leaves = {leaves!r}\n"
        "for leaf in leaves:\n"
        "    module = importlib.import_module(leaf)\n"
        "    assert 'site-packages' in module.__file__, module.__file__\n"
        "assert fleece.__file__ is None, fleece.__file__\n"
        "print('imported', ', '.join(leaves) or 'nothing', 'from the wheels')\n"
    )
    # Outside the checkout and with -I, only the installed wheels can be imported.
    session.chdir(tempfile.mkdtemp(prefix="fleece-isolation-"))
    session.run("python", "-I", "-c", probe)


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark script; each prints fleece against its peer."""
    _install_local(session, set(LIBRARIES), _group("bench") + _group("dev", "moto"))
    # _name.py files are helpers shared by the scripts, not benchmarks.
    scripts = sorted((ROOT / "benchmarks").glob("[!_]*.py"))
    selected = session.posargs or [script.stem for script in scripts]
    for script in scripts:
        if script.stem in selected:
            session.run("python", str(script))


@nox.session
def demo(session: nox.Session) -> None:
    """Run the example service on every event shape against local stand-ins."""
    script = ROOT / "examples" / "petstore" / "demo.py"
    if not script.exists():
        session.skip("examples/petstore is not there yet")
    _install_local(session, set(LIBRARIES), _group("demo"))
    session.run("python", str(script), *session.posargs)


@nox.session(venv_backend="none")
def bump(session: nox.Session) -> None:
    """Set every dist's version and sibling pins: ``nox -s bump -- X.Y.Z``."""
    if len(session.posargs) != 1 or not re.fullmatch(
        r"\d+\.\d+\.\d+", session.posargs[0]
    ):
        session.error("usage: nox -s bump -- X.Y.Z")
    version = session.posargs[0]
    names = "|".join(re.escape(name) for name in DISTS)
    for dist in DISTS:
        path = FOLDERS[dist] / "pyproject.toml"
        text = re.sub(
            r'(?m)^version = "[^"]+"', f'version = "{version}"', path.read_text()
        )
        text = re.sub(rf'"({names})==[^"]+"', rf'"\1=={version}"', text)
        path.write_text(text)
    session.log(f"every dist is now {version}; run `uv lock`")


def _group(name: str, only: str | None = None) -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        group = tomllib.load(file)["dependency-groups"].get(name, [])
    return [
        r
        for r in group
        if _requirement_name(r) not in DISTS
        and (only is None or _requirement_name(r) == only)
    ]
