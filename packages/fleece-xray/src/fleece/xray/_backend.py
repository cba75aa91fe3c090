"""Which tracing backend fleece.xray records with: aws-xray-sdk or OpenTelemetry.

Decided once, the first time anything is traced or patched, from (first match wins):
``configure(backend=...)``, the ``FLEECE_XRAY_BACKEND`` environment variable, an
OpenTelemetry tracer provider already installed (e.g. by the ADOT Lambda layer's
wrapper), and otherwise aws-xray-sdk, as in every earlier release.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Any

from fleece.xray._environment import BACKEND_ENV as ENVIRONMENT_VARIABLE
from fleece.xray._environment import BACKEND_KEY, read_env
from fleece.xray._otel import owns_provider, set_flush_timeout
from fleece.xray._warnings import warn_once

BACKEND_ENV = ENVIRONMENT_VARIABLE
"""Environment variable choosing the backend: ``otel``, ``xray-sdk`` or ``auto``."""

OTEL = "otel"
XRAY_SDK = "xray-sdk"
AUTO = "auto"
_BACKENDS = (OTEL, XRAY_SDK, AUTO)
_ALIASES = {"opentelemetry": OTEL, "xray": XRAY_SDK, "aws-xray-sdk": XRAY_SDK}
"""Other spellings accepted for the same backends."""


def _canonical(name: str) -> str | None:
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    return name if name in _BACKENDS else None


class _Choice:
    """The backend in use: ``otel`` True or False, None until decided.

    ``environment`` is the raw ``FLEECE_XRAY_BACKEND`` value the decision saw: a
    test that sets another one in the same process gets a new decision.
    """

    __slots__ = ("configured", "environment", "lock", "otel")

    def __init__(self) -> None:
        self.otel: bool | None = None
        self.configured: str | None = None
        self.environment: Any = None
        self.lock = threading.Lock()


choice = _Choice()


def configure(
    backend: str | None = None, *, flush_timeout: float | None = None
) -> None:
    """Choose the tracing backend, before anything is traced or patched.

    Args:
        backend: ``"otel"`` (OpenTelemetry, from the ``fleece-xray[otel]`` extra),
            ``"xray-sdk"`` (aws-xray-sdk) or ``"auto"`` (also spelt
            ``opentelemetry``, ``xray``, ``aws-xray-sdk``); None goes back to the
            ``FLEECE_XRAY_BACKEND`` environment variable. ``auto`` uses OpenTelemetry
            when a tracer provider is installed already, aws-xray-sdk otherwise.
        flush_timeout: with OpenTelemetry, the seconds the end of an invocation
            may wait for its spans to reach the collector (default 1); set it
            before the first traced call, which builds fleece's exporter.

    Raises:
        ValueError: ``backend`` is none of those, or ``flush_timeout`` is not a
            positive number.
    """
    wanted = None if backend is None else _canonical(str(backend))
    if backend is not None and wanted is None:
        raise ValueError(
            f"fleece.xray.configure(backend={backend!r}): expected one of "
            + ", ".join(repr(name) for name in _BACKENDS)
        )
    if flush_timeout is not None:
        if isinstance(flush_timeout, bool) or not (
            isinstance(flush_timeout, int | float) and 0 < flush_timeout < math.inf
        ):
            raise ValueError(
                f"fleece.xray.configure(flush_timeout={flush_timeout!r}): expected "
                "a positive number of seconds"
            )
        set_flush_timeout(float(flush_timeout))
    with choice.lock:
        choice.configured = wanted
        choice.otel = None


def uses_otel() -> bool:
    """Whether tracing goes through OpenTelemetry; decided again when it may differ.

    That is the first call, after ``configure``, and after ``FLEECE_XRAY_BACKEND``
    changed (the stored raw value is the very object the environment holds until
    then, so the check is one identity comparison).
    """
    otel = choice.otel
    if otel is None or read_env(BACKEND_KEY) is not choice.environment:
        with choice.lock:
            environment = read_env(BACKEND_KEY)
            if choice.otel is None or environment is not choice.environment:
                choice.otel = _decide()
                choice.environment = environment
            otel = choice.otel
    return bool(otel)


def _decide() -> bool:
    wanted = choice.configured
    if wanted is None:
        value = os.environ.get(BACKEND_ENV, "")
        wanted = _canonical(value) if value.strip() else AUTO
        if wanted is None:
            warn_once(
                "backend",
                "%s=%r is not one of otel, xray-sdk, auto: using auto",
                BACKEND_ENV,
                value,
            )
            wanted = AUTO
    if wanted == AUTO:
        # fleece's own provider, installed when OpenTelemetry was asked for, is
        # not a reason to keep using it.
        return otel_provider_installed() and not owns_provider()
    return wanted == OTEL


def otel_provider_installed() -> bool:
    """Whether someone installed a real global OpenTelemetry tracer provider.

    Looks only at modules already imported: nothing is imported to find out.
    """
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return False
    provider = getattr(trace, "_TRACER_PROVIDER", None)
    return provider is not None and not isinstance(
        provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider
    )
