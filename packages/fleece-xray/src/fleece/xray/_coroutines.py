"""Await a coroutine inside an aws-xray-sdk subsegment, on its own entity stack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar, cast

from fleece.xray._recording import begin, end
from fleece.xray._stacks import (
    current_task_stack,
    publish_task_stack,
    run_on_stack,
    thread_stack_holder,
    withdraw_task_stack,
)

T = TypeVar("T")


class _OwnStack(Generic[T]):
    """Drives a coroutine with its own entity stack as the thread's at every step.

    Each traced coroutine sees its subsegment on top while it runs, and the thread
    sees its own stack again whenever the coroutine is suspended, so concurrent
    coroutines nest under the right parents.
    """

    __slots__ = ("coroutine", "local", "stack")

    def __init__(self, coroutine: Awaitable[T], local: Any, stack: list[Any]) -> None:
        self.coroutine = coroutine
        self.local = local
        self.stack = stack

    def __await__(self) -> Generator[Any, Any, T]:
        iterator = self.coroutine.__await__()
        send: Any = iterator.send
        argument: Any = None
        while True:
            try:
                yielded = run_on_stack(self.local, self.stack, send, argument)
            except StopIteration as stop:
                return cast(T, stop.value)
            try:
                argument = yield yielded
                send = iterator.send
            except GeneratorExit:
                iterator.close()
                raise
            except BaseException as error:
                argument = error
                send = iterator.throw


async def record_coroutine(
    recorder: Any,
    name: str,
    function: Callable[..., Awaitable[T]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    arguments: tuple[list[str], dict[str, str]] | None,
) -> T:
    """Await ``function(*args, **kwargs)`` inside a ``local`` subsegment."""
    local = thread_stack_holder(recorder)
    if local is None:
        return await _record_awaited(recorder, name, function, args, kwargs, arguments)
    inherited = current_task_stack()
    if inherited is None:
        inherited = getattr(local, "entities", None) or []
    stack = list(inherited)
    subsegment = run_on_stack(local, stack, begin, recorder, name, "local", arguments)
    if subsegment is None:
        return await function(*args, **kwargs)
    if not stack or stack[-1] is not subsegment:  # the SDK started a new context
        stack = [subsegment]
    token = publish_task_stack(stack)
    failure: BaseException | None = None
    try:
        return await _OwnStack(function(*args, **kwargs), local, stack)
    except BaseException as exception:
        failure = exception
        raise
    finally:
        withdraw_task_stack(token)
        run_on_stack(local, stack, end, recorder, subsegment, failure)


async def _record_awaited(
    recorder: Any,
    name: str,
    function: Callable[..., Awaitable[T]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    arguments: tuple[list[str], dict[str, str]] | None,
) -> T:
    subsegment = begin(recorder, name, "local", arguments)
    if subsegment is None:
        return await function(*args, **kwargs)
    failure: BaseException | None = None
    try:
        return await function(*args, **kwargs)
    except BaseException as exception:
        failure = exception
        raise
    finally:
        end(recorder, subsegment, failure)
