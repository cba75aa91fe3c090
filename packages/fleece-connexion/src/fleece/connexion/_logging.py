"""The logger errors go to: the caller's, else the app's, else fleece's own."""

from __future__ import annotations

import contextvars
import functools

# Re-exported: the connexion modules name the logger type from here.
from fleece.handlers._logging import Logger as Logger

current_logger: contextvars.ContextVar[Logger | None] = contextvars.ContextVar(
    "fleece_connexion_logger", default=None
)
"""The logger passed to the call being served, seen by the app's error handlers."""


@functools.cache
def default_logger() -> Logger:
    """Return fleece's ``fleece.connexion`` logger (it leaves root's handlers alone)."""
    from fleece.log import get_logger

    return get_logger("fleece.connexion", clobber_root_handler=False)
