"""Run a call inside an aws-xray-sdk subsegment without ever letting tracing fail it.

The call's own exception always propagates unchanged; an error raised by the SDK
itself is swallowed (with one warning per process) so the traced program goes on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from fleece.xray._safe import cut
from fleece.xray._stacks import current_task_stack, run_on_stack, thread_stack_holder
from fleece.xray._warnings import warn_once

T = TypeVar("T")

MetaProcessor = Callable[..., None]
"""aws-xray-sdk's metadata callback: ``(wrapped, instance, args, kwargs,
return_value, exception, subsegment, stack)``, all as keywords."""


def begin(
    recorder: Any,
    name: str,
    namespace: str,
    arguments: tuple[list[str], dict[str, str]] | None = None,
) -> Any:
    """Open a subsegment under the current entity; None if the SDK fails.

    Args:
        recorder: the SDK recorder.
        name: the subsegment's name.
        namespace: ``local``, ``aws`` or ``remote``.
        arguments: argument reprs to record as metadata, if any.
    """
    try:
        subsegment = recorder.begin_subsegment(name, namespace)
    except Exception as error:
        warn_once("begin", "X-Ray subsegment %r not recorded: %r", name, error)
        return None
    if subsegment is not None and arguments is not None:
        _put_arguments(subsegment, arguments)
    return subsegment


def _put_arguments(
    subsegment: Any, arguments: tuple[list[str], dict[str, str]]
) -> None:
    """Record a call's argument reprs as ``args``/``kwargs`` in ``default`` metadata."""
    try:
        metadata = subsegment.metadata
        if type(metadata) is dict and not metadata:
            # A fresh subsegment: one dict store instead of two put_metadata calls,
            # which matters on every traced call.
            metadata["default"] = {"args": arguments[0], "kwargs": arguments[1]}
        else:
            subsegment.put_metadata("args", arguments[0], "default")
            subsegment.put_metadata("kwargs", arguments[1], "default")
    except Exception as error:
        warn_once("metadata", "X-Ray metadata not recorded: %r", error)


def _stack(recorder: Any, exception: BaseException) -> Any:
    import traceback  # loaded by aws-xray-sdk already whenever tracing is active

    # The innermost frames, where the exception was raised, matter most.
    return traceback.extract_tb(exception.__traceback__, -recorder.max_trace_back)


def _cut_messages(subsegment: Any) -> None:
    # A huge exception message would push the document past the 64 KiB datagram.
    cause = getattr(subsegment, "cause", None)
    for throwable in cause.get("exceptions", ()) if isinstance(cause, dict) else ():
        message = getattr(throwable, "message", None)
        if isinstance(message, str):
            throwable.message = cut(message)


def end(
    recorder: Any,
    subsegment: Any,
    exception: BaseException | None,
    call: tuple[Any, Any, tuple[Any, ...], dict[str, Any], Any] | None = None,
    meta_processor: MetaProcessor | None = None,
) -> None:
    """Close ``subsegment`` (the innermost open one), recording how the call went.

    Args:
        recorder: the SDK recorder.
        subsegment: what ``begin`` returned.
        exception: what the call raised, if anything; a fault when an ``Exception``.
        call: ``(wrapped, instance, args, kwargs, return_value)`` for the processor.
        meta_processor: an aws-xray-sdk metadata callback (AWS and HTTP fields).
    """
    try:
        stack = None if exception is None else _stack(recorder, exception)
        if meta_processor is not None and call is not None:
            wrapped, instance, args, kwargs, return_value = call
            meta_processor(
                wrapped=wrapped,
                instance=instance,
                args=args,
                kwargs=kwargs,
                return_value=return_value,
                exception=exception,
                subsegment=subsegment,
                stack=stack,
            )
        if isinstance(exception, Exception):
            if not subsegment.cause:
                subsegment.add_exception(exception, stack)
            _cut_messages(subsegment)
    except Exception as error:
        warn_once("record", "X-Ray subsegment details not recorded: %r", error)
    try:
        recorder.end_subsegment()
    except Exception as error:
        warn_once("end", "X-Ray subsegment not sent: %r", error)


def record_call(
    recorder: Any,
    name: str,
    namespace: str,
    function: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    instance: Any = None,
    arguments: tuple[list[str], dict[str, str]] | None = None,
    meta_processor: MetaProcessor | None = None,
) -> T:
    """Call ``function(*args, **kwargs)`` inside a subsegment and return its result.

    Args:
        recorder: the SDK recorder (tracing is known to be active).
        name: the subsegment's name.
        namespace: ``local``, ``aws`` or ``remote``.
        function: what to call.
        args: its positional arguments.
        kwargs: its keyword arguments.
        instance: the object ``function`` is bound to, for ``meta_processor``.
        arguments: argument reprs to record as metadata, if any.
        meta_processor: an aws-xray-sdk metadata callback.
    """
    record = functools.partial(
        _record_call,
        recorder,
        name,
        namespace,
        function,
        args,
        kwargs,
        instance,
        arguments,
        meta_processor,
    )
    inherited = current_task_stack()
    if inherited is not None:
        local = thread_stack_holder(recorder)
        if local is not None and getattr(local, "entities", None) is not inherited:
            # An untraced task (or thread) started by a traced coroutine.
            return run_on_stack(local, list(inherited), record)
    return record()


def _record_call(
    recorder: Any,
    name: str,
    namespace: str,
    function: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    instance: Any,
    arguments: tuple[list[str], dict[str, str]] | None,
    meta_processor: MetaProcessor | None,
) -> T:
    subsegment = begin(recorder, name, namespace, arguments)
    if subsegment is None:
        return function(*args, **kwargs)
    try:
        result = function(*args, **kwargs)
    except BaseException as exception:
        end(
            recorder,
            subsegment,
            exception,
            (function, instance, args, kwargs, None),
            meta_processor,
        )
        raise
    end(
        recorder,
        subsegment,
        None,
        (function, instance, args, kwargs, result),
        meta_processor,
    )
    return result
