"""Read the few environment variables tracing depends on, fast enough for every call."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

TRACE_HEADER_ENV = "_X_AMZN_TRACE_ID"
LAMBDA_ENV = "LAMBDA_TASK_ROOT"
DAEMON_ADDRESS_ENV = "AWS_XRAY_DAEMON_ADDRESS"
BACKEND_ENV = "FLEECE_XRAY_BACKEND"

# os.environ.get() of a missing variable raises and catches a KeyError inside
# Mapping.get, which costs ~2 µs: more than the whole budget of an inactive call.
# The mapping's own dict of encoded names gives the same answer in ~50 ns.
_environ_data: dict[Any, Any] | None = getattr(os.environ, "_data", None)
_encode_key = getattr(os.environ, "encodekey", None)
if _environ_data is not None and _encode_key is not None:
    TRACE_HEADER_KEY: Any = _encode_key(TRACE_HEADER_ENV)
    LAMBDA_KEY: Any = _encode_key(LAMBDA_ENV)
    DAEMON_KEY: Any = _encode_key(DAEMON_ADDRESS_ENV)
    BACKEND_KEY: Any = _encode_key(BACKEND_ENV)
    read_env: Callable[[Any], Any] = _environ_data.get
    """``read_env(KEY)``: the raw value of a variable (bytes on POSIX), or None."""
else:  # pragma: no cover - not CPython
    TRACE_HEADER_KEY, LAMBDA_KEY, DAEMON_KEY, BACKEND_KEY = (
        TRACE_HEADER_ENV,
        LAMBDA_ENV,
        DAEMON_ADDRESS_ENV,
        BACKEND_ENV,
    )
    read_env = os.environ.get
