"""``validate``: one token check against Rackspace Identity's v2.0 tokens API."""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import Any
from urllib.parse import quote

from fleece.raxauth._errors import IdentityUnavailableError, UnauthorizedError

# Seconds to connect and to wait for the answer: an authorizer runs before every
# request, so a stalled identity service must fail fast, not hold the Lambda.
DEFAULT_TIMEOUT = (3.05, 5.0)
# Connection failures and overload answers are retried twice, quickly; a read that
# timed out is not (the wait would double).
_RETRIES = {
    "total": 2,
    "connect": 2,
    "read": False,
    "status": 2,
    "backoff_factor": 0.1,
    "status_forcelist": [429, 500, 502, 503, 504],
    "raise_on_status": False,
}
# Printable ASCII without spaces: every Rackspace token form, and nothing that could
# smuggle a header or a second request line.
_TOKEN = re.compile(r"[\x21-\x7e]{1,4096}")
_TOKEN_IN_PATH = re.compile(r"(/tokens/)[^\s'\"?&)]+")
_VALID = {200, 203}
_LOGGER = logging.getLogger("fleece.raxauth")


class _RedactTokenPaths(logging.Filter):
    """Blank the token out of urllib3's request and retry log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/tokens/" in message:
            record.msg = _TOKEN_IN_PATH.sub(r"\1<redacted>", message)
            record.args = None
        return True


_REDACT = _RedactTokenPaths()


def _hide_tokens_from_urllib3_logs() -> None:
    # urllib3 logs each request path ("GET /v2.0/tokens/<token>") at DEBUG and each
    # retry at WARNING, on these loggers; the token is in that path.
    for name in ("urllib3.connectionpool", "urllib3.util.retry"):
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


# One session per thread: warm Lambdas reuse the connection to Identity, and no
# session is shared between threads.
_SESSIONS = threading.local()


def _ask_identity(url: str, token: str, timeout: float | tuple[float, float]) -> Any:
    """GET ``url`` through fleece.requests without the token reaching a trace.

    ``Session.send`` rather than ``get``: the X-Ray patch of requests records the
    URL of every ``Session.request``, and this URL holds the token.
    """
    from fleece import requests

    session = getattr(_SESSIONS, "session", None)
    if session is None:
        session = _SESSIONS.session = requests.Session(retries=_RETRIES)
    prepared = session.prepare_request(
        requests.Request(
            "GET", url, headers={"X-Auth-Token": token, "Accept": "application/json"}
        )
    )
    # What Session.request would add: proxies and CA bundle from the environment.
    settings = session.merge_environment_settings(url, {}, None, None, None)
    try:
        return session.send(
            prepared, timeout=timeout, allow_redirects=False, **settings
        )
    finally:
        # Cookies Identity sets must not ride along with the next caller's check.
        session.cookies.clear()


def _token_url(token: str, identity_url: str | None) -> str:
    quoted = quote(token, safe="")
    if identity_url is not None:
        return f"{identity_url.rstrip('/')}/v2.0/tokens/{quoted}"
    # Read from the public module on every call, so that assigning
    # fleece.raxauth.TOKEN_URL_FMT (the 1.x way) still takes effect.
    template: str = sys.modules["fleece.raxauth"].TOKEN_URL_FMT
    return template.format(token=quoted)


def validate(
    token: str,
    *,
    identity_url: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """Check ``token`` with Rackspace Identity and return what it says about it.

    Args:
        token: the caller's token (the ``X-Auth-Token`` header).
        identity_url: the identity endpoint, e.g. ``https://identity.api.rackspacecloud.com``;
            default :data:`fleece.raxauth.TOKEN_URL_FMT`'s.
        timeout: seconds, or ``(connect, read)``, for the identity request.

    Returns:
        Identity's JSON answer: ``{"access": {"token": ..., "user": ...}}``.

    Raises:
        UnauthorizedError: the token is empty or malformed, or Identity rejected it.
        IdentityUnavailableError: Identity could not be reached, timed out, failed or
            answered something other than a JSON object.
    """
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise UnauthorizedError("the X-Auth-Token header is missing or malformed")
    from fleece import requests  # on first use: keeps `import fleece.raxauth` light

    _hide_tokens_from_urllib3_logs()
    try:
        response = _ask_identity(_token_url(token, identity_url), token, timeout)
    except requests.exceptions.Timeout:
        _LOGGER.warning("Rackspace Identity timed out validating a token")
        raise IdentityUnavailableError(
            "Rackspace Identity did not answer in time"
        ) from None
    except requests.exceptions.RequestException as error:
        # str(error) holds the URL, and so the token: only the type is told.
        _LOGGER.warning("Rackspace Identity unreachable: %s", type(error).__name__)
        raise IdentityUnavailableError(
            f"Rackspace Identity could not be reached ({type(error).__name__})"
        ) from None
    status = response.status_code
    if status in _VALID:
        try:
            userinfo = response.json()
        except ValueError:
            userinfo = None
        if not isinstance(userinfo, dict):
            _LOGGER.warning("Rackspace Identity answered %d without JSON", status)
            raise IdentityUnavailableError("Rackspace Identity answered without JSON")
        return userinfo
    if 400 <= status < 500 and status != 429:
        _LOGGER.info("Rackspace Identity rejected a token (%d)", status)
        raise UnauthorizedError(
            f"the token was rejected by Rackspace Identity ({status})"
        )
    _LOGGER.warning("Rackspace Identity failed validating a token (%d)", status)
    raise IdentityUnavailableError(f"Rackspace Identity answered {status}")
