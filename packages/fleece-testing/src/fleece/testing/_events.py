"""Builders for the events Lambda receives from API Gateway, ALB and Function URLs.

Each builder returns a dict shaped as the integration sends it, including its quirks:
REST v1 repeats headers and query values in ``multiValue*`` maps, HTTP API v2 joins
repeated values with commas and lists cookies apart, ALB passes query strings still
percent-encoded, and each integration base64-encodes the bodies it considers binary.
"""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from collections.abc import Mapping
from importlib import resources
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

Values = Mapping[str, str | list[str]]
Body = str | bytes | dict[str, Any] | list[Any] | None

_ACCOUNT_ID = "123456789012"
_SOURCE_IP = "203.0.113.7"
_USER_AGENT = "fleece-testing/2.0"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
_TEXT_SUFFIXES = ("+json", "+xml")


SAMPLE_EVENTS = (
    "alb",
    "apigw-http-v2",
    "apigw-rest-v1-proxy",
    "function-url",
    "request-template",
)
"""The names of the recorded events :func:`sample_event` hands out."""


def sample_event(name: str) -> dict[str, Any]:
    """Return a fresh copy of a recorded event, as the integration sent it.

    Args:
        name: one of :data:`SAMPLE_EVENTS`, e.g. ``"alb"`` or ``"apigw-http-v2"``.

    Returns:
        The event, parsed from the JSON file shipped with fleece-testing.

    Raises:
        ValueError: ``name`` is not a sample event.
    """
    if name not in SAMPLE_EVENTS:
        raise ValueError(
            f"no sample event {name!r}; choose one of {', '.join(SAMPLE_EVENTS)}"
        )
    text = resources.files("fleece.testing").joinpath(f"events/{name}.json")
    event: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return event


def _as_lists(values: Values | None) -> dict[str, list[str]]:
    # A name with an empty list of values is never sent: integrations drop it.
    return {
        key: list(value) if isinstance(value, list) else [value]
        for key, value in (values or {}).items()
        if value != []
    }


def _encode_body(
    body: Body, headers: dict[str, list[str]]
) -> tuple[str | None, bool | None]:
    """Return the body as text or base64 text, and whether it is binary bytes."""
    if body is None:
        return None, None
    if isinstance(body, bytes):
        return base64.b64encode(body).decode(), True
    if isinstance(body, str):
        return body, False
    if not any(name.lower() == "content-type" for name in headers):
        headers["content-type"] = ["application/json"]
    return json.dumps(body), False


def _is_text(headers: Mapping[str, list[str]]) -> bool:
    content_type = next(
        (value[0] for name, value in headers.items() if name.lower() == "content-type"),
        "",
    ).lower()
    media_type = content_type.split(";")[0].strip()
    return media_type.startswith(_TEXT_TYPES) or media_type.endswith(_TEXT_SUFFIXES)


def _finish_body(
    event: dict[str, Any],
    body: str | None,
    binary: bool | None,
    is_base64: bool | None,
    encode_text: bool,
) -> None:
    """Set ``body``/``isBase64Encoded`` as the integration would."""
    if body is None:
        event["isBase64Encoded"] = False
        return
    if binary:
        event["body"], event["isBase64Encoded"] = body, True
        return
    encode = encode_text if is_base64 is None else is_base64
    event["body"] = base64.b64encode(body.encode()).decode() if encode else body
    event["isBase64Encoded"] = encode


def _base_headers(host: str, source_ip: str) -> dict[str, list[str]]:
    return {
        "accept": ["application/json"],
        "host": [host],
        "user-agent": [_USER_AGENT],
        "x-amzn-trace-id": [f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"],
        "x-forwarded-for": [source_ip],
        "x-forwarded-port": ["443"],
        "x-forwarded-proto": ["https"],
    }


def _merge_headers(
    defaults: dict[str, list[str]], headers: Values | None, lower: bool
) -> dict[str, list[str]]:
    merged = {name.lower(): value for name, value in defaults.items()}
    merged.update({name.lower(): value for name, value in _as_lists(headers).items()})
    if lower:
        return merged
    return {
        "-".join(p.capitalize() for p in k.split("-")): v for k, v in merged.items()
    }


def _cookie_header(cookies: Mapping[str, str] | None) -> list[str]:
    return [f"{name}={value}" for name, value in (cookies or {}).items()]


def apigw_v1_event(
    method: str = "GET",
    path: str = "/",
    *,
    query: Values | None = None,
    headers: Values | None = None,
    cookies: Mapping[str, str] | None = None,
    body: Body = None,
    path_parameters: Mapping[str, str] | None = None,
    stage: str = "prod",
    resource: str | None = None,
    source_ip: str = _SOURCE_IP,
    request_id: str | None = None,
    is_base64: bool | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API Lambda proxy integration event (payload 1.0).

    Args:
        method: the HTTP method.
        path: the path the client called, without the stage.
        query: query parameters; a list gives a repeated parameter.
        headers: request headers; a list gives a repeated header.
        cookies: sent as one ``Cookie`` header.
        body: text, bytes (sent base64), or a dict/list (sent as JSON).
        path_parameters: the values of the resource's ``{name}`` segments.
        stage: the deployment stage.
        resource: the resource template, e.g. ``/pets/{petId}``; default ``path``.
        source_ip: the caller's address.
        request_id: ``requestContext.requestId``; default a new UUID.
        is_base64: force base64 for a text body (binary media types); bytes always are.

    Returns:
        The event dict.
    """
    request_id = request_id or str(uuid.uuid4())
    api_id = "abc123"
    host = f"{api_id}.execute-api.us-east-1.amazonaws.com"
    header_lists = _merge_headers(_base_headers(host, source_ip), headers, lower=False)
    if cookies:
        header_lists["Cookie"] = ["; ".join(_cookie_header(cookies))]
    text, binary = _encode_body(body, header_lists)
    header_lists = _merge_headers(header_lists, None, lower=False)
    query_lists = _as_lists(query)
    event: dict[str, Any] = {
        "resource": resource or path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": {name: values[-1] for name, values in header_lists.items()},
        "multiValueHeaders": header_lists,
        "queryStringParameters": (
            {name: values[-1] for name, values in query_lists.items()}
            if query_lists
            else None
        ),
        "multiValueQueryStringParameters": query_lists or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": _ACCOUNT_ID,
            "apiId": api_id,
            "domainName": host,
            "httpMethod": method.upper(),
            "identity": {"sourceIp": source_ip, "userAgent": _USER_AGENT},
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "resourceId": "r1",
            "resourcePath": resource or path,
            "stage": stage,
        },
        "body": None,
    }
    _finish_body(event, text, binary, is_base64, encode_text=False)
    return event


def _v2_event(
    method: str,
    path: str,
    query: Values | None,
    headers: Values | None,
    cookies: Mapping[str, str] | None,
    body: Body,
    path_parameters: Mapping[str, str] | None,
    stage: str,
    route_key: str,
    host: str,
    api_id: str,
    account_id: str,
    source_ip: str,
    request_id: str | None,
    is_base64: bool | None,
    encode_text: bool,
) -> dict[str, Any]:
    request_id = request_id or str(uuid.uuid4())
    header_lists = _merge_headers(_base_headers(host, source_ip), headers, lower=True)
    text, binary = _encode_body(body, header_lists)
    query_lists = _as_lists(query)
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": urlencode(
            [(name, value) for name, values in query_lists.items() for value in values]
        ),
    }
    if cookies:
        event["cookies"] = _cookie_header(cookies)
    event["headers"] = {name: ",".join(values) for name, values in header_lists.items()}
    if query_lists:
        event["queryStringParameters"] = {
            name: ",".join(values) for name, values in query_lists.items()
        }
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": api_id,
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": header_lists["user-agent"][-1],
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": stage,
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    _finish_body(
        event,
        text,
        binary,
        is_base64,
        encode_text=encode_text and not _is_text(header_lists),
    )
    return event


def apigw_v2_event(
    method: str = "GET",
    path: str = "/",
    *,
    query: Values | None = None,
    headers: Values | None = None,
    cookies: Mapping[str, str] | None = None,
    body: Body = None,
    path_parameters: Mapping[str, str] | None = None,
    stage: str = "$default",
    route_key: str = "$default",
    source_ip: str = _SOURCE_IP,
    request_id: str | None = None,
    is_base64: bool | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API event (payload 2.0).

    A named ``stage`` prefixes ``rawPath`` as HTTP APIs do. Bodies are sent base64
    unless the content type is text (``is_base64`` forces either way). Other
    arguments are as for :func:`apigw_v1_event`.

    Returns:
        The event dict.
    """
    api_id = "r3pmxmplak"
    return _v2_event(
        method, path, query, headers, cookies, body, path_parameters, stage,
        route_key, f"{api_id}.execute-api.us-east-2.amazonaws.com", api_id,
        _ACCOUNT_ID, source_ip, request_id, is_base64, encode_text=True,
    )  # fmt: skip


def function_url_event(
    method: str = "GET",
    path: str = "/",
    *,
    query: Values | None = None,
    headers: Values | None = None,
    cookies: Mapping[str, str] | None = None,
    body: Body = None,
    source_ip: str = _SOURCE_IP,
    request_id: str | None = None,
    is_base64: bool | None = None,
) -> dict[str, Any]:
    """A Lambda Function URL event (payload 2.0 shape, ``$default`` route).

    Text content types arrive as text, anything else base64. Arguments are as for
    :func:`apigw_v1_event`.

    Returns:
        The event dict.
    """
    url_id = "a1b2c3d4e5f6g7h8"
    return _v2_event(
        method, path, query, headers, cookies, body, None, "$default", "$default",
        f"{url_id}.lambda-url.us-west-2.on.aws", url_id, "anonymous", source_ip,
        request_id, is_base64, encode_text=True,
    )  # fmt: skip


def alb_event(
    method: str = "GET",
    path: str = "/",
    *,
    query: Values | None = None,
    headers: Values | None = None,
    cookies: Mapping[str, str] | None = None,
    body: Body = None,
    source_ip: str = _SOURCE_IP,
    multi_value: bool = False,
    is_base64: bool | None = None,
) -> dict[str, Any]:
    """An Application Load Balancer target event.

    Query values are percent-encoded, as ALB passes them on undecoded. With
    ``multi_value`` (the target group's multi-value headers setting) headers and
    query come as ``multiValueHeaders``/``multiValueQueryStringParameters``;
    otherwise the last value of each wins. Text bodies arrive as text.

    Returns:
        The event dict.
    """
    host = "lambda-alb-123578498.us-east-1.elb.amazonaws.com"
    header_lists = _merge_headers(_base_headers(host, source_ip), headers, lower=True)
    header_lists["x-forwarded-port"] = ["80"]
    header_lists["x-forwarded-proto"] = ["http"]
    if cookies:
        header_lists["cookie"] = ["; ".join(_cookie_header(cookies))]
    text, binary = _encode_body(body, header_lists)
    query_lists = {
        quote(name, safe=""): [quote(value, safe="") for value in values]
        for name, values in _as_lists(query).items()
    }
    event: dict[str, Any] = {
        "requestContext": {
            "elb": {
                "targetGroupArn": (
                    "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                    "targetgroup/lambda-tg/6d0ecf831eec9f09"
                )
            }
        },
        "httpMethod": method.upper(),
        "path": path,
    }
    if multi_value:
        event["multiValueQueryStringParameters"] = query_lists
        event["multiValueHeaders"] = header_lists
    else:
        event["queryStringParameters"] = {k: v[-1] for k, v in query_lists.items()}
        event["headers"] = {name: values[-1] for name, values in header_lists.items()}
    event["body"] = ""
    if text is not None:
        _finish_body(event, text, binary, is_base64, encode_text=False)
    else:
        event["isBase64Encoded"] = False
    return event


def request_template_event(
    method: str = "GET",
    resource_path: str = "/",
    *,
    path_parameters: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    stage: str = "prod",
    source_ip: str = _SOURCE_IP,
    request_id: str | None = None,
    operation: str | None = None,
) -> dict[str, Any]:
    """An API Gateway non-proxy integration event, shaped by fleece 1.x's template.

    Args:
        method: the HTTP method.
        resource_path: the resource template, e.g. ``/users/{user_id}``.
        path_parameters: values for the template's ``{name}`` segments.
        query: query parameters (single values, as the template maps them).
        headers: request headers.
        body: the JSON body, already parsed (the template embeds it as JSON).
        stage: the deployment stage.
        source_ip: the caller's address.
        request_id: the request id; default a new UUID.
        operation: the ``operation`` field some templates add.

    Returns:
        The event dict.
    """
    request_id = request_id or str(uuid.uuid4())
    header_values = {"Accept": "application/json", "X-Forwarded-Proto": "https"}
    if body is not None:
        header_values["Content-Type"] = "application/json"
    header_values.update(headers or {})
    event: dict[str, Any] = {
        "rawContext": {
            "apiId": "abc123",
            "authorizer": {},
            "httpMethod": method.upper(),
            "identity": {"sourceIp": source_ip, "userAgent": _USER_AGENT},
            "requestId": request_id,
            "resourceId": "r7",
            "resourcePath": resource_path,
            "stage": stage,
        },
        "parameters": {
            "gateway": {
                "id": "abc123",
                "stage": stage,
                "request-id": request_id,
                "resource-path": resource_path,
                "http-method": method.upper(),
                "stage-data": {},
            },
            "requestor": {"source-ip": source_ip, "user-agent": _USER_AGENT},
            "request": {
                "querystring": dict(query or {}),
                "path": dict(path_parameters or {}),
                "header": header_values,
                "body": {} if body is None else body,
            },
        },
    }
    if operation is not None:
        event["operation"] = operation
    return event


class LambdaEvent:
    """fleece 1.x's builder of request-template events, with its defaults.

    ``generate()`` returns ``{"operation", "parameters": {"requestor", "request":
    {"body", "path", "querystring", "header"}, "gateway"}}``. Each part is the
    constructor's value or else the class's default (subclasses may override them),
    with ``generate()``'s value merged in key by key (or used alone with
    ``merge_with_default=False``). Unlike 1.x, every instance gets its own copies
    (changing one event never changes the next), its own gateway request id, and
    ``requestor=`` is honoured. :func:`request_template_event` builds the same
    shape from plain arguments.

    Args:
        body: the parsed JSON body.
        gateway: ``http-method``, ``resource-path``, ``stage``, ``request-id``, ...
        header: request headers.
        operation: the template's ``operation`` field.
        path: the path parameters.
        querystring: the query parameters.
        requestor: ``source-ip``, ``user-agent``, ``api-key``, ...
    """

    body: ClassVar[dict[str, Any]] = {}
    gateway: ClassVar[dict[str, Any]] = {
        "http-method": "GET",
        "resource-path": "/bogus/path/",
        "stage": "test_stage",
        "stage-data": {},
    }
    header: ClassVar[dict[str, str]] = {
        "Accept": "*/*",
        "Accept-Encoding": "gzip, deflate",
        "CloudFront-Forwarded-Proto": "https",
        "CloudFront-Is-Desktop-Viewer": "true",
        "CloudFront-Is-Mobile-Viewer": "false",
        "CloudFront-Is-SmartTV-Viewer": "false",
        "CloudFront-Is-Tablet-Viewer": "false",
        "CloudFront-Viewer-Country": "US",
        "Host": "BOGUS.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "python-requests/2.9.1",
        "Via": "1.1 BOGUS.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Id": "FAKE_TID",
        "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        "x-auth-token": "FAKE_TOKEN",
    }
    operation: ClassVar[str] = "test:operation"
    path: ClassVar[dict[str, Any]] = {}
    querystring: ClassVar[dict[str, Any]] = {}
    requestor: ClassVar[dict[str, Any]] = {
        "account-id": "",
        "api-key": "",
        "caller": "",
        "source-ip": "127.0.0.1",
        "user": "",
        "user-agent": "python-requests/2.9.1",
        "user-arn": "",
    }

    def __init__(
        self,
        body: Mapping[str, Any] | None = None,
        gateway: Mapping[str, Any] | None = None,
        header: Mapping[str, str] | None = None,
        operation: str | None = None,
        path: Mapping[str, Any] | None = None,
        querystring: Mapping[str, Any] | None = None,
        requestor: Mapping[str, Any] | None = None,
    ) -> None:
        defaults = type(self)
        gateway_defaults = {"request-id": str(uuid.uuid4()), **defaults.gateway}
        # As in 1.x, a part given here replaces the class default as a whole.
        self._parts: dict[str, dict[str, Any]] = {
            "body": _merged(body or defaults.body, None),
            "gateway": _merged(gateway or gateway_defaults, None),
            "header": _merged(header or defaults.header, None),
            "path": _merged(path or defaults.path, None),
            "querystring": _merged(querystring or defaults.querystring, None),
            "requestor": _merged(requestor or defaults.requestor, None),
        }
        self._operation = operation if operation is not None else defaults.operation

    def generate(self, merge_with_default: bool = True, **parts: Any) -> dict[str, Any]:
        """Return a new event; keyword arguments replace or extend the parts.

        Args:
            merge_with_default: merge each given part into this builder's (True),
                or use it alone (False).
            **parts: any of ``body``, ``gateway``, ``header``, ``operation``,
                ``path``, ``querystring``, ``requestor``.

        Returns:
            The event dict, safe to change.

        Raises:
            TypeError: a keyword is not one of the parts.
        """
        unknown = set(parts) - {*self._parts, "operation"}
        if unknown:
            raise TypeError(
                f"LambdaEvent.generate() got unknown parts {sorted(unknown)}; "
                f"use {sorted({*self._parts, 'operation'})}"
            )
        built = {
            name: _merged(default if merge_with_default else {}, parts.get(name))
            for name, default in self._parts.items()
        }
        return {
            "operation": parts.get("operation") or self._operation,
            "parameters": {
                "requestor": built["requestor"],
                "request": {
                    "body": built["body"],
                    "path": built["path"],
                    "querystring": built["querystring"],
                    "header": built["header"],
                },
                "gateway": built["gateway"],
            },
        }


def _merged(
    base: Mapping[str, Any], update: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A deep copy of ``base`` with ``update``'s keys laid over it."""
    return copy.deepcopy({**base, **(update or {})})
