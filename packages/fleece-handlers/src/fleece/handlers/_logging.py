"""What errors are logged through, and where they go when the caller names nothing."""

from __future__ import annotations

import logging
from typing import Any, Protocol


class Logger(Protocol):
    """What fleece logs through: a stdlib ``Logger`` or a fleece ``BoundLogger``."""

    def exception(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at error level with the current exception's traceback."""

    def error(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at error level."""

    def warning(self, msg: str, /, *args: Any) -> Any:
        """Log ``msg`` at warning level."""


DEFAULT_LOGGER: Logger = logging.getLogger("fleece.handlers")
"""Where a handler given no logger reports rejected events and app failures."""
