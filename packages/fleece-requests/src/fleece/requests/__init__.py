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

from typing import TYPE_CHECKING, Any

from fleece.requests._defaults import set_default_retries, set_default_timeout

if TYPE_CHECKING:
    from fleece.requests._api import (
        delete,
        get,
        head,
        options,
        patch,
        post,
        put,
        request,
    )
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

_CALLS = frozenset(
    {"delete", "get", "head", "options", "patch", "post", "put", "request"}
)


def __getattr__(name: str) -> Any:
    # requests (with charset_normalizer, idna, cookie handling: some 30 ms) is
    # imported on first use, not by ``from fleece import requests``: a Lambda
    # function that calls out only on some paths does not pay it at cold start.
    value: Any
    if name in _CALLS:
        from fleece.requests import _api

        value = getattr(_api, name)
    elif name in ("Session", "session"):
        from fleece.requests._session import Session

        value = Session
    else:
        import requests

        try:
            return getattr(requests, name)
        except AttributeError:
            raise AttributeError(
                f"module 'fleece.requests' has no attribute {name!r}"
            ) from None
    globals()[name] = value  # later reads are plain attribute reads
    return value


def __dir__() -> list[str]:
    import requests

    return sorted(set(globals()) | set(__all__) | set(dir(requests)))
