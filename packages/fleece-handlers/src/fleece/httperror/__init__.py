"""``HTTPError``: an exception with an HTTP status, in the form API Gateway matches.

``str(HTTPError(404, "no such user"))`` is ``"404: Not Found - no such user"``.
"""

from fleece.httperror._error import HTTPError

__all__ = ["HTTPError"]
