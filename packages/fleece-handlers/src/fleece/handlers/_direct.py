"""WSGI environs read straight from well-formed events: the common case made cheap.

Nearly every event a function receives is well-formed. Reading one directly into its
environ spares the ``Request``, the header pairs and the checks that the general path
(:func:`~fleece.handlers._events.request_from_event`, then
:func:`~fleece.handlers._wsgi.environ_for`) makes for the others. Anything out of the
ordinary is left to that general path, which serves or rejects it; for every event
both give the same environ (a property test checks).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Collection
from typing import Any

from fleece.handlers._events import (
    _ALB,
    _ALB_MULTI_VALUE,
    _BODY_METHODS,
    _DROPPED_HEADERS,
    _FUNCTION_URL,
    _HTTP_API_V2,
    _KNOWN_MEDIA_TYPES,
    _METHODS,
    _PLAIN,
    _REST_V1,
    EventKind,
    _body,
    _media_type_checked,
    detect_event,
    query_from_pairs,
    raw_query_string,
    scheme_and_server,
    unquote_path,
)
from fleece.handlers._wsgi import (
    _ENVIRON_KEYS,
    _KNOWN_NAMES_LIMIT,
    _STATIC_ENVIRON,
    _port_text,
)


def direct_environ(event: Any) -> tuple[EventKind, dict[str, Any]] | None:
    """The environ of a well-formed proxy event, read straight from the event.

    Anything out of the ordinary (a repeated header, text beyond ASCII, slashes to
    merge, a field of another type, a request-template event...) gives None: the
    general path serves or rejects those.

    Args:
        event: the Lambda event.

    Returns:
        The event's kind and environ (``lambda.context`` still None), or None.
    """
    try:
        kind = detect_event(event)
        read = _DIRECT_READERS.get(kind)
        if read is None:
            return None
        return kind, read(event)
    except (_UnusualEventError, TypeError, AttributeError, LookupError, ValueError):
        # ValueError includes EventError: the general path says what is wrong.
        return None


class _UnusualEventError(Exception):
    """Something the direct path leaves to the general one."""


def _direct_rest_v1(event: dict[str, Any]) -> dict[str, Any]:
    environ = _environ_with_headers(
        event.get("headers"), event.get("multiValueHeaders")
    )
    query_string = query_from_pairs(_query_pairs(event))
    context = event.get("requestContext") or {}
    identity = context.get("identity")
    if type(identity) is not dict:
        if identity is not None:
            raise _UnusualEventError
        identity = {}
    path = _plain_path(event.get("path"))
    root_path = ""
    stage = context.get("stage")
    if (
        stage
        and stage != "$default"
        and ".execute-api." in environ.get("HTTP_HOST", "")
    ):
        # As _rest_v1 does; a plain stage name keeps "/" + stage + path plain too.
        if type(stage) is not str or not _PLAIN.fullmatch(stage):
            raise _UnusualEventError
        root_path = "/" + stage
        if event.get("version") == "1.0":
            # HTTP APIs (payload 1.0) keep the stage in the path.
            if path == root_path or path.startswith(root_path + "/"):
                path = path[len(root_path) :]
            else:
                root_path = ""
    return _complete(
        environ,
        event,
        event.get("httpMethod"),
        root_path,
        path,
        query_string,
        identity.get("sourceIp"),
    )


def _direct_payload_v2(event: dict[str, Any]) -> dict[str, Any]:
    environ = _environ_with_headers(event.get("headers"), None)
    context = event["requestContext"]
    http = context["http"]
    path = _plain_path(event.get("rawPath"))
    root_path = ""
    stage = context.get("stage")
    if stage and stage != "$default":
        prefix = "/" + stage
        if path == prefix or path.startswith(prefix + "/"):
            root_path = prefix
            path = path[len(prefix) :]
    cookies = event.get("cookies")
    if cookies:
        if type(cookies) is not list:
            raise _UnusualEventError
        # Joined as HTTP/1.1 sends them, in place of any Cookie header.
        environ["HTTP_COOKIE"] = cookie = "; ".join(cookies)
        if not cookie.isascii():
            raise _UnusualEventError
    return _complete(
        environ,
        event,
        http["method"],
        root_path,
        path,
        raw_query_string(event.get("rawQueryString") or ""),
        http.get("sourceIp"),
    )


def _direct_alb(event: dict[str, Any]) -> dict[str, Any]:
    environ = _environ_with_headers(
        event.get("headers"), event.get("multiValueHeaders")
    )
    query_string = query_from_pairs(_query_pairs(event), encoded=True)
    # ALB appends the address it saw to X-Forwarded-For; earlier ones are hearsay.
    forwarded = environ.get("HTTP_X_FORWARDED_FOR") or ""
    return _complete(
        environ,
        event,
        event.get("httpMethod"),
        "",
        _plain_path(event.get("path")),
        query_string,
        forwarded.rsplit(",", 1)[-1].strip(),
    )


_DIRECT_READERS: dict[EventKind, Callable[[dict[str, Any]], dict[str, Any]]] = {
    _REST_V1: _direct_rest_v1,
    _HTTP_API_V2: _direct_payload_v2,
    _FUNCTION_URL: _direct_payload_v2,
    _ALB: _direct_alb,
    _ALB_MULTI_VALUE: _direct_alb,
}


def _entries(single: Any, multi: Any) -> dict[str, Any] | list[tuple[str, Any]]:
    """Read a single- and a multi-value map as ``_pairs`` does, if neither is unusual.

    Returns:
        The single-value map when it says it all, else the multi-value one's
        (name, value) pairs.
    """
    if single and type(single) is not dict:
        raise _UnusualEventError
    if not multi:
        return single or {}
    if type(multi) is not dict:
        raise _UnusualEventError
    if single:
        if single.keys() == multi.keys():
            # A null in place of a list makes len() raise: left to the general path.
            if sum(map(len, multi.values())) == len(multi):
                whole: dict[str, Any] = single
                return whole
        elif not single.keys() <= multi.keys():
            raise _UnusualEventError
    pairs = []
    for name, values in multi.items():
        if type(values) is not list:
            raise _UnusualEventError
        for value in values:
            pairs.append((name, value))
    return pairs


def _environ_with_headers(single: Any, multi: Any) -> dict[str, Any]:
    """A new environ holding an event's headers, read from their two maps."""
    one_each = None
    if (
        multi
        and type(single) is dict
        and type(multi) is dict
        and len(single) == len(multi)
    ):
        # API Gateway's REST event: both maps, one value for each name (checked
        # below): the single-value one says it all.
        headers: dict[str, Any] = single
        one_each = multi
    else:
        entries = _entries(single, multi)
        headers = entries if type(entries) is dict else dict(entries)
        if len(headers) != len(entries):
            raise _UnusualEventError  # a repeated name
    environ = _STATIC_ENVIRON.copy()
    keys = _DIRECT_KEYS
    if one_each is None:
        for name, value in headers.items():
            if not _isascii(value):
                raise _UnusualEventError
            environ[keys[name]] = value
    else:
        for name, value in headers.items():
            if not _isascii(value) or len(one_each[name]) != 1:
                raise _UnusualEventError
            environ[keys[name]] = value
    if len(environ) - _STATIC_SIZE != len(headers):
        raise _UnusualEventError  # one name spelt two ways
    if _FRAMING_KEY in environ:
        del environ[_FRAMING_KEY]
    return environ


_isascii = str.isascii
"""Raises TypeError for what is no text."""
_STATIC_SIZE = len(_STATIC_ENVIRON)


class _DirectKeys(dict[str, str]):
    """Environ keys by header name as sent, learnt as names are seen."""

    def __missing__(self, name: str) -> str:
        # Beyond ASCII, upper() of a name and of its lower() may differ; with "_",
        # X_Forwarded_Proto and X-Forwarded-Proto would share a key.
        if type(name) is not str or not name.isascii() or "_" in name:
            raise _UnusualEventError
        lower = name.lower()
        key = _FRAMING_KEY if lower in _FRAMING else _ENVIRON_KEYS[lower]
        if len(self) < _KNOWN_NAMES_LIMIT:
            self[name] = key
        return key


def _learn_server(addressed: tuple[Any, Any, Any]) -> dict[str, str]:
    scheme, (host, port) = scheme_and_server(*addressed)
    server = {
        "SERVER_NAME": host,
        "SERVER_PORT": _port_text(port),
        "wsgi.url_scheme": scheme,
    }
    if len(_SERVERS) < _KNOWN_SERVERS_LIMIT:
        _SERVERS[addressed] = server
    return server


_SERVERS: dict[tuple[Any, Any, Any], dict[str, str]] = {}
"""The server keys by X-Forwarded-Proto, Host and X-Forwarded-Port: a function is
called by few names."""
_KNOWN_SERVERS_LIMIT = 64
_DIRECT_KEYS = _DirectKeys()
_FRAMING = _DROPPED_HEADERS - {"content-length"}
"""Headers dropped from the request (Content-Length is replaced anyway)."""
_FRAMING_KEY = "fleece.dropped"


def _query_pairs(event: dict[str, Any]) -> Collection[tuple[str, Any]]:
    entries = _entries(
        event.get("queryStringParameters"),
        event.get("multiValueQueryStringParameters"),
    )
    return entries.items() if isinstance(entries, dict) else entries


def _plain_path(path: Any) -> str:
    """The path decoded, if that is all it needs (no slashes to merge...)."""
    if "%" in path:
        path = unquote_path(path)
    if type(path) is str and path[:1] == "/" and "//" not in path and path.isascii():
        return path
    raise _UnusualEventError


def _complete(
    environ: dict[str, Any],
    event: dict[str, Any],
    method: Any,
    script_name: str,
    path_info: str,
    query_string: str,
    client_ip: Any,
) -> dict[str, Any]:
    """Fill in what every event shape gives, as _request and environ_for do."""
    if method not in _METHODS:  # TypeError if unhashable
        raise _UnusualEventError
    content_type = environ.get("CONTENT_TYPE")
    if (
        content_type is not None
        and content_type not in _KNOWN_MEDIA_TYPES
        and not _media_type_checked(content_type)
    ):
        raise _UnusualEventError
    body = _body(event)
    if body or method in _BODY_METHODS:
        environ["CONTENT_LENGTH"] = str(len(body))
        if body and content_type is None:
            environ["CONTENT_TYPE"] = "application/json"
    elif "CONTENT_LENGTH" in environ:
        del environ["CONTENT_LENGTH"]
    addressed = (
        environ.get("HTTP_X_FORWARDED_PROTO"),
        environ.get("HTTP_HOST"),
        environ.get("HTTP_X_FORWARDED_PORT"),
    )
    server = _SERVERS.get(addressed)
    if server is None:
        server = _learn_server(addressed)
    environ.update(server)
    environ["lambda.event"] = event
    environ["REQUEST_METHOD"] = method
    environ["SCRIPT_NAME"] = script_name
    environ["PATH_INFO"] = path_info
    environ["QUERY_STRING"] = query_string
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.errors"] = sys.stderr
    if isinstance(client_ip, str) and client_ip:
        environ["REMOTE_ADDR"] = client_ip
        environ["REMOTE_PORT"] = "0"
    return environ
