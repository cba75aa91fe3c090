"""fleece 1.x's import path for the connexion integration.

``call_api``, ``call_proxy_api``, ``get_connexion_app`` and ``FleeceApp`` live in
fleece-connexion (``fleece.connexion``); this module hands them out under their 1.x
names so that 1.x handlers keep importing them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from fleece.connexion import call_api, call_proxy_api, get_connexion_app
except ModuleNotFoundError as error:
    if error.name not in ("fleece.connexion", "fleece"):
        raise
    raise ModuleNotFoundError(
        "fleece.handlers.connexion needs fleece-connexion: "
        "pip install fleece-connexion",
        name=error.name,
    ) from error

if TYPE_CHECKING:
    from fleece.connexion._app import FleeceApp

__all__ = ["FleeceApp", "call_api", "call_proxy_api", "get_connexion_app"]


def __getattr__(name: str) -> Any:
    # FleeceApp imports connexion itself: only when a caller asks for it.
    if name == "FleeceApp":
        from fleece.connexion._app import FleeceApp

        return FleeceApp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
