"""``client()`` and ``resource()`` on boto3's default session, with timeouts."""

from __future__ import annotations

from typing import Any

import boto3

from fleece.boto3._config import with_timeouts
from fleece.boto3._loader import check_one_service_only


def client(
    *args: Any,
    timeout: float | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    **kwargs: Any,
) -> Any:
    """Create a client, as ``boto3.client``, with timeouts.

    Per value: ``connect_timeout``/``read_timeout`` > ``timeout`` > a
    ``config=`` you pass (merged, never modified) > ``set_default_timeout`` >
    botocore's default (60 s). With none of them the client is exactly
    ``boto3.client``'s.

    Args:
        *args: boto3's positional arguments (``service_name``, ...).
        timeout: seconds for connecting and for each read.
        connect_timeout: seconds to connect; beats ``timeout``.
        read_timeout: seconds to wait for each read; beats ``timeout``.
        **kwargs: boto3's keyword arguments (``region_name``, ``config``, ...).

    Returns:
        The botocore client.

    Raises:
        ValueError: a timeout is not a number greater than 0.
    """
    args, kwargs = with_timeouts(args, kwargs, timeout, connect_timeout, read_timeout)
    _prepare_default_session()
    return boto3.client(*args, **kwargs)


def resource(
    *args: Any,
    timeout: float | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    **kwargs: Any,
) -> Any:
    """Create a resource, as ``boto3.resource``, with timeouts.

    The timeouts apply to the resource's client, with the precedence of
    :func:`client`.

    Args:
        *args: boto3's positional arguments (``service_name``, ...).
        timeout: seconds for connecting and for each read.
        connect_timeout: seconds to connect; beats ``timeout``.
        read_timeout: seconds to wait for each read; beats ``timeout``.
        **kwargs: boto3's keyword arguments (``region_name``, ``config``, ...).

    Returns:
        The boto3 service resource.

    Raises:
        ValueError: a timeout is not a number greater than 0.
    """
    args, kwargs = with_timeouts(args, kwargs, timeout, connect_timeout, read_timeout)
    _prepare_default_session()
    return boto3.resource(*args, **kwargs)


def _prepare_default_session() -> None:
    """Create boto3's default session if needed, its loader checking one service."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    check_one_service_only(boto3.DEFAULT_SESSION)
