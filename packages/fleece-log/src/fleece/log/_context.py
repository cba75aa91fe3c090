"""Context shared by every logger for the current invocation, thread or task."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Never mutated in place: every change sets a new dict, so a copy of the context taken
# by an asyncio task or kept by a record cannot change under it.
_EMPTY: Mapping[str, Any] = {}
CONTEXT: ContextVar[Mapping[str, Any]] = ContextVar(
    "fleece_log_context", default=_EMPTY
)


def bind_context(**values: Any) -> None:
    """Add key/values to every line logged from now on in this context.

    The context follows contextvars: each thread starts empty, each asyncio task works
    on its own copy.

    Args:
        **values: The keys and values to add (replacing earlier values of those keys).
    """
    CONTEXT.set({**CONTEXT.get(), **values})


def unbind_context(*keys: str) -> None:
    """Remove keys from the context; keys that are not bound are ignored.

    Args:
        *keys: The keys to remove.
    """
    current = CONTEXT.get()
    if any(key in current for key in keys):
        CONTEXT.set({k: v for k, v in current.items() if k not in keys})


def clear_context() -> None:
    """Remove every key from the context."""
    CONTEXT.set(_EMPTY)
