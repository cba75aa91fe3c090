"""Module-level ``request``/``get``/...: one pooled session per thread.

requests' own functions build a new ``Session`` for every call, so every call
opens a new connection. Here each thread keeps one session, and so its open
connections, for its module-level calls. Nothing else carries over from one
call to the next: the session's cookie jar (filled by responses' Set-Cookie) is
emptied after every call; headers, auth and cookies passed to a call are never
stored. Connections idle for longer than :data:`IDLE_SECONDS` are closed before
the next call rather than reused, since the server (or a NAT, or a frozen
Lambda environment) may have dropped them in the meantime.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from typing import Any

from requests.adapters import BaseAdapter
from requests.models import Response

from fleece.requests._retries import Retries
from fleece.requests._session import Session
from fleece.requests._timeouts import Timeout

IDLE_SECONDS = 1.0
"""Pooled connections idle longer than this are not reused (common servers keep
idle connections open for 2 s or more)."""


class _ThreadSession(threading.local):
    session: Session | None = None
    pid = 0
    busy = False
    last_used = 0.0


_THREAD = _ThreadSession()


def _new_thread_session() -> Session:
    session = Session()
    # When its thread ends (or the interpreter exits) the session is dropped;
    # close its connections then rather than leave sockets to the collector.
    weakref.finalize(session, _close_all, list(session.adapters.values()))
    return session


def _close_all(adapters: list[BaseAdapter]) -> None:
    for adapter in adapters:
        adapter.close()


def request(
    method: str | bytes,
    url: str | bytes,
    *,
    timeout: Timeout | None = None,
    retries: Retries = None,
    **kwargs: Any,
) -> Response:
    """Send a request, as ``requests.request`` does, with a timeout and retries.

    Args:
        method: the HTTP method.
        url: the URL.
        timeout: seconds, or a ``(connect, read)`` pair; None: the installed
            default (``set_default_timeout``), else none.
        retries: None (the installed default, else none), a number of retries,
            a dict of urllib3 ``Retry`` arguments, a ``Retry``, or 0/False for
            none.
        **kwargs: any other ``requests.request`` argument (``params``,
            ``data``, ``json``, ``headers``, ``cookies``, ``auth``, ...).

    Returns:
        The response.

    Raises:
        TypeError: ``retries`` is of no accepted form.
        ValueError: a number of retries is negative.
        requests.RequestException: as requests raises it.
    """
    state = _THREAD
    if state.busy:
        # Called again from inside a call of this thread (e.g. by a hook): the
        # pooled session is in use, so this one gets a session of its own.
        with Session() as own_session:
            return own_session.request(
                method, url, timeout=timeout, retries=retries, **kwargs
            )
    session = state.session
    pid = os.getpid()
    if session is None or state.pid != pid:
        # A forked child must not share its parent's sockets.
        session = _new_thread_session()
        state.session = session
        state.pid = pid
    elif time.monotonic() - state.last_used > IDLE_SECONDS:
        session.close()
    state.busy = True
    try:
        return session.request(method, url, timeout=timeout, retries=retries, **kwargs)
    finally:
        session.cookies.clear()
        state.last_used = time.monotonic()
        state.busy = False


def get(
    url: str | bytes,
    params: Any = None,
    *,
    timeout: Timeout | None = None,
    retries: Retries = None,
    **kwargs: Any,
) -> Response:
    """Send a GET request; arguments as :func:`request`."""
    return request(
        "GET", url, params=params, timeout=timeout, retries=retries, **kwargs
    )


def options(
    url: str | bytes,
    *,
    timeout: Timeout | None = None,
    retries: Retries = None,
    **kwargs: Any,
) -> Response:
    """Send an OPTIONS request; arguments as :func:`request`."""
    return request("OPTIONS", url, timeout=timeout, retries=retries, **kwargs)


def head(
    url: str | bytes,
    *,
    timeout: Timeout | None = None,
    retries: Retries = None,
    **kwargs: Any,
) -> Response:
    """Send a HEAD request (redirects not followed unless asked)."""
    kwargs.setdefault("allow_redirects", False)
    return request("HEAD", url, timeout=timeout, retries=retries, **kwargs)


def post(
    url: str | bytes,
    data: Any = None,
    json: Any = None,
    *,
    timeout: Timeout | None = None,
    retries: Retries = None,
    **kwargs: Any,
) -> Response:
    """Send a POST request; arguments as :func:`request`."""
    return request(
        "POST", url, data=data, json=json, timeout=timeout, retries=retries, **kwargs
    )


def put(
    url: str | bytes,
    data: Any = None,
    *,
    timeout: Timeout | None = None,
    retries: Retries = None,
    **kwargs: Any,
) -> Response:
    """Send a PUT request; arguments as :func:`request`."""
    return request("PUT", url, data=data, timeout=timeout, retries=retries, **kwargs)


def patch(
    url: str | bytes,
    data: Any = None,
    *,
    timeout: Timeout | None = None,
    retries: Retries = None,
    **kwargs: Any,
) -> Response:
    """Send a PATCH request; arguments as :func:`request`."""
    return request("PATCH", url, data=data, timeout=timeout, retries=retries, **kwargs)


def delete(
    url: str | bytes,
    *,
    timeout: Timeout | None = None,
    retries: Retries = None,
    **kwargs: Any,
) -> Response:
    """Send a DELETE request; arguments as :func:`request`."""
    return request("DELETE", url, timeout=timeout, retries=retries, **kwargs)
