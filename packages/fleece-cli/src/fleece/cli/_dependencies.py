"""Importing optional packages with a one-line "install this" error when absent."""

from __future__ import annotations

import importlib
from types import ModuleType

from fleece.cli._errors import MissingDependencyError

# Import names whose distribution on the package index has another name.
_DISTRIBUTION_OF_MODULE = {
    "yaml": "pyyaml",
    "fleece.boto3": "fleece-boto",
    "fleece.requests": "fleece-requests",
    "fleece.log": "fleece-log",
    "fleece.xray": "fleece-xray",
    "fleece.connexion": "fleece-connexion",
}


def distribution_for_module(module: str) -> str:
    """Return the name to ``pip install`` for an importable module name.

    Args:
        module: a dotted module name, e.g. ``"yaml"`` or ``"docker.errors"``.

    Returns:
        The distribution name, e.g. ``"pyyaml"`` or ``"docker"``.
    """
    parts = module.split(".")
    key = ".".join(parts[:2]) if parts[0] == "fleece" else parts[0]
    return _DISTRIBUTION_OF_MODULE.get(key, key.replace("_", "-"))


def import_required(module: str, *, feature: str) -> ModuleType:
    """Import ``module``, or explain in one line which package to install.

    Args:
        module: the module to import, e.g. ``"docker"``.
        feature: what needs it, for the message, e.g. ``"fleece build"``.

    Returns:
        The imported module.

    Raises:
        MissingDependencyError: the module (or one it imports) is not installed.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        missing = error.name or module
        raise MissingDependencyError(
            missing, package=distribution_for_module(missing), feature=feature
        ) from None
