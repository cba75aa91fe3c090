"""Structured JSON logging for AWS Lambda, on the standard logging module.

One JSON object per line, per-invocation context, request ids injected by a handler
decorator, and a RetryHandler for sinks that sometimes fail. No dependencies.

    from fleece import log

    log.setup_root_logger()
    logger = log.get_logger(__name__)
    logger.info("user created", user_id=7)
"""

from fleece.log._context import bind_context, clear_context, unbind_context
from fleece.log._format import JsonFormatter
from fleece.log._handler import JsonStreamHandler, setup_root_logger
from fleece.log._lambda import (
    inject_lambda_context,
    inject_request_ids_into_environment,
)
from fleece.log._logger import BoundLogger, get_logger, getLogger
from fleece.log._logme import logme
from fleece.log._retry import RetryHandler

__all__ = [
    "BoundLogger",
    "JsonFormatter",
    "JsonStreamHandler",
    "RetryHandler",
    "bind_context",
    "clear_context",
    "getLogger",
    "get_logger",
    "inject_lambda_context",
    "inject_request_ids_into_environment",
    "logme",
    "setup_root_logger",
    "unbind_context",
]
