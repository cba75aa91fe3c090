"""The 401 and 503 errors of a token check, in fleece.httperror's form."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    _Base = Exception
else:
    # With fleece-connexion installed these errors are fleece.httperror.HTTPError, as
    # in fleece 1.x, so `except HTTPError` handlers keep catching them; without it
    # fleece-auth needs no web framework and behaves the same on its own.
    try:
        from fleece.httperror import HTTPError as _Base
    except ImportError:
        _Base = Exception


class RaxAuthError(_Base):
    """A token check that failed: ``str()`` is ``"401: Unauthorized - why"``.

    The ``"NNN: Reason"`` form is what API Gateway integration responses match on,
    as with fleece.httperror.HTTPError; ``status``/``status_code`` give the code.
    """

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(self.status, message)
        self.message = message

    @property
    def status_code(self) -> int:
        """The HTTP status, under the name fleece 1.x used."""
        return self.status

    def __str__(self) -> str:
        return f"{self.status}: {HTTPStatus(self.status).phrase} - {self.message}"


class UnauthorizedError(RaxAuthError):
    """401: the request has no usable token, or Rackspace Identity rejected it."""

    status = 401


class IdentityUnavailableError(RaxAuthError):
    """503: Rackspace Identity could not be reached, timed out or failed.

    Not a 401: the token may be fine, and clients should retry rather than log in.
    """

    status = 503
