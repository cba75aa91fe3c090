"""``Session``: boto3's session whose clients and resources take timeouts."""

from __future__ import annotations

from typing import Any

import boto3.session

from fleece.boto3._config import with_timeouts
from fleece.boto3._loader import check_one_service_only


# boto3 ships no type information, so its Session is Any to mypy.
class Session(boto3.session.Session):  # type: ignore[misc]
    """A ``boto3.session.Session`` whose ``client()``/``resource()`` take timeouts.

    Takes the same arguments as ``boto3.session.Session``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        check_one_service_only(self)

    def client(
        self,
        *args: Any,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Create a client, as boto3's ``Session.client``, with timeouts.

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
        args, kwargs = with_timeouts(
            args, kwargs, timeout, connect_timeout, read_timeout
        )
        return super().client(*args, **kwargs)

    def resource(
        self,
        *args: Any,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Create a resource, as boto3's ``Session.resource``, with timeouts.

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
        args, kwargs = with_timeouts(
            args, kwargs, timeout, connect_timeout, read_timeout
        )
        return super().resource(*args, **kwargs)
