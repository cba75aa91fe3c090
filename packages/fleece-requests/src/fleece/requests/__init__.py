"""requests with default timeouts, urllib3 ``Retry`` retries and connection reuse.

Change ``import requests`` to ``from fleece import requests`` and every call
accepts ``timeout=`` and ``retries=``, with process-wide defaults::

    from fleece import requests

    requests.set_default_timeout(15)
    requests.set_default_retries(total=5, backoff_factor=1, status_forcelist=[429, 503])
    r = requests.get("https://example.com/")

Module-level calls reuse each thread's connections without sharing cookies,
auth or headers between calls. Every other ``requests`` name (``exceptions``,
``Timeout``, ``codes``, ``Response``, ...) is reachable from here too;
``session()`` returns a fleece :class:`Session`.
"""

from typing import Any

import requests as _requests

from fleece.requests._api import delete, get, head, options, patch, post, put, request
from fleece.requests._defaults import set_default_retries, set_default_timeout
from fleece.requests._session import Session

__all__ = [
    "Session",
    "delete",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
    "request",
    "set_default_retries",
    "set_default_timeout",
]


def __getattr__(name: str) -> Any:
    if name == "session":
        return Session
    try:
        return getattr(_requests, name)
    except AttributeError:
        raise AttributeError(
            f"module 'fleece.requests' has no attribute {name!r}"
        ) from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(_requests)))
