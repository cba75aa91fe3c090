"""Rackspace Identity token checks for Lambda handlers and Flask views.

``@authenticate()`` reads the caller's ``X-Auth-Token`` (from a ``token=`` keyword
as in fleece 1.x, an API Gateway/ALB/Function URL event, or the current Flask
request), validates it with Rackspace Identity through fleece.requests and hands
the token's details to the function as ``userinfo``. A missing or rejected token
is a 401, an identity service that is down or slow a 503: never a traceback, and
never the token in an error or a log line::

    from fleece.raxauth import authenticate

    @authenticate()
    def lambda_handler(event, context, userinfo=None):
        return {"statusCode": 200, "body": userinfo["access"]["user"]["name"]}
"""

from fleece.raxauth._decorator import authenticate
from fleece.raxauth._errors import (
    IdentityUnavailableError,
    RaxAuthError,
    UnauthorizedError,
)
from fleece.raxauth._identity import DEFAULT_TIMEOUT, validate

# The 1.x endpoint template, read on every check: assigning another one here (as 1.x
# users did to reach a staging identity) still takes effect. ``identity_url=`` is the
# way to choose one per decorator.
TOKEN_URL_FMT = "https://identity.api.rackspacecloud.com/v2.0/tokens/{token}"  # noqa: S105 - a URL template, not a secret

__all__ = [
    "DEFAULT_TIMEOUT",
    "TOKEN_URL_FMT",
    "IdentityUnavailableError",
    "RaxAuthError",
    "UnauthorizedError",
    "authenticate",
    "validate",
]
