"""The 401 and 503 errors of a token check, as fleece.httperror.HTTPError."""

from __future__ import annotations

from fleece.httperror import HTTPError


class RaxAuthError(HTTPError):
    """A token check that failed: ``str()`` is ``"401: Unauthorized - why"``.

    An :class:`~fleece.httperror.HTTPError`, as in fleece 1.x, so ``except HTTPError``
    handlers keep catching it; the ``"NNN: Reason"`` form is what API Gateway
    integration responses match on. ``status``/``status_code`` give the code.
    """

    default_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(self.default_status, message)
        self.message: str = message


class UnauthorizedError(RaxAuthError):
    """401: the request has no usable token, or Rackspace Identity rejected it."""

    default_status = 401


class IdentityUnavailableError(RaxAuthError):
    """503: Rackspace Identity could not be reached, timed out or failed.

    Not a 401: the token may be fine, and clients should retry rather than log in.
    """

    default_status = 503
