"""Which entity stack a traced call runs on: the thread's, or its coroutine's.

aws-xray-sdk keeps the open (sub)segments of Lambda's and its default context in a
thread-local stack. Coroutines interleaving on one thread would share and corrupt it,
so each traced coroutine runs on its own stack, swapped in for each of its steps, and
published in a context variable that the tasks it starts inherit.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING = object()


def thread_stack_holder(recorder: Any) -> Any:
    """The thread-local holder of the entity stack; None for a task-local context.

    The SDK's AsyncContext is task-local already and needs no help.
    """
    local = getattr(recorder.context, "_local", None)
    return local if isinstance(local, threading.local) else None


_task_stack: ContextVar[list[Any] | None] = ContextVar(
    "fleece_xray_task_stack", default=None
)
"""The entity stack of the traced coroutine running in this context.

Tasks copy the context they are created in, so a coroutine started with
``asyncio.gather`` or ``create_task`` inside a traced coroutine finds its parent here
even though the thread-local stack no longer shows it."""


def current_task_stack() -> list[Any] | None:
    """The entity stack of the traced coroutine this code runs under, if any."""
    return _task_stack.get()


def publish_task_stack(stack: list[Any]) -> Token[list[Any] | None]:
    """Make ``stack`` the one that tasks started from here on inherit."""
    return _task_stack.set(stack)


def withdraw_task_stack(token: Token[list[Any] | None]) -> None:
    """Undo the matching ``publish_task_stack``."""
    # A coroutine closed from another context (garbage-collected unfinished) finds
    # the context it published in gone: there is nothing left to undo.
    with contextlib.suppress(ValueError):
        _task_stack.reset(token)


def run_on_stack(
    local: Any, stack: list[Any], function: Callable[..., T], *args: Any
) -> T:
    """Call ``function(*args)`` with ``stack`` as the thread's entity stack."""
    saved = getattr(local, "entities", _MISSING)
    local.entities = stack
    try:
        return function(*args)
    finally:
        if saved is _MISSING:
            del local.entities
        else:
            local.entities = saved
