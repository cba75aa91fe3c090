"""boto3's ``client()`` and ``resource()`` with connect/read timeouts.

Change ``import boto3`` to ``from fleece import boto3``; then::

    boto3.set_default_timeout(15)        # every client, every thread
    s3 = boto3.client("s3")              # 15 s to connect, 15 s per read
    sqs = boto3.client("sqs", read_timeout=25)

A process-wide default timeout (``set_default_timeout``) applies to every client
created afterwards, in every thread, unless a call or its ``config=`` sets one.
Every other boto3 name (``DEFAULT_SESSION``, ``setup_default_session``,
``exceptions``, ...) is reachable from here; ``Session`` is boto3's session
whose ``client()``/``resource()`` take the same timeouts.
"""

from typing import Any

from fleece.log._long_lived import built_to_last

with built_to_last():  # boto3's modules are kept for the life of the process
    import boto3 as _boto3

from fleece.boto3._factories import client, resource
from fleece.boto3._session import Session
from fleece.boto3._timeouts import set_default_timeout

__all__ = ["Session", "client", "resource", "set_default_timeout"]


def __getattr__(name: str) -> Any:
    try:
        return getattr(_boto3, name)
    except AttributeError:
        raise AttributeError(
            f"module 'fleece.boto3' has no attribute {name!r}"
        ) from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(_boto3)))
