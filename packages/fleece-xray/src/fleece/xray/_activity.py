"""Decide, cheaply and on every call, whether X-Ray is recording; load the SDK lazily.

Tracing is active when aws-xray-sdk's recorder has a sampled (sub)segment to attach
to: inside Lambda, a well-formed ``_X_AMZN_TRACE_ID`` with ``Sampled=1``; elsewhere, a
segment the application opened itself. Everything else - no header, ``Sampled=0``, a
malformed header, no segment outside Lambda, a disabled or broken SDK - is inactive,
and then fleece never calls into the SDK, so the SDK has nothing to log or raise.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

from fleece.xray._emitter import DEFAULT_DAEMON_ADDRESS, DaemonEmitter, TreeStreaming
from fleece.xray._environment import (
    DAEMON_ADDRESS_ENV,
    DAEMON_KEY,
    LAMBDA_ENV,
    LAMBDA_KEY,
    TRACE_HEADER_KEY,
    read_env,
)
from fleece.xray._trace_header import SAMPLED, UNSAMPLED, trace_header_state
from fleece.xray._warnings import warn_once

SDK_MODULE = "aws_xray_sdk.core"

_modules = sys.modules
_MISSING = object()


class _SDK:
    """aws-xray-sdk's pieces, filled in once the SDK is imported.

    The SDK reads ``LAMBDA_TASK_ROOT`` and ``AWS_XRAY_DAEMON_ADDRESS`` once, when it
    is imported. ``environment`` holds the values of those two that the recorder was
    last brought in line with; ``standby`` the context and streaming threshold put
    aside for Lambda (True) or elsewhere (False) when the environment changed.
    """

    __slots__ = (
        "config",
        "context_class",
        "environment",
        "failed",
        "lambda_context",
        "lock",
        "recorder",
        "standby",
    )

    def __init__(self) -> None:
        self.recorder: Any = None
        self.lambda_context: Any = None
        self.context_class: Any = None
        self.config: Any = None
        self.failed = False
        self.lock = threading.Lock()
        self.environment: tuple[Any, Any] = (_MISSING, _MISSING)
        self.standby: dict[bool, tuple[Any, int]] = {}


_sdk = _SDK()


def load_sdk() -> Any:
    """Import aws-xray-sdk and return its global recorder, or None if that fails.

    The SDK builds its recorder at import: a malformed ``AWS_XRAY_DAEMON_ADDRESS``
    makes that raise. Tracing is then off for the process, with one warning.
    """
    if _sdk.recorder is not None or _sdk.failed:
        return _sdk.recorder
    with _sdk.lock:
        if _sdk.recorder is None and not _sdk.failed:
            _quiet_sdk_logging()
            try:
                from aws_xray_sdk import global_sdk_config
                from aws_xray_sdk.core import xray_recorder
                from aws_xray_sdk.core.context import Context
                from aws_xray_sdk.core.lambda_launcher import LambdaContext
            except Exception as error:
                _sdk.failed = True
                warn_once("sdk-import", "X-Ray tracing is off: %r", error)
                return None
            _sdk.config = global_sdk_config
            _sdk.lambda_context = LambdaContext
            _sdk.context_class = Context
            _send_through_fleece(xray_recorder)
            _sdk.recorder = xray_recorder
    return _sdk.recorder


def _quiet_sdk_logging() -> None:
    """Keep the SDK's per-call DEBUG and INFO lines out of a root logger at DEBUG.

    A level the application gave the ``aws_xray_sdk`` logger itself is kept.
    """
    sdk_logger = logging.getLogger("aws_xray_sdk")
    if sdk_logger.level == logging.NOTSET:
        sdk_logger.setLevel(logging.WARNING)


def _send_through_fleece(recorder: Any) -> None:
    """Swap the SDK's UDP emitter and streaming for fleece's (see ``_emitter``).

    An emitter or streaming strategy the application configured is left alone.
    """
    try:
        from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter
        from aws_xray_sdk.core.streaming.default_streaming import DefaultStreaming

        emitter = recorder.emitter
        if type(emitter) is UDPEmitter:
            recorder.emitter = DaemonEmitter(
                os.environ.get(DAEMON_ADDRESS_ENV, DEFAULT_DAEMON_ADDRESS)
            )
            emitter._socket.close()
        if type(recorder.streaming) is DefaultStreaming:
            recorder.streaming = TreeStreaming(recorder.streaming_threshold)
    except Exception as error:
        warn_once("emitter", "X-Ray daemon address not checked: %r", error)


def preload_sdk_in_lambda() -> None:
    """Import the SDK now if this is a traced Lambda: invocations then don't pay."""
    environ = os.environ
    if (
        _sdk.recorder is None
        and LAMBDA_ENV in environ
        and DAEMON_ADDRESS_ENV in environ
    ):
        load_sdk()


def _follow_environment(recorder: Any, environment: tuple[Any, Any]) -> None:
    """Bring the recorder in line with a Lambda environment that changed since import.

    Test suites set ``LAMBDA_TASK_ROOT`` and a fresh daemon address per test in one
    process; the SDK only looks at them when imported. The daemon address is
    re-applied, and the SDK's own Lambda and default contexts are swapped (each kept
    for when the environment changes back); a context of another class is left alone.
    """
    with _sdk.lock:
        if environment == _sdk.environment:
            return
        lambda_root = environment[0]
        try:
            emitter = recorder.emitter
            if hasattr(emitter, "set_daemon_address"):
                emitter.set_daemon_address(
                    os.environ.get(DAEMON_ADDRESS_ENV, DEFAULT_DAEMON_ADDRESS)
                )
            in_lambda = bool(lambda_root)
            context = recorder.context
            current = {_sdk.lambda_context: True, _sdk.context_class: False}.get(
                type(context)
            )
            if current is not None and current != in_lambda:
                _sdk.standby[current] = (context, recorder.streaming_threshold)
                # The SDK streams each subsegment at once in Lambda, 30 at a time
                # elsewhere.
                if in_lambda in _sdk.standby:
                    new_context, threshold = _sdk.standby.pop(in_lambda)
                elif in_lambda:
                    new_context, threshold = _sdk.lambda_context(), 0
                else:
                    new_context, threshold = _sdk.context_class(), 30
                recorder.context = new_context
                recorder.streaming_threshold = threshold
        except Exception as error:
            warn_once("environment", "X-Ray environment change not followed: %r", error)
        _sdk.environment = environment


def _open_entities(context: Any) -> Any:
    # The SDK's Context keeps its stack in `_local.entities`; reading it directly
    # is the only way to ask "is a segment open?" without the SDK logging (or, with
    # AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR, raising) when none is.
    return getattr(getattr(context, "_local", None), "entities", None)


def active_recorder(sampled_only: bool = True) -> Any:
    """Return aws-xray-sdk's recorder if this call should be traced, else None.

    Args:
        sampled_only: with False, an unsampled trace also counts (patched clients
            then still propagate ``Sampled=0`` downstream).
    """
    wanted = SAMPLED if sampled_only else UNSAMPLED
    recorder = _sdk.recorder
    if recorder is None:
        if _modules.get(SDK_MODULE) is None:
            # Only Lambda's trace header can start tracing before the SDK is loaded.
            if read_env(TRACE_HEADER_KEY) is None or trace_header_state() < wanted:
                return None
            if LAMBDA_ENV not in os.environ:
                return None
        recorder = load_sdk()
        if recorder is None:
            return None
    environment = (read_env(LAMBDA_KEY), read_env(DAEMON_KEY))
    if environment != _sdk.environment:
        _follow_environment(recorder, environment)
    context = recorder.context
    if isinstance(context, _sdk.lambda_context):
        if read_env(TRACE_HEADER_KEY) is None or trace_header_state() < wanted:
            return None
    else:
        entities = _open_entities(context)
        if not entities:
            return None
        if sampled_only and not getattr(entities[-1], "sampled", False):
            return None
    return recorder if _sdk.config.sdk_enabled() else None
