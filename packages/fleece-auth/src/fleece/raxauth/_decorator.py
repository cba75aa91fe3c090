"""``@authenticate()``: find the caller's token, check it, pass on its details."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar, cast

from fleece.raxauth._errors import RaxAuthError
from fleece.raxauth._identity import DEFAULT_TIMEOUT, validate

P = ParamSpec("P")
R = TypeVar("R")

_HEADER = "x-auth-token"


def authenticate(
    *,
    identity_url: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function only for callers with a valid Rackspace token.

    The token is, in this order: a ``token=`` keyword argument (fleece 1.x), the
    ``X-Auth-Token`` header of the Lambda event the function receives (API Gateway
    REST or HTTP API, ALB, Function URL, or the 1.x request template), or that of
    the current Flask request. Identity's answer is passed as ``userinfo=`` when
    the function has that parameter (or, as in 1.x, the caller passed one).

    On failure:

    - a proxy event (REST/HTTP API, ALB, Function URL) gets a 401 (bad token) or
      503 (identity down) response dict back, JSON body ``{"error": {"message"}}``;
    - inside a Flask request the view aborts with that status;
    - otherwise :class:`~fleece.raxauth.UnauthorizedError` or
      :class:`~fleece.raxauth.IdentityUnavailableError` is raised, whose
      ``"401: Unauthorized - ..."`` text request-template integrations match.

    Args:
        identity_url: the identity endpoint; default
            :data:`fleece.raxauth.TOKEN_URL_FMT`'s.
        timeout: seconds, or ``(connect, read)``, for the identity request.

    Returns:
        The decorator.
    """

    def decorator(func: Callable[P, R]) -> Callable[P, R]:
        takes_userinfo = _has_parameter(func, "userinfo")

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            event = kwargs.get("event", args[0] if args else None)
            token = (
                _text(kwargs.get("token"))
                or _token_from_event(event)
                or _token_from_flask()
            )
            try:
                userinfo = validate(token, identity_url=identity_url, timeout=timeout)
            except RaxAuthError as error:
                return cast(R, _refusal(error, event))
            if takes_userinfo or "userinfo" in kwargs:
                kwargs["userinfo"] = userinfo
            return func(*args, **kwargs)

        return wrapper

    return decorator


def _has_parameter(func: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins and some C callables have none
        return False
    return name in parameters


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _header(headers: object) -> str:
    """The X-Auth-Token value of a header map, whatever its names' case."""
    if not isinstance(headers, Mapping):
        return ""
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == _HEADER:
            if isinstance(value, list):  # multiValueHeaders: the last one wins
                value = value[-1] if value else ""
            return _text(value)
    return ""


def _is_proxy_event(event: object) -> bool:
    return isinstance(event, Mapping) and (
        "headers" in event or "multiValueHeaders" in event
    )


def _token_from_event(event: object) -> str:
    if not isinstance(event, Mapping):
        return ""
    if _is_proxy_event(event):
        return _header(event.get("headers")) or _header(event.get("multiValueHeaders"))
    parameters = event.get("parameters")
    request = parameters.get("request") if isinstance(parameters, Mapping) else None
    return _header(request.get("header")) if isinstance(request, Mapping) else ""


def _token_from_flask() -> str:
    # Only when the function runs inside a Flask view: fleece-auth never imports
    # Flask itself.
    flask = sys.modules.get("flask")
    if flask is None or not flask.has_request_context():
        return ""
    return _text(flask.request.headers.get(_HEADER))


def _refusal(error: RaxAuthError, event: object) -> Any:
    """Answer a failed check the way the caller's integration expects."""
    if _is_proxy_event(event):
        return {
            "statusCode": error.status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"error": {"message": str(error)}}),
            "isBase64Encoded": False,
        }
    flask = sys.modules.get("flask")
    if flask is not None and flask.has_request_context():
        flask.abort(error.status, description=error.message)
    raise error
