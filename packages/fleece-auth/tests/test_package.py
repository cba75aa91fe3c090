"""Both leaves import from the fleece namespace, lightly."""

from __future__ import annotations

import importlib

import pytest

from fleece.testing import modules_imported_by


@pytest.mark.parametrize("leaf", ["fleece.authpolicy", "fleece.raxauth"])
def test_leaf_imports_from_the_fleece_namespace(leaf: str) -> None:
    """The leaf imports, documents itself, and fleece stays a namespace package."""
    import fleece

    module = importlib.import_module(leaf)

    assert module.__doc__
    assert fleece.__file__ is None


@pytest.mark.parametrize("leaf", ["fleece.authpolicy", "fleece.raxauth"])
def test_importing_a_leaf_loads_no_http_stack_and_no_framework(leaf: str) -> None:
    """requests is imported by the first token check, never by the import."""
    loaded = modules_imported_by(leaf)

    heavy = {"requests", "urllib3", "flask", "connexion", "boto3", "asyncio"}
    assert heavy & loaded == set()
