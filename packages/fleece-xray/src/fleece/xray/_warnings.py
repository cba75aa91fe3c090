"""Warnings logged once per process: tracing problems never flood the logs."""

from __future__ import annotations

import logging
import threading

LOGGER = logging.getLogger("fleece.xray")

_lock = threading.Lock()
_already_warned: set[str] = set()


def warn_once(topic: str, message: str, *args: object) -> None:
    """Log ``message`` as a warning the first time ``topic`` comes up, then stay quiet.

    Args:
        topic: what went wrong, as a short stable key.
        message: a %-style logging message.
        *args: values for the message's placeholders.
    """
    with _lock:
        if topic in _already_warned:
            return
        _already_warned.add(topic)
    LOGGER.warning(message, *args)
