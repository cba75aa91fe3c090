"""Log level names: parsing user input and Lambda's AWS_LAMBDA_LOG_LEVEL."""

from __future__ import annotations

import logging
import os

# Lambda's log level control speaks its own names; TRACE and FATAL have no stdlib level.
_LAMBDA_LEVELS = {
    "TRACE": logging.DEBUG,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
    "CRITICAL": logging.CRITICAL,
}

LAMBDA_LOG_LEVEL_VARIABLE = "AWS_LAMBDA_LOG_LEVEL"


def parse_level(value: int | str, argument: str = "level") -> int:
    """Turn a level number or name (any case, Lambda's names included) into a number.

    Args:
        value: A stdlib level number or a name such as ``"info"`` or ``"WARN"``.
        argument: The name to mention in the error message.

    Returns:
        The stdlib level number.

    Raises:
        ValueError: When the value is not a known level.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(
            f"{argument} must be a level number or name such as 'INFO', not {value!r}"
        )
    if isinstance(value, int):
        return value
    name = value.strip().upper()
    if name in _LAMBDA_LEVELS:
        return _LAMBDA_LEVELS[name]
    number = logging.getLevelNamesMapping().get(name)
    if number is None:
        known = ", ".join(_LAMBDA_LEVELS)
        raise ValueError(f"{argument}={value!r} is not a log level; use one of {known}")
    return number


def root_level(level: int | str | None) -> int:
    """Choose the root level: the argument, else AWS_LAMBDA_LOG_LEVEL, else DEBUG.

    Args:
        level: The level asked for, or None.

    Returns:
        The stdlib level number.

    Raises:
        ValueError: When the argument or the environment variable is not a level.
    """
    if level is not None:
        return parse_level(level)
    from_environment = os.environ.get(LAMBDA_LOG_LEVEL_VARIABLE, "").strip()
    if from_environment:
        return parse_level(from_environment, LAMBDA_LOG_LEVEL_VARIABLE)
    return logging.DEBUG
