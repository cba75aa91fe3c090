"""The distribution to ``pip install`` for a module that is missing."""

from __future__ import annotations

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
