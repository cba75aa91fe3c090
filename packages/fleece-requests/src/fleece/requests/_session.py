"""``Session``: a requests session with a timeout and urllib3 retries."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import requests
from requests.models import PreparedRequest, Response
from urllib3.util.retry import Retry

from fleece.requests._adapter import SENDING_RETRIES, PerRequestRetriesAdapter
from fleece.requests._defaults import DEFAULTS
from fleece.requests._retries import Retries, resolve_retries
from fleece.requests._timeouts import Timeout, check_timeout

# The retries a Session.request() call resolved, for the sends it makes (the
# request itself and each redirect); keyed by session so that a hook sending
# through another session does not pick them up.
_CALL_RETRIES: ContextVar[tuple[Session, Retry] | None] = ContextVar(
    "fleece_requests_call_retries", default=None
)


class Session(requests.Session):
    """A ``requests.Session`` whose requests have a timeout and retries.

    Each request uses, in this order: the call's ``timeout=``/``retries=``, the
    session's, then the process-wide defaults (``set_default_timeout``,
    ``set_default_retries``). With none of them it behaves as
    ``requests.Session``: no timeout, no retries.

    Args:
        timeout: seconds, or a ``(connect, read)`` pair; None: the default.
        retries: None (the default), a number of retries, a dict of urllib3
            ``Retry`` arguments, a ``Retry``, or 0/False for none.

    Raises:
        ValueError: ``timeout`` or a number of retries is invalid.
        TypeError: ``retries`` is of no accepted form.
    """

    __attrs__ = (*requests.Session.__attrs__, "timeout", "retries")

    def __init__(self, timeout: Timeout | None = None, retries: Retries = None) -> None:
        super().__init__()
        resolve_retries(retries, DEFAULTS.retries)
        self.timeout = check_timeout(timeout)
        self.retries = retries
        self.mount("https://", PerRequestRetriesAdapter())
        self.mount("http://", PerRequestRetriesAdapter())

    def request(
        self,
        method: str | bytes,
        url: str | bytes,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        cookies: Any = None,
        files: Any = None,
        auth: Any = None,
        timeout: Timeout | None = None,
        allow_redirects: bool = True,
        proxies: Any = None,
        hooks: Any = None,
        stream: bool | None = None,
        verify: Any = None,
        cert: Any = None,
        json: Any = None,
        *,
        retries: Retries = None,
    ) -> Response:
        """Send a request, as ``requests.Session.request`` does.

        Args:
            method: the HTTP method.
            url: the URL.
            params: query parameters.
            data: the body (form fields, bytes or a file).
            headers: request headers.
            cookies: cookies for this request only.
            files: files for a multipart upload.
            auth: an auth tuple or handler.
            timeout: seconds or ``(connect, read)``; None: the session's, else
                the installed default.
            allow_redirects: follow redirects.
            proxies: proxies by scheme.
            hooks: event hooks.
            stream: do not download the body at once.
            verify: TLS verification (bool or CA bundle path).
            cert: client certificate.
            json: a body to send as JSON.
            retries: None (the session's, else the installed default), a number
                of retries, a dict of ``Retry`` arguments, a ``Retry``, or
                0/False for none.

        Returns:
            The response.

        Raises:
            TypeError: ``retries`` is of no accepted form.
            ValueError: a number of retries is negative.
            requests.RequestException: as requests raises it.
        """
        retry = self._resolve_retries(retries)
        token = _CALL_RETRIES.set((self, retry))
        try:
            return super().request(
                method,
                url,
                params,
                data,
                headers,
                cookies,
                files,
                auth,
                timeout,
                allow_redirects,
                proxies,
                hooks,
                stream,
                verify,
                cert,
                json,
            )
        finally:
            _CALL_RETRIES.reset(token)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """Send a prepared request with the timeout and retries that apply."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = (
                DEFAULTS.timeout if self.timeout is None else self.timeout
            )
        call = _CALL_RETRIES.get()
        if call is not None and call[0] is self:
            retry = call[1]
        else:
            retry = self._resolve_retries(None)
        token = SENDING_RETRIES.set(retry)
        try:
            return super().send(request, **kwargs)
        finally:
            SENDING_RETRIES.reset(token)

    def get(
        self, url: str | bytes, *, retries: Retries = None, **kwargs: Any
    ) -> Response:
        """Send a GET request; arguments as :meth:`request`."""
        return self.request("GET", url, retries=retries, **kwargs)

    def options(
        self, url: str | bytes, *, retries: Retries = None, **kwargs: Any
    ) -> Response:
        """Send an OPTIONS request; arguments as :meth:`request`."""
        return self.request("OPTIONS", url, retries=retries, **kwargs)

    def head(
        self, url: str | bytes, *, retries: Retries = None, **kwargs: Any
    ) -> Response:
        """Send a HEAD request (redirects not followed unless asked)."""
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, retries=retries, **kwargs)

    def post(
        self,
        url: str | bytes,
        data: Any = None,
        json: Any = None,
        *,
        retries: Retries = None,
        **kwargs: Any,
    ) -> Response:
        """Send a POST request; arguments as :meth:`request`."""
        return self.request(
            "POST", url, data=data, json=json, retries=retries, **kwargs
        )

    def put(
        self,
        url: str | bytes,
        data: Any = None,
        *,
        retries: Retries = None,
        **kwargs: Any,
    ) -> Response:
        """Send a PUT request; arguments as :meth:`request`."""
        return self.request("PUT", url, data=data, retries=retries, **kwargs)

    def patch(
        self,
        url: str | bytes,
        data: Any = None,
        *,
        retries: Retries = None,
        **kwargs: Any,
    ) -> Response:
        """Send a PATCH request; arguments as :meth:`request`."""
        return self.request("PATCH", url, data=data, retries=retries, **kwargs)

    def delete(
        self, url: str | bytes, *, retries: Retries = None, **kwargs: Any
    ) -> Response:
        """Send a DELETE request; arguments as :meth:`request`."""
        return self.request("DELETE", url, retries=retries, **kwargs)

    def _resolve_retries(self, retries: Retries) -> Retry:
        if retries is None:
            retries = self.retries
        return resolve_retries(retries, DEFAULTS.retries)
