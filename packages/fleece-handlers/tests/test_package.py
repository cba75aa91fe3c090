"""The leaves fleece-handlers ships, their import cost, and the 1.x import paths."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from fleece.testing import modules_imported_by

HEAVY = {
    # Loaded when first needed: the event loop by the first ASGI event, logging by
    # the first error, http by the first reason phrase.
    "asyncio",
    "logging",
    "http",
    "connexion",
    "fastapi",
    "flask",
    "starlette",
    "werkzeug",
    "http.server",
    "fleece.log",
}


@pytest.mark.parametrize(
    "leaf",
    [
        "fleece.handlers",
        "fleece.handlers.wsgi",
        "fleece.handlers.asgi",
        "fleece.httperror",
    ],
)
def test_leaf_imports_documented_and_fleece_stays_a_namespace(leaf: str) -> None:
    """The module imports, documents itself, and fleece has no __init__ file."""
    import fleece

    module = importlib.import_module(leaf)

    assert module.__doc__
    assert fleece.__file__ is None


@pytest.mark.parametrize("leaf", ["fleece.handlers", "fleece.httperror"])
def test_importing_the_leaf_loads_no_framework_and_no_event_loop(leaf: str) -> None:
    """Standard library only, and only what every event needs."""
    assert set() == HEAVY & modules_imported_by(leaf)


def test_1x_connexion_path_says_what_to_install_when_fleece_connexion_is_absent() -> (
    None
):
    """Without fleece-connexion the import fails with a one-line pip hint."""
    script = (
        "import sys\n"
        "sys.modules['fleece.connexion'] = None\n"
        "import fleece.handlers.connexion\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 1
    last_line = completed.stderr.strip().splitlines()[-1]
    assert last_line == (
        "ModuleNotFoundError: fleece.handlers.connexion needs fleece-connexion: "
        "pip install fleece-connexion"
    )
