"""logme: fleece 1.x's decorator logging a function's entry and exit."""

from __future__ import annotations

import functools
import logging

from fleece.log._levels import parse_level
from fleece.log._logger import BoundLogger, as_bound_logger

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ParamSpec, TypeVar

    _P = ParamSpec("_P")
    _R = TypeVar("_R")


class logme:  # noqa: N801 - the 1.x name, used as @logme()
    """Log ``Entering <name>`` before each call and ``Exiting <name>`` after it.

    The exit line carries the return value under ``<name>_response``, as in fleece
    1.x; when the function raises, it carries ``<name>_raised`` (the exception's
    repr) instead and the exception goes on. Unlike 1.x, a stdlib logger works too
    (1.x raised TypeError on the exit line), and the decorated function keeps its
    name and docstring.

    Args:
        level: The level of both lines, a number or a name (DEBUG by default).
        logger: A fleece or stdlib logger; the root logger by default.

    Raises:
        ValueError: When the level is unknown.
    """

    def __init__(
        self,
        level: int | str = logging.DEBUG,
        logger: BoundLogger | logging.Logger | None = None,
    ) -> None:
        self.level = parse_level(level)
        self.logger = as_bound_logger(logger)

    def __call__(self, func: Callable[_P, _R]) -> Callable[_P, _R]:
        """Wrap the function.

        Args:
            func: The function whose calls to log.

        Returns:
            The wrapped function.
        """
        logger, level = self.logger, self.level
        name = getattr(func, "__name__", type(func).__name__)

        @functools.wraps(func)
        def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            logger.log(level, "Entering %s", name)
            try:
                response = func(*args, **kwargs)
            except BaseException as error:
                logger.log(level, "Exiting %s", name, **{f"{name}_raised": error})
                raise
            logger.log(level, "Exiting %s", name, **{f"{name}_response": response})
            return response

        return wrapped
