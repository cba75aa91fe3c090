"""Importing fleece.connexion stays light."""

from __future__ import annotations

from fleece.testing import modules_imported_by

HEAVY = {
    "connexion",
    "flask",
    "werkzeug",
    "starlette",
    "uvicorn",
    "jsonschema",
    "yaml",
    "boto3",
    "requests",
}


def test_importing_fleece_connexion_does_not_import_connexion() -> None:
    """connexion, its stack and asyncio load when first used, not on import."""
    assert set() == (HEAVY | {"asyncio"}) & modules_imported_by("fleece.connexion")
