"""Lambda events to HTTP requests, and HTTP responses back to integration answers.

The one place that knows the shapes of API Gateway REST v1 proxy, HTTP API v2, ALB,
Function URL and fleece 1.x request-template events: :func:`detect_event` tells them
apart, :func:`request_from_event` turns one into an ASGI request (from which the WSGI
environ is made), :func:`answer_for` turns the app's response into what that
integration expects back. (``_direct`` reads well-formed events straight into WSGI
environs, with this module's checks, and leaves the rest to it.)
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Collection, Iterable, Mapping, MutableMapping
from itertools import chain
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlencode

from fleece.httperror import HTTPError
from fleece.httperror._error import reason_phrase

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
"""The most bytes a synchronous Lambda invocation may answer with, as JSON."""


class EventKind(enum.Enum):
    """The integrations whose events fleece understands."""

    REST_V1 = "rest-v1"
    """API Gateway REST API proxy integration (payload format 1.0)."""
    HTTP_API_V2 = "http-api-v2"
    """API Gateway HTTP API (payload format 2.0)."""
    FUNCTION_URL = "function-url"
    """Lambda Function URL (payload format 2.0)."""
    ALB = "alb"
    """Application Load Balancer target, single-value headers."""
    ALB_MULTI_VALUE = "alb-multi-value"
    """Application Load Balancer target with multi-value headers enabled."""
    REQUEST_TEMPLATE = "request-template"
    """API Gateway non-proxy integration using fleece 1.x's request template."""

    # Members are singletons: hashing by identity spares the Python-level
    # Enum.__hash__ on every dispatch-table look-up.
    __hash__ = object.__hash__


# The members as module globals: reading one off the enum class costs several times
# as much, on every event.
_REST_V1 = EventKind.REST_V1
_HTTP_API_V2 = EventKind.HTTP_API_V2
_FUNCTION_URL = EventKind.FUNCTION_URL
_ALB = EventKind.ALB
_ALB_MULTI_VALUE = EventKind.ALB_MULTI_VALUE
REQUEST_TEMPLATE = EventKind.REQUEST_TEMPLATE
_PAYLOAD_V2_KINDS = (_HTTP_API_V2, _FUNCTION_URL)


class EventError(ValueError):
    """An event is of no known shape, or a field of it is malformed."""


class Request:
    """An HTTP request made from an event, ready to be an ASGI scope or WSGI environ.

    ``headers`` are (lower-case name, value) pairs as the app should see them:
    framing headers dropped, Content-Length (and a default Content-Type) set from
    the decoded ``body``.
    """

    __slots__ = (
        "_scope",
        "ascii_headers",
        "body",
        "client",
        "context",
        "event",
        "headers",
        "kind",
        "method",
        "path",
        "query_string",
        "root_path",
        "scheme",
        "server",
    )

    def __init__(
        self,
        kind: EventKind | None,
        event: Any,
        method: str,
        path: str,
        root_path: str,
        query_string: bytes,
        headers: list[tuple[str, str]],
        body: bytes,
        scheme: str = "https",
        server: tuple[str, int] = ("localhost", 443),
        client: tuple[str, int] | None = None,
    ) -> None:
        self.kind = kind
        self.event = event
        self.context: Any = None
        self.method = method
        self.path = path
        self.root_path = root_path
        self.query_string = query_string
        self.headers = headers
        # Whether every header name and value is ASCII, as nearly all are.
        self.ascii_headers = "".join(chain.from_iterable(headers)).isascii()
        self.body = body
        self.scheme = scheme
        self.server = server
        self.client = client
        self._scope: MutableMapping[str, Any] | None = None

    @property
    def scope(self) -> MutableMapping[str, Any]:
        """The request's ASGI scope (``aws.event``/``aws.context`` set), made once."""
        if self._scope is None:
            self._scope = {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.4"},
                "http_version": "1.1",
                "method": self.method,
                "scheme": self.scheme,
                "path": self.path,
                "root_path": self.root_path,
                "query_string": self.query_string,
                "headers": [
                    (name.encode(), value.encode()) for name, value in self.headers
                ],
                "client": self.client,
                "server": self.server,
                "aws.event": self.event,
                "aws.context": self.context,
            }
        return self._scope

    @classmethod
    def from_scope(cls, scope: MutableMapping[str, Any], body: bytes) -> Request:
        """The request an ASGI scope describes (its headers read as UTF-8)."""
        request = cls(
            None,
            scope.get("aws.event"),
            scope["method"],
            scope["path"],
            scope.get("root_path", ""),
            scope["query_string"],
            [
                (name.decode("latin-1"), value.decode("utf-8", "surrogateescape"))
                for name, value in scope["headers"]
            ],
            body,
            scheme=scope.get("scheme", "http"),
            server=scope.get("server") or ("localhost", 80),
            client=scope.get("client"),
        )
        request.context = scope.get("aws.context")
        request._scope = scope
        return request


class Response:
    """An HTTP response: status, header pairs (names lower-case) and the whole body.

    ``too_large`` says the app sent more than Lambda can answer with; ``body`` then
    holds none of it.
    """

    __slots__ = ("body", "headers", "status", "too_large")

    def __init__(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        too_large: bool = False,
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.too_large = too_large


class HeaderDict(dict[str, Any]):
    """A response's headers: keys lower-case, looked up in any case."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key.lower() if isinstance(key, str) else key)

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value of header ``key`` (any case), else ``default``."""
        return super().get(key.lower(), default)


_DESCRIPTIONS = {
    EventKind.REST_V1: "API Gateway REST v1 proxy event",
    EventKind.HTTP_API_V2: "API Gateway HTTP API v2 event",
    EventKind.FUNCTION_URL: "Lambda Function URL event",
    EventKind.ALB: "ALB event",
    EventKind.ALB_MULTI_VALUE: "ALB event",
    EventKind.REQUEST_TEMPLATE: "request-template event",
}
_METHOD = re.compile(r"[A-Za-z]{1,32}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PORT = re.compile(r"[0-9]{1,5}")
# RFC 3986 host (reg-name, IPv4 or bracketed IPv6 literal) and optional port.
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[\w.~!$&'()*+,;=%-]*)(?::([0-9]*))?", re.ASCII)
_SLASHES = re.compile(r"//+")
# RFC 9110 "token" characters, of which media types and subtypes are made.
_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf"[ \t]*{_TCHARS}/{_TCHARS}[ \t]*(;.*)?", re.DOTALL)
_PLAIN = re.compile(r"[\w.~-]*", re.ASCII)
_PLAIN_QUERY = re.compile(r"[\w.~!$&'()*+,/:;=?@%-]*", re.ASCII)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Hop-by-hop and framing headers describe how the client sent the body, not the body
# the event hands over whole; Content-Length is recomputed from the decoded body.
_DROPPED_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_QUERY_SAFE = "!$&'()*+,/:;=?@~%"
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/yaml",
        "application/x-yaml",
        "application/graphql",
    }
)
_TEXT_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)


def detect_event(event: object) -> EventKind:
    """Tell which integration sent ``event``.

    Args:
        event: the event the Lambda function received.

    Returns:
        The event's kind.

    Raises:
        EventError: the event is of no known shape.
    """
    if not isinstance(event, dict):
        raise EventError(
            "unknown event shape: an event is a JSON object, "
            f"not {type(event).__name__}"
        )
    context = event.get("requestContext")
    if isinstance(context, dict):
        if "elb" in context:
            multi = "multiValueHeaders" in event or (
                "multiValueQueryStringParameters" in event
            )
            return _ALB_MULTI_VALUE if multi else _ALB
        if "http" in context or event.get("version") == "2.0":
            domain = context.get("domainName")
            if isinstance(domain, str) and ".lambda-url." in domain:
                return _FUNCTION_URL
            return _HTTP_API_V2
        if "httpMethod" in event:
            return _REST_V1
    elif (
        context is None
        and isinstance(event.get("httpMethod"), str)
        and isinstance(event.get("path"), str)
    ):
        # A hand-built proxy event (tests, `sam local`, 1.x callers) often carries no
        # requestContext: it is still a REST v1 proxy request.
        return _REST_V1
    parameters = event.get("parameters")
    if (
        isinstance(parameters, dict)
        and "gateway" in parameters
        and "request" in parameters
    ):
        return REQUEST_TEMPLATE
    raise EventError(
        "unknown event shape: expected an API Gateway REST v1 proxy, HTTP API v2, "
        "ALB, Lambda Function URL or request-template event"
    )


def request_from_event(event: object) -> Request:
    """Turn an event into the HTTP request it stands for.

    Args:
        event: the event the Lambda function received.

    Returns:
        The request, with its ASGI scope (``aws.event`` set to the event).

    Raises:
        EventError: the event is of no known shape or is malformed; the message says
            which field is wrong.
    """
    kind = detect_event(event)
    assert isinstance(event, dict)  # noqa: S101 - detect_event checked it
    try:
        return _BUILDERS[kind](kind, event)
    except EventError as error:
        raise EventError(f"malformed {_DESCRIPTIONS[kind]}: {error}") from None
    except (AttributeError, TypeError, KeyError, ValueError) as error:
        # A field of an unexpected type or value deeper down, e.g. a header name
        # that is a number in an event built by hand.
        raise EventError(
            f"malformed {_DESCRIPTIONS[kind]}: unexpected structure ({error})"
        ) from None


def _field(mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = mapping.get(key)
    if value is not None and not isinstance(value, kind):
        raise EventError(f"{key!r} must be {_type_names(kind)} or null")
    return value


def _type_names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names: dict[type, str] = {str: "a string", list: "a list", dict: "an object"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise EventError(f"{what} must be a string, got {type(value).__name__}")
    return value


def _utf8(value: str, what: str) -> bytes:
    try:
        return value.encode()
    except UnicodeEncodeError:
        raise EventError(f"{what} is not valid Unicode text") from None


def _method(value: Any) -> str:
    if type(value) is str and value in _METHODS:
        return value
    method = _text(value, "the HTTP method")
    if not _METHOD.fullmatch(method):
        raise EventError(f"the HTTP method {method[:40]!r} is not a method name")
    return method.upper()


def _pairs(
    event: Mapping[str, Any], multi_key: str | None, single_key: str, *, lower: bool
) -> list[tuple[str, str]]:
    """Flatten an event's multi-value and single-value maps; multi-value entries win.

    A name or value that is not a string is left for the caller to trip over (a
    TypeError or AttributeError, which :func:`request_from_event` turns into a 400):
    checking each one here would cost every well-formed event.
    """
    single = event.get(single_key)
    if single and not isinstance(single, dict):
        raise EventError(f"{single_key!r} must be an object or null")
    multi = event.get(multi_key) if multi_key else None
    if not multi:
        return _single_pairs(single, lower) if single else []
    if not isinstance(multi, dict):
        raise EventError(f"{multi_key!r} must be an object or null")
    if (
        single
        and single.keys() == multi.keys()
        and None not in multi.values()
        and sum(map(len, multi.values())) == len(multi)
    ):
        # One value per name, so both maps say the same (API Gateway's usual
        # event): the single-value map is the quicker read.
        return _single_pairs(single, lower)
    pairs: list[tuple[str, str]] = []
    complete = True
    for name, values in multi.items():
        if type(values) is list:
            key = name.lower() if lower else name
            for value in values:
                pairs.append((key, value))
        elif values is None:
            complete = False
        else:
            raise EventError(f"{multi_key!r} entry {name!r} must be a list")
    if not single or (complete and single.keys() <= multi.keys()):
        # API Gateway repeats every name in both maps: nothing left to add.
        return pairs
    seen = {key for key, _ in pairs}
    for name, value in single.items():
        key = name.lower() if lower else name
        if key not in seen and value is not None:
            pairs.append((key, value))
    return pairs


def _single_pairs(single: dict[str, Any], lower: bool) -> list[tuple[str, str]]:
    values = single.values()
    if None in values:
        single = {name: value for name, value in single.items() if value is not None}
        values = single.values()
    # Keys and values of one dict: as many of each, no need for zip(strict=True).
    return list(zip(map(_LOWER_NAMES.__getitem__, single) if lower else single, values))  # noqa: B905


class _LowerNames(dict[str, str]):
    """Header names in lower case by name as sent, learnt as seen (clients send few).

    A look-up here is quicker than lower-casing the same names on every event.
    """

    def __missing__(self, name: str) -> str:
        lower = name.lower()
        if len(self) < _KNOWN_NAMES_LIMIT:
            self[name] = lower
        return lower


_KNOWN_NAMES_LIMIT = 512
_LOWER_NAMES = _LowerNames()


def _header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body")
    if body is None:
        return b""
    if type(body) is not str:
        body = _text(body, "'body'")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise EventError(
                "'body' is marked isBase64Encoded but is not base64"
            ) from None
    # Checked first: a call less for the usual body.
    return body.encode() if body.isascii() else _utf8(body, "'body'")


def _request(
    kind: EventKind,
    event: Mapping[str, Any],
    method: str,
    path: str,
    root_path: str,
    query_string: bytes,
    headers: list[tuple[str, str]],
    body: bytes,
    client_ip: Any,
) -> Request:
    if not path.startswith("/"):
        path = "/" + path
    elif "//" in path:
        # As web servers do (nginx's merge_slashes): "//items" is "/items", never a
        # scheme-relative URL naming a host "items".
        path = _SLASHES.sub("/", path)
    if not path.isascii():
        _utf8(path, "the path")
    # Each name's first value, for the few headers read here.
    first = dict(reversed(headers))
    scheme, server = scheme_and_server(
        first.get("x-forwarded-proto"), first.get("host"), first.get("x-forwarded-port")
    )
    if not _DROPPED_HEADERS.isdisjoint(first):
        headers = [pair for pair in headers if pair[0] not in _DROPPED_HEADERS]
    content_type = first.get("content-type")
    if (
        content_type is not None
        and content_type not in _KNOWN_MEDIA_TYPES
        and not _media_type_checked(content_type)
    ):
        # connexion splits it on "/" and fails with a 500 otherwise.
        raise EventError(
            f"the Content-Type {content_type[:60]!r} is not a type/subtype media type"
        )
    if body or method in _BODY_METHODS:
        headers.append(("content-length", str(len(body))))
        if body and content_type is None:
            # As fleece 1.x did: a body sent without a type is taken as JSON, so
            # it is validated as such instead of reaching the operation unchecked.
            headers.append(("content-type", "application/json"))
    request = Request(
        kind,
        event,
        method,
        path,
        root_path,
        query_string,
        headers,
        body,
        scheme,
        server,
        (client_ip, 0) if isinstance(client_ip, str) and client_ip else None,
    )
    if not request.ascii_headers:
        _utf8("".join(chain.from_iterable(headers)), "a header")
    return request


def scheme_and_server(
    forwarded_proto: str | None, host_header: str | None, forwarded_port: str | None
) -> tuple[str, tuple[str, int]]:
    """The URL scheme and the server's name and port, as the client addressed them.

    Args:
        forwarded_proto: the X-Forwarded-Proto header, if any.
        host_header: the Host header, if any.
        forwarded_port: the X-Forwarded-Port header, if any.

    Returns:
        ``http`` or ``https`` (the default), and the host name and port.

    Raises:
        EventError: the Host header is no host name (checked here so that no app or
            error handler has to parse it later).
    """
    scheme = (forwarded_proto or "https").lower()
    if scheme not in ("http", "https"):
        scheme = "https"
    host_header = host_header or "localhost"
    known = _KNOWN_HOSTS.get(host_header)
    if known is None:
        known = _host_and_port(host_header)
    host, host_port = known
    port_text = forwarded_port or host_port
    port = _PORTS.get(port_text)
    if port is None:
        port = int(port_text) if _PORT.fullmatch(port_text) else 0
    return scheme, (host, port or (443 if scheme == "https" else 80))


_PORTS = {"443": 443, "80": 80}
"""The ports nearly every event names, already parsed."""
_KNOWN_MEDIA_TYPES: set[str] = set()
"""Content-Type values already checked (a function sees few)."""
_KNOWN_MEDIA_TYPES_LIMIT = 64


def _media_type_checked(content_type: str) -> bool:
    if not _MEDIA_TYPE.fullmatch(content_type):
        return False
    if len(_KNOWN_MEDIA_TYPES) < _KNOWN_MEDIA_TYPES_LIMIT:
        _KNOWN_MEDIA_TYPES.add(content_type)
    return True


_KNOWN_HOSTS: dict[str, tuple[str, str]] = {}
"""Host headers already checked, split into host and port (a function sees few)."""
_KNOWN_HOSTS_LIMIT = 64


def _host_and_port(host_header: str) -> tuple[str, str]:
    match = _HOST.fullmatch(host_header)
    if match is None:
        raise EventError(f"the Host header {host_header[:60]!r} is not a host name")
    known = (match.group(1), match.group(2) or "")
    if len(_KNOWN_HOSTS) < _KNOWN_HOSTS_LIMIT:
        _KNOWN_HOSTS[host_header] = known
    return known


def unquote_path(path: str) -> str:
    """A path with its %-escapes decoded."""
    return unquote(path) if "%" in path else path


def query_from_pairs(
    pairs: Collection[tuple[str, str]], *, encoded: bool = False
) -> str:
    """The query string of (name, value) pairs, in ASCII, escaped where needed.

    Args:
        pairs: the query parameters.
        encoded: whether they are still percent-encoded, as ALB hands them over.
    """
    if not pairs:
        return ""
    if _PLAIN.fullmatch("".join(chain.from_iterable(pairs))):
        # Nothing to escape, nor decode (the usual query): one check for all of it.
        return "&".join(map("=".join, pairs))
    if encoded:
        pairs = [(unquote_plus(name), unquote_plus(value)) for name, value in pairs]
    try:
        return "&".join(
            f"{name}={value}"
            if _PLAIN.fullmatch(name) and _PLAIN.fullmatch(value)
            else f"{quote_plus(name)}={quote_plus(value)}"
            for name, value in pairs
        )
    except UnicodeEncodeError:
        raise EventError("a query parameter is not valid Unicode text") from None


def _headers_and_query(
    event: Mapping[str, Any],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The headers and query parameters of a REST v1 or ALB event, as pairs."""
    headers = _pairs(event, "multiValueHeaders", "headers", lower=True)
    query = _pairs(
        event,
        "multiValueQueryStringParameters",
        "queryStringParameters",
        lower=False,
    )
    return headers, query


def _rest_v1(kind: EventKind, event: Mapping[str, Any]) -> Request:
    method = _method(event.get("httpMethod"))
    headers, query = _headers_and_query(event)
    # Fields of the expected type are read directly; `_field` explains the others.
    context = event.get("requestContext") or {}
    identity = context.get("identity")
    if type(identity) is not dict:
        identity = _field(context, "identity", dict) or {}
    path = event.get("path")
    if type(path) is not str or not path:
        path = _field(event, "path", str) or "/"
    path = unquote_path(path)
    root_path = ""
    stage = context.get("stage")
    if (
        stage
        and stage != "$default"
        and ".execute-api." in (_header_value(headers, "host") or "")
    ):
        stage = _text(stage, "'stage'")
        # Clients call https://{api}.execute-api.{region}.amazonaws.com/{stage}/{path}:
        # the stage is the app's root, so the URLs the app builds carry it. REST APIs
        # leave it out of `path`; HTTP APIs (payload version 1.0) keep it there.
        root_path = "/" + stage
        if event.get("version") != "1.0":
            path = root_path + path
        elif not (path == root_path or path.startswith(root_path + "/")):
            root_path = ""
    return _request(
        kind,
        event,
        method,
        path,
        root_path,
        query_from_pairs(query).encode(),
        headers,
        _body(event),
        identity.get("sourceIp"),
    )


def _payload_v2(kind: EventKind, event: Mapping[str, Any]) -> Request:
    # Fields of the expected type are read directly; `_field` explains the others.
    context = event["requestContext"]
    http = context.get("http")
    if type(http) is not dict:
        http = _field(context, "http", dict) or {}
    method = _method(http.get("method"))
    raw_path = event.get("rawPath")
    if type(raw_path) is not str or not raw_path:
        raw_path = _field(event, "rawPath", str) or _field(http, "path", str) or "/"
    path = unquote_path(raw_path)
    root_path = ""
    stage = context.get("stage")
    if stage and stage != "$default":
        stage = _text(stage, "'stage'")
        prefix = "/" + stage
        if path == prefix or path.startswith(prefix + "/"):
            # A named stage prefixes rawPath; routing happens below it.
            root_path = prefix
    raw_query = event.get("rawQueryString") or ""
    if type(raw_query) is not str:
        raw_query = _field(event, "rawQueryString", str)
    query_string = raw_query_string(raw_query).encode("ascii")
    headers = _pairs(event, None, "headers", lower=True)
    cookies = event.get("cookies")
    if cookies:
        cookies = _field(event, "cookies", list)
        texts = [_text(cookie, "a cookie") for cookie in cookies]
        headers = [(k, v) for k, v in headers if k != "cookie"]
        headers.append(("cookie", "; ".join(texts)))
    body = _body(event)
    return _request(
        kind,
        event,
        method,
        path,
        root_path,
        query_string,
        headers,
        body,
        http.get("sourceIp"),
    )


def raw_query_string(raw_query: str) -> str:
    """A payload 2.0 ``rawQueryString`` as a URL's query, in ASCII.

    The integration percent-encodes it already; only what a client left raw (text
    beyond ASCII, spaces) is quoted here.
    """
    if _PLAIN_QUERY.fullmatch(raw_query):
        return raw_query
    return quote(raw_query, safe=_QUERY_SAFE)


def _alb(kind: EventKind, event: Mapping[str, Any]) -> Request:
    method = _method(event.get("httpMethod"))
    headers, encoded_query = _headers_and_query(event)
    forwarded = _header_value(headers, "x-forwarded-for") or ""
    # ALB appends the address it saw to X-Forwarded-For; earlier ones are hearsay.
    client_ip = forwarded.rsplit(",", 1)[-1].strip()
    path = unquote_path(_field(event, "path", str) or "/")
    body = _body(event)
    return _request(
        kind,
        event,
        method,
        path,
        "",
        query_from_pairs(encoded_query, encoded=True).encode(),
        headers,
        body,
        client_ip,
    )


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _request_template(kind: EventKind, event: Mapping[str, Any]) -> Request:
    parameters = event["parameters"]
    gateway = _field(parameters, "gateway", dict) or {}
    request = _field(parameters, "request", dict) or {}
    context = _field(event, "rawContext", dict) or {}
    method = _method(context.get("httpMethod") or gateway.get("http-method"))
    path_values = _field(request, "path", dict) or {}

    def fill(match: re.Match[str]) -> str:
        # A greedy {proxy+} segment may be keyed "proxy+" or "proxy"; its value
        # spans several segments.
        name = match.group(1)
        value = path_values.get(name, path_values.get(name.rstrip("+")))
        if value is None:
            raise EventError(f"path parameter {name!r} has no value")
        return str(value)

    resource_path = _text(gateway.get("resource-path", "/"), "'resource-path'")
    path = _PLACEHOLDER.sub(fill, resource_path)
    query_string = _template_query(request.get("querystring"))
    header_map = _field(request, "header", dict) or {}
    headers = [
        (str(name).lower(), str(value))
        for name, value in header_map.items()
        if value is not None
    ]
    payload = request.get("body")
    body = b""
    if method in _BODY_METHODS or payload not in (None, {}, ""):
        # The template embeds the body already parsed: send it on as JSON.
        import json

        body = _utf8(json.dumps(payload), "'body'")
        if _header_value(headers, "content-type") is None:
            headers.append(("content-type", "application/json"))
    identity = _field(context, "identity", dict) or {}
    return _request(
        kind,
        event,
        method,
        path,
        "",
        query_string,
        headers,
        body,
        identity.get("sourceIp"),
    )


def _template_query(query: Any) -> bytes:
    """The query string of a template's ``querystring``, in any form 1.x accepted.

    Mapping templates produce an object, a list of name/value pairs, or a string
    (``""`` when the request had no query, else the query string itself).
    """
    if query is None or query == "":
        return b""
    if isinstance(query, str):
        return quote(query, safe=_QUERY_SAFE).encode("ascii")
    if isinstance(query, dict):
        pairs = [(str(name), value) for name, value in query.items()]
    elif isinstance(query, list) and all(
        isinstance(pair, list | tuple) and len(pair) == 2 for pair in query
    ):
        pairs = [(str(name), value) for name, value in query]
    else:
        raise EventError(
            "'querystring' must be an object, a list of name/value pairs or a string"
        )
    try:
        return urlencode(
            [(name, value) for name, value in pairs if value is not None], doseq=True
        ).encode("ascii")
    except UnicodeEncodeError:
        raise EventError("a query parameter is not valid Unicode text") from None


_BUILDERS = {
    _REST_V1: _rest_v1,
    _HTTP_API_V2: _payload_v2,
    _FUNCTION_URL: _payload_v2,
    _ALB: _alb,
    _ALB_MULTI_VALUE: _alb,
    REQUEST_TEMPLATE: _request_template,
}


INTERNAL_ERROR = (
    "The server encountered an internal error and was unable to complete your request."
)
"""The detail of every 500 fleece answers: nothing about what went wrong."""


def problem(status: int, detail: str) -> Response:
    """A response with an RFC 7807 problem body, as connexion writes its errors.

    Args:
        status: the HTTP status.
        detail: what went wrong, for the client.

    Returns:
        The response.
    """
    import json  # loaded by the first error, not on every cold start

    body = {
        "type": "about:blank",
        "title": reason_phrase(status),
        "detail": detail,
        "status": status,
    }
    return Response(
        status,
        [("content-type", "application/problem+json")],
        json.dumps(body).encode(),
    )


def _encode_body(body: bytes, content_type: str, encoded: bool) -> tuple[str, bool]:
    """Return the body as the integration wants it, and whether it is base64.

    ``encoded`` says a Content-Encoding (gzip...) made the body bytes, whatever its
    type.
    """
    if not body:
        return "", False
    if not encoded:
        text = _TEXT_CONTENT.get(content_type)
        if text is None:
            text = _is_text(content_type)
            if len(_TEXT_CONTENT) < _TEXT_CONTENT_LIMIT:
                _TEXT_CONTENT[content_type] = text
        if text:
            try:
                return body.decode(), False
            except UnicodeDecodeError:
                pass
    return base64.b64encode(body).decode(), True


_TEXT_CONTENT: dict[str, bool] = {}
"""Whether a Content-Type is UTF-8 text, by its value (an app sends few)."""
_TEXT_CONTENT_LIMIT = 256


def _is_text(content_type: str) -> bool:
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    text = (
        media_type.startswith("text/")
        or media_type in _TEXT_TYPES
        or media_type.endswith(("+json", "+xml"))
    )
    charset = _CHARSET.search(parameters)
    return text and (charset is None or charset.group(1).lower() in _TEXT_CHARSETS)


def answer_for(kind: EventKind | None, response: Response) -> dict[str, Any]:
    """Turn a response into the dict the integration that sent the event expects.

    Args:
        kind: the event's kind; None (an event of no known shape) answers as REST v1.
        response: the app's response.

    Returns:
        ``statusCode``, ``headers``, ``body``, ``isBase64Encoded``, plus
        ``multiValueHeaders`` (REST v1, multi-value ALB), ``cookies`` (HTTP API v2,
        Function URL) or ``statusDescription`` (ALB).
    """
    status = response.status
    pairs = response.headers
    single = HeaderDict(pairs)
    if len(single) == len(pairs):
        # No name repeats (the usual answer): every shape is a plain copy.
        encoding = _get(single, "content-encoding")
        body, is_base64 = _encode_body(
            response.body,
            _get(single, "content-type", ""),
            encoding is not None and _is_encoded(encoding),
        )
        if kind is _HTTP_API_V2 or kind is _FUNCTION_URL:
            cookie = single.pop("set-cookie", None)
            return {
                "statusCode": status,
                "headers": single,
                "cookies": [] if cookie is None else [cookie],
                "body": body,
                "isBase64Encoded": is_base64,
            }
        if kind is _ALB:
            return {
                "statusCode": status,
                "headers": single,
                "statusDescription": _status_line(status),
                "body": body,
                "isBase64Encoded": is_base64,
            }
        multi = HeaderDict()
        for name, value in pairs:
            multi[name] = [value]
        answer = {"statusCode": status, "headers": single, "multiValueHeaders": multi}
        if kind is _ALB_MULTI_VALUE:
            answer["statusDescription"] = _status_line(status)
        answer["body"] = body
        answer["isBase64Encoded"] = is_base64
        return answer
    body, is_base64 = _encode_body(
        response.body,
        _get(single, "content-type", ""),
        any(_is_encoded(value) for name, value in pairs if name == "content-encoding"),
    )
    answer = {"statusCode": status}
    if kind in _PAYLOAD_V2_KINDS:
        headers: dict[str, str] = {}
        cookies = []
        for name, value in pairs:
            if name == "set-cookie":
                cookies.append(value)
            elif name in headers:
                headers[name] = f"{headers[name]},{value}"
            else:
                headers[name] = value
        answer["headers"] = HeaderDict(headers)
        answer["cookies"] = cookies
    else:
        multi_values: dict[str, list[str]] = {}
        for name, value in pairs:
            if name in multi_values:
                multi_values[name].append(value)
            else:
                multi_values[name] = [value]
        if kind is _ALB:
            # One value per name: repeated headers are joined, except cookies,
            # which commas cannot join (enable multi-value headers to keep them all).
            answer["statusDescription"] = _status_line(status)
            answer["headers"] = HeaderDict(
                (name, values[-1] if name == "set-cookie" else ", ".join(values))
                for name, values in multi_values.items()
            )
        else:
            answer["headers"] = HeaderDict(
                {name: values[-1] for name, values in multi_values.items()}
            )
            answer["multiValueHeaders"] = HeaderDict(multi_values)
            if kind is _ALB_MULTI_VALUE:
                answer["statusDescription"] = _status_line(status)
    answer["body"] = body
    answer["isBase64Encoded"] = is_base64
    return answer


_get = dict.get
"""A HeaderDict's own look-up, spared the lower-casing of names already lower-case."""


def _is_encoded(content_encoding: str) -> bool:
    return content_encoding.strip().lower() != "identity"


def _status_line(status: int) -> str:
    line = _STATUS_LINES.get(status)
    if line is None:
        line = f"{status} {reason_phrase(status)}"
        if len(_STATUS_LINES) < _STATUS_LINES_LIMIT:
            _STATUS_LINES[status] = line
    return line


_STATUS_LINES: dict[int, str] = {}
"""ALB status descriptions by status code: an app answers with few."""
_STATUS_LINES_LIMIT = 64


def template_result(response: Response) -> Any:
    """Turn a response into what a 1.x request-template integration returns.

    Args:
        response: the app's response.

    Returns:
        The body parsed as JSON (None when empty; the text when not JSON).

    Raises:
        HTTPError: for a 4xx response, with the body's ``error.message`` or
            ``detail`` (else "Client Error") as message; for a 5xx response, with
            the status alone, so no internals reach the client.
    """
    status = response.status
    if status >= 500:
        raise HTTPError(status)
    parsed = _parsed_body(response.body)
    if status >= 400:
        raise HTTPError(status, _client_error_message(parsed))
    return parsed


def _parsed_body(body: bytes) -> Any:
    import json

    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        pass
    try:
        return body.decode()
    except UnicodeDecodeError:
        return base64.b64encode(body).decode()


def _client_error_message(parsed: Any) -> str:
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if parsed.get("detail"):
            return str(parsed["detail"])
    return "Client Error"
