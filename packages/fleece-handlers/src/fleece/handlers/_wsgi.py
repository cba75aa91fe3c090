"""Run a WSGI app on one request: the environ from the request, the whole response back.

A Lambda invocation serves one request at a time, so the app is called inline, on the
caller's thread, with no ASGI bridge or worker thread in between.
"""

from __future__ import annotations

import io
import operator
import sys
from collections.abc import Callable, Collection, Iterable, MutableMapping
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
    LAMBDA_RESPONSE_LIMIT,
    EventKind,
    Request,
    Response,
    _body,
    _media_type_checked,
    detect_event,
    query_from_alb_pairs,
    query_from_pairs,
    raw_query_string,
    scheme_and_server,
    unquote_path,
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ_for(request: Request) -> dict[str, Any]:
    """The WSGI environ of a request (PEP 3333: text as latin-1 code points).

    Args:
        request: the request.

    Returns:
        The environ, with the event and context as ``lambda.event`` and
        ``lambda.context`` (as in fleece 1.x), and ``asgi.scope`` when the request
        came as an ASGI scope.
    """
    root_path = request.root_path
    path = request.path
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server_name, server_port = request.server
    environ = _STATIC_ENVIRON.copy()
    environ["lambda.event"] = request.event
    environ["lambda.context"] = request.context
    environ["REQUEST_METHOD"] = request.method
    environ["SCRIPT_NAME"] = root_path if root_path.isascii() else _latin1(root_path)
    environ["PATH_INFO"] = path if path.isascii() else _latin1(path)
    environ["QUERY_STRING"] = request.query_string.decode("ascii")
    environ["SERVER_NAME"] = server_name
    environ["SERVER_PORT"] = _port_text(server_port)
    environ["wsgi.url_scheme"] = request.scheme
    environ["wsgi.input"] = io.BytesIO(request.body)
    environ["wsgi.errors"] = sys.stderr
    if request.client:
        environ["REMOTE_ADDR"], port = request.client
        environ["REMOTE_PORT"] = "0" if port == 0 else str(port)
    headers = request.headers
    if headers:
        count = len(environ)
        keys = _ENVIRON_KEYS
        # All in C (no bytecode per header); the two columns are of one list.
        names = map(keys.__getitem__, map(_NAME, headers))
        environ.update(zip(names, map(_VALUE, headers)))  # noqa: B905
        if len(environ) - count != len(headers) or not request.ascii_headers:
            # A repeated name (joined with commas, as HTTP allows) or text beyond
            # ASCII (given as latin-1 code points): the slow way.
            for name, _ in headers:
                environ.pop(keys[name], None)
            for name, value in headers:
                key = keys[name]
                if not value.isascii():
                    value = _latin1(value)
                environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def environ_from_scope(scope: MutableMapping[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI request, ``asgi.scope`` included.

    Args:
        scope: the request's ASGI scope.
        body: the whole request body.

    Returns:
        The environ.
    """
    environ = environ_for(Request.from_scope(scope, body))
    environ["asgi.scope"] = scope
    return environ


_STATIC_ENVIRON: dict[str, Any] = {
    "lambda.event": None,
    "lambda.context": None,
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "443",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "https",
    "wsgi.input": None,
    "wsgi.errors": None,
    "wsgi.multithread": False,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
}
"""The keys of every environ, in order, with what no request changes: each environ
starts as a copy, quicker than building the dict anew."""
_STATIC_SIZE = len(_STATIC_ENVIRON)


def _port_text(port: int) -> str:
    return "443" if port == 443 else "80" if port == 80 else str(port)


def _latin1(text: str) -> str:
    # PEP 3333 carries bytes as latin-1 code points; surrogateescape gives back
    # bytes that arrived as undecodable.
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


class _EnvironKeys(dict[str, str]):
    """Environ keys by header name, learnt as names are seen (clients send few)."""

    def __missing__(self, name: str) -> str:
        key = "HTTP_" + name.upper().replace("-", "_")
        if len(self) < _KNOWN_NAMES_LIMIT:
            self[name] = key
        return key


_KNOWN_NAMES_LIMIT = 512
_NAME = operator.itemgetter(0)
_VALUE = operator.itemgetter(1)
_ENVIRON_KEYS = _EnvironKeys(
    {"content-length": "CONTENT_LENGTH", "content-type": "CONTENT_TYPE"}
)


def direct_environ(event: Any) -> tuple[EventKind, dict[str, Any]] | None:
    """The environ of a well-formed proxy event, read straight from the event.

    Nearly every event is well-formed: reading it directly spares the ``Request``, the
    header pairs and the checks that :func:`request_from_event` and
    :func:`environ_for` make for those that are not. Anything out of the ordinary (a
    repeated header, text beyond ASCII, an escape in the path, a field of another
    type, a request-template event...) gives None, for that general path to serve or
    reject; for every event both give the same environ.

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
        _entries(event.get("headers"), event.get("multiValueHeaders"))
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
    environ = _environ_with_headers(_entries(event.get("headers"), None))
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
        _entries(event.get("headers"), event.get("multiValueHeaders"))
    )
    query_string = query_from_alb_pairs(_query_pairs(event))
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
    values = multi.values()
    # A null in place of a list makes len() raise: the general path reads those.
    if single and single.keys() == multi.keys() and sum(map(len, values)) == len(multi):
        whole: dict[str, Any] = single
        return whole
    if set(map(type, values)) != _LIST or (
        single and not single.keys() <= multi.keys()
    ):
        raise _UnusualEventError
    return [(name, value) for name, values in multi.items() for value in values]


_LIST = {list}


def _environ_with_headers(
    entries: dict[str, Any] | list[tuple[str, Any]],
) -> dict[str, Any]:
    headers = entries if type(entries) is dict else dict(entries)
    if len(headers) != len(entries):
        raise _UnusualEventError  # a repeated name
    names = tuple(headers)
    keys = _KEYS_BY_NAMES.get(names)
    if keys is None:
        keys = _learn_keys(names)
    environ = _STATIC_ENVIRON.copy()
    environ.update(zip(keys, headers.values()))  # noqa: B905 - as many as names
    if not "".join(headers.values()).isascii():
        raise _UnusualEventError
    if _FRAMING_KEY in environ:
        del environ[_FRAMING_KEY]
    return environ


def _learn_keys(names: tuple[str, ...]) -> tuple[str, ...]:
    keys = tuple(map(_direct_key, names))
    if len(set(keys)) != len(keys):
        raise _UnusualEventError  # two spellings of one name
    if len(_KEYS_BY_NAMES) < _KNOWN_NAMES_LIMIT:
        _KEYS_BY_NAMES[names] = keys
    return keys


def _direct_key(name: str) -> str:
    # Beyond ASCII, upper() of a name and of its lower() may differ; with "_",
    # X_Forwarded_Proto and X-Forwarded-Proto would share a key.
    if type(name) is not str or not name.isascii() or "_" in name:
        raise _UnusualEventError
    lower = name.lower()
    return _FRAMING_KEY if lower in _FRAMING else _ENVIRON_KEYS[lower]


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
_KEYS_BY_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}
"""Environ keys by the header names of an event, in order: clients send few sets."""
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
    if type(method) is not str or method not in _METHODS:
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


def call_wsgi(
    app: WSGIApp, environ: dict[str, Any], limit: int | None = LAMBDA_RESPONSE_LIMIT
) -> Response:
    """Call a WSGI app; return its status, header pairs and whole body.

    Streamed (iterable or ``write()``) bodies are gathered; one past ``limit`` bytes
    (Lambda's response limit; None for no limit) stops being read and comes back
    ``too_large``.

    Raises:
        Exception: whatever the app raised, or RuntimeError when it never called
            ``start_response``.
    """
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        # Nothing is sent before the app returns, so a second call (an error page
        # with exc_info, PEP 3333) simply replaces the status and headers.
        started[:] = [status, headers]
        return written.append

    result = app(environ, start_response)
    if type(result) is list:
        # Already whole, and with no close(): nothing to stream.
        written += result
    else:
        try:
            size = sum(map(len, written))
            for chunk in result:
                written.append(chunk)
                size += len(chunk)
                if limit is not None and size > limit:
                    break
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    if not started:
        raise RuntimeError("the WSGI app returned without calling start_response")
    status_line, headers = started
    status = _STATUS_CODES.get(status_line)
    if status is None:
        status = _status_code(status_line)
    lowered = [(name.lower(), value) for name, value in headers]
    body = b"".join(written)
    if limit is not None and len(body) > limit:
        return Response(status, lowered, b"", too_large=True)
    return Response(status, lowered, body)


def _status_code(status_line: str) -> int:
    status = int(status_line[:3])
    if len(_STATUS_CODES) < _KNOWN_STATUS_LIMIT:
        _STATUS_CODES[status_line] = status
    return status


_STATUS_CODES: dict[str, int] = {}
"""Status codes by status line ("200 OK"): an app sends few."""
_KNOWN_STATUS_LIMIT = 64
