"""The ``trace_xray_subsegment`` decorator."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast, overload

from fleece.xray._activity import active_recorder, preload_sdk_in_lambda
from fleece.xray._backend import choice, uses_otel
from fleece.xray._coroutines import record_coroutine
from fleece.xray._environment import BACKEND_KEY, read_env
from fleece.xray._otel import begin as otel_begin
from fleece.xray._otel import end as otel_end
from fleece.xray._otel import parent_context as otel_parent
from fleece.xray._otel import preload_in_lambda as otel_preload_in_lambda
from fleece.xray._recording import begin, end, record_call
from fleece.xray._safe import arguments_metadata, safe_name
from fleece.xray._stacks import current_task_stack

F = TypeVar("F", bound=Callable[..., Any])

_BOUND_FIRST_PARAMETERS = frozenset({"self", "cls"})


@overload
def trace_xray_subsegment(skip_args: F) -> F: ...


@overload
def trace_xray_subsegment(
    skip_args: bool = False, name: str | None = None
) -> Callable[[F], F]: ...


def trace_xray_subsegment(
    skip_args: bool | Callable[..., Any] = False, name: str | None = None
) -> Any:
    """Record each call of a function or method as an X-Ray subsegment.

    Works with and without parentheses (``@trace_xray_subsegment`` or
    ``@trace_xray_subsegment()``), on functions, methods, class and static methods
    and ``async def``. The subsegment (namespace ``local``) is named after the
    function; the call's arguments go into its ``default`` metadata as ``args`` and
    ``kwargs`` (each value's repr, cut to 1 KiB; ``self``/``cls`` left out). An
    exception marks it as a fault and propagates unchanged. Decorated calls made
    inside one another nest.

    When nothing is being traced (outside Lambda, no or an unsampled trace header)
    the function is simply called. Tracing problems never reach the caller.

    Args:
        skip_args: True to leave the arguments out (e.g. secrets, large payloads).
        name: the subsegment's name instead of the function's.

    Returns:
        The decorated function, or a decorator when called with arguments.

    Raises:
        TypeError: ``name`` is not a string, or what is decorated is not callable.
        ValueError: ``name`` has nothing X-Ray accepts in a name.
    """
    if callable(skip_args):
        return _traced(skip_args, skip_args=False, name=None)
    if name is not None:
        if not isinstance(name, str):
            raise TypeError(
                f"trace_xray_subsegment(name=...) must be a string, got {name!r}"
            )
        if not safe_name(name).strip():
            raise ValueError(
                f"trace_xray_subsegment(name={name!r}) leaves no usable subsegment "
                "name: X-Ray drops the characters ?;*()!$~^<>"
            )

    def decorator(function: F) -> F:
        return cast(F, _traced(function, skip_args=bool(skip_args), name=name))

    return decorator


def _skips_first_argument(function: Callable[..., Any]) -> bool:
    code = getattr(function, "__code__", None)
    return bool(
        code is not None
        and code.co_argcount
        and code.co_varnames[0] in _BOUND_FIRST_PARAMETERS
        and _defined_in_class(function)
    )


def _defined_in_class(function: Callable[..., Any]) -> bool:
    owner = getattr(function, "__qualname__", "").rpartition(".")[0]
    return bool(owner) and not owner.endswith("<locals>")


def _traced(function: Any, *, skip_args: bool, name: str | None) -> Any:
    if isinstance(function, classmethod | staticmethod):
        return type(function)(
            _traced(function.__func__, skip_args=skip_args, name=name)
        )
    if not callable(function):
        raise TypeError(
            "trace_xray_subsegment decorates functions and methods, "
            f"not {type(function).__name__} {function!r}"
        )
    subsegment_name = safe_name(name or str(getattr(function, "__name__", ""))) or (
        safe_name(type(function).__name__)
    )
    first = 1 if _skips_first_argument(function) else 0
    if uses_otel():
        otel_preload_in_lambda()
    else:
        preload_sdk_in_lambda()

    import inspect  # here, not at import: only decorating needs it

    # Each wrapper is the only frame tracing adds to a call (recursion depth);
    # beginning and ending a (sub)segment run beside the call, not around it.
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def traced_coroutine(*args: Any, **kwargs: Any) -> Any:
            otel = choice.otel
            if otel is None or read_env(BACKEND_KEY) is not choice.environment:
                otel = uses_otel()
            if otel:
                parent = otel_parent()
                if parent is None:
                    return await function(*args, **kwargs)
                opened = otel_begin(
                    subsegment_name,
                    parent,
                    None if skip_args else arguments_metadata(args[first:], kwargs),
                )
                try:
                    result = await function(*args, **kwargs)
                except BaseException as exception:
                    otel_end(opened, exception)
                    raise
                otel_end(opened, None)
                return result
            recorder = active_recorder()
            if recorder is None:
                return await function(*args, **kwargs)
            arguments = None if skip_args else arguments_metadata(args[first:], kwargs)
            return await record_coroutine(
                recorder, subsegment_name, function, args, kwargs, arguments
            )

        return traced_coroutine

    @functools.wraps(function)
    def traced(*args: Any, **kwargs: Any) -> Any:
        otel = choice.otel
        if otel is None or read_env(BACKEND_KEY) is not choice.environment:
            otel = uses_otel()
        if otel:
            parent = otel_parent()
            if parent is None:
                return function(*args, **kwargs)
            opened = otel_begin(
                subsegment_name,
                parent,
                None if skip_args else arguments_metadata(args[first:], kwargs),
            )
            try:
                result = function(*args, **kwargs)
            except BaseException as exception:
                otel_end(opened, exception)
                raise
            otel_end(opened, None)
            return result
        recorder = active_recorder()
        if recorder is None:
            return function(*args, **kwargs)
        arguments = None if skip_args else arguments_metadata(args[first:], kwargs)
        if current_task_stack() is not None:  # under a traced coroutine
            return record_call(
                recorder, subsegment_name, "local", function, args, kwargs,
                arguments=arguments,
            )  # fmt: skip
        subsegment = begin(recorder, subsegment_name, "local", arguments)
        if subsegment is None:
            return function(*args, **kwargs)
        try:
            result = function(*args, **kwargs)
        except BaseException as exception:
            end(recorder, subsegment, exception)
            raise
        end(recorder, subsegment, None)
        return result

    return traced
