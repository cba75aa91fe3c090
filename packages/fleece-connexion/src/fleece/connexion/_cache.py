"""``get_connexion_app`` and the per-process app cache."""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

from fleece.connexion._logging import Logger
from fleece.log._long_lived import built_to_last

if TYPE_CHECKING:
    from fleece.connexion._app import FleeceApp

_CacheKey = tuple[str, str, bool, bool]

_APP_CACHE: dict[_CacheKey, FleeceApp] = {}
"""Apps by (name, resolved spec path, strict_validation, validate_responses)."""
_CALL_CACHE: dict[tuple[str, str, str, bool, bool], FleeceApp] = {}
"""The same apps by the arguments as given and the working directory: no file system
look-up on a hit."""
_BUILD_LOCK = threading.RLock()
"""Held while an app is built or prepared, so that threads share one build."""


def clear_app_cache() -> None:
    """Forget every cached app: the next call builds its app again."""
    _APP_CACHE.clear()
    _CALL_CACHE.clear()


def get_ready_app(
    app_name: str,
    app_swagger_path: str | os.PathLike[str],
    strict_validation: bool,
    validate_responses: bool,
    cache_app: bool,
    logger: Logger | None,
) -> FleeceApp:
    """Return the app as :func:`get_connexion_app` does, ready to serve requests.

    Raises:
        Exception: whatever building the app raised (a bad document, an operation
            that cannot be imported); the app is then not cached.
    """
    app = get_connexion_app(
        app_name,
        app_swagger_path,
        strict_validation,
        validate_responses,
        cache_app,
        logger,
    )
    if not app.prepared:
        with _BUILD_LOCK, built_to_last(kept=cache_app):
            try:
                app.prepare()
            except BaseException:
                for stale in [k for k, cached in _APP_CACHE.items() if cached is app]:
                    del _APP_CACHE[stale]
                for given in [k for k, cached in _CALL_CACHE.items() if cached is app]:
                    del _CALL_CACHE[given]
                raise
    return app


def get_connexion_app(
    app_name: str,
    app_swagger_path: str | os.PathLike[str],
    strict_validation: bool = True,
    validate_responses: bool = True,
    cache_app: bool = True,
    logger: Logger | None = None,
) -> FleeceApp:
    """Return the connexion ``FlaskApp`` serving an OpenAPI 2 or 3 document.

    The app is built once per process for each (name, resolved path, flags); later
    calls return it. ``get_connexion_app("myapi", "swagger.yml").run(8080)`` serves
    it locally.

    Args:
        app_name: the application's name.
        app_swagger_path: the OpenAPI document, absolute or relative to the working
            directory.
        strict_validation: reject query/form parameters the document does not name.
        validate_responses: check responses against the document.
        cache_app: False builds a new app, and does not cache it.
        logger: where errors are logged (a fleece or stdlib logger); None for
            fleece's ``fleece.connexion`` logger. The call that builds the app sets
            it; the ``logger`` given to ``call_api`` wins for that call.

    Returns:
        The app (a ``connexion.FlaskApp``).

    Raises:
        TypeError: ``app_name`` is not a string.
        FileNotFoundError: the document does not exist.
    """
    spec = os.fspath(app_swagger_path)
    # A relative path means something else in another working directory.
    cwd = "" if spec.startswith("/") else os.getcwd()
    key = (app_name, spec, cwd, strict_validation, validate_responses)
    if cache_app:
        app = _CALL_CACHE.get(key)
        if app is not None:
            return app
    if not isinstance(app_name, str) or not app_name:
        raise TypeError(f"app_name must be a non-empty string, got {app_name!r}")
    resolved = os.path.realpath(spec)
    if not os.path.isfile(resolved):
        raise FileNotFoundError(
            f"OpenAPI document {spec!r} not found (looked for {resolved})"
        )
    # Imported once per process: connexion's modules are kept for its life.
    with built_to_last(kept="fleece.connexion._app" not in sys.modules):
        from fleece.connexion._app import build_app

    if not cache_app:
        return build_app(
            app_name,
            resolved,
            strict_validation=strict_validation,
            validate_responses=validate_responses,
            logger=logger,
        )
    resolved_key = (app_name, resolved, strict_validation, validate_responses)
    with _BUILD_LOCK:
        app = _APP_CACHE.get(resolved_key)
        if app is None:
            # Cached, so kept for the life of the process.
            with built_to_last():
                app = build_app(
                    app_name,
                    resolved,
                    strict_validation=strict_validation,
                    validate_responses=validate_responses,
                    logger=logger,
                )
            _APP_CACHE[resolved_key] = app
        _CALL_CACHE[key] = app
    return app
