import base64
import json
from typing import Any, ClassVar

import pytest

from fleece.testing import (
    SAMPLE_EVENTS,
    LambdaEvent,
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
    request_template_event,
    sample_event,
)


def shape(value: Any) -> Any:
    """The structure of a JSON value: dict keys and value types, recursively."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


def test_rest_v1_event_has_the_shape_of_the_sample():
    """A REST v1 proxy event has the sample's keys and value types."""
    sample = sample_event("apigw-rest-v1-proxy")
    event = apigw_v1_event(
        "GET",
        "/pets/42",
        resource="/pets/{petId}",
        path_parameters={"petId": "42"},
        query={"verbose": "true", "tag": ["a", "b"]},
    )

    assert shape(sample) == shape(event) | {"body": "NoneType"}
    assert event["multiValueQueryStringParameters"] == {
        "verbose": ["true"],
        "tag": ["a", "b"],
    }
    assert event["queryStringParameters"] == {"verbose": "true", "tag": "b"}
    assert event["requestContext"]["path"] == "/prod/pets/42"
    assert event["resource"] == event["requestContext"]["resourcePath"]


def test_rest_v1_event_repeats_headers_and_sends_cookies_as_one_header():
    """Headers appear single (last value) and multi-valued; cookies join into Cookie."""
    event = apigw_v1_event(
        "GET", "/", headers={"x-tag": ["a", "b"]}, cookies={"a": "1", "b": "2"}
    )

    assert event["headers"]["X-Tag"] == "b"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["headers"]["Cookie"] == "a=1; b=2"
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_rest_v1_event_sends_json_as_text_and_bytes_as_base64():
    """A dict body is JSON text with a JSON content type; bytes are base64."""
    json_event = apigw_v1_event("POST", "/pets", body={"name": "Rex"})
    binary_event = apigw_v1_event("PUT", "/pets/1/photo", body=b"\x89PNG\x00")

    assert json.loads(json_event["body"]) == {"name": "Rex"}
    assert json_event["isBase64Encoded"] is False
    assert json_event["headers"]["Content-Type"] == "application/json"
    assert base64.b64decode(binary_event["body"]) == b"\x89PNG\x00"
    assert binary_event["isBase64Encoded"] is True


def test_http_v2_event_has_the_shape_of_the_sample():
    """An HTTP API v2 event has the sample's keys, cookies and base64 body."""
    sample = sample_event("apigw-http-v2")
    event = apigw_v2_event(
        "POST",
        "/pets",
        route_key="POST /pets",
        query={"dryRun": "false", "tag": ["a", "b"]},
        cookies={"session": "abc", "theme": "dark"},
        headers={"content-type": "application/octet-stream"},
        body='{"name": "Rex", "tag": "dog"}',
        is_base64=True,
    )

    assert shape(sample) == shape(event)
    assert event["rawQueryString"] == "dryRun=false&tag=a&tag=b"
    assert event["queryStringParameters"] == {"dryRun": "false", "tag": "a,b"}
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert json.loads(base64.b64decode(event["body"])) == {"name": "Rex", "tag": "dog"}


def test_http_v2_named_stage_prefixes_the_raw_path():
    """A named HTTP API stage appears in rawPath and requestContext.http.path."""
    event = apigw_v2_event("GET", "/pets", stage="live")

    assert event["rawPath"] == "/live/pets"
    assert event["requestContext"]["http"]["path"] == "/live/pets"
    assert event["requestContext"]["stage"] == "live"


def test_http_v2_base64_encodes_non_text_bodies_but_not_json():
    """Binary content types arrive base64, text types as text."""
    binary = apigw_v2_event(
        "POST", "/", body="abc", headers={"content-type": "application/pdf"}
    )
    text = apigw_v2_event("POST", "/", body={"a": 1})

    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"abc"
    assert text["isBase64Encoded"] is False
    assert json.loads(text["body"]) == {"a": 1}


def test_function_url_event_has_the_shape_of_the_sample():
    """A Function URL event matches the sample, with no body key when empty."""
    sample = sample_event("function-url")
    event = function_url_event("GET", "/pets", query={"limit": "2"})

    assert shape(sample) == shape(event)
    assert "body" not in event
    assert event["requestContext"]["domainName"].endswith(
        ".lambda-url.us-west-2.on.aws"
    )
    assert event["requestContext"]["accountId"] == "anonymous"


def test_alb_event_has_the_shape_of_the_sample_and_encodes_the_query():
    """An ALB event matches the sample; query values stay percent-encoded."""
    sample = sample_event("alb")
    event = alb_event(
        "PUT", "/pets/7", query={"notify": "yes please"}, body={"name": "Fido"}
    )

    assert shape(sample) == shape(event)
    assert event["queryStringParameters"] == {"notify": "yes%20please"}
    assert event["headers"]["content-type"] == "application/json"


def test_multi_value_alb_event_uses_the_multi_value_maps():
    """With multi_value the ALB event carries only multi-value headers and query."""
    event = alb_event("GET", "/", query={"t": ["a b", "c"]}, multi_value=True)

    assert event["multiValueQueryStringParameters"] == {"t": ["a%20b", "c"]}
    assert "headers" not in event
    assert event["multiValueHeaders"]["host"] == [
        "lambda-alb-123578498.us-east-1.elb.amazonaws.com"
    ]


def test_request_template_event_has_the_shape_of_the_sample():
    """A 1.x request-template event carries the sample's parameters and context."""
    sample = sample_event("request-template")
    event = request_template_event(
        "POST",
        "/v1/users/{user_id}/pets",
        path_parameters={"user_id": "7"},
        query={"notify": "true"},
        body={"name": "Rex", "tag": "dog"},
        request_id="9f1c2f2e-2b8a-4a53-9a4e-6d2c6c1f0e11",
    )

    assert event["parameters"]["request"]["path"] == {"user_id": "7"}
    assert (
        event["parameters"]["request"]["body"]
        == sample["parameters"]["request"]["body"]
    )
    assert (
        event["parameters"]["gateway"]["resource-path"]
        == sample["parameters"]["gateway"]["resource-path"]
    )
    assert event["rawContext"]["httpMethod"] == "POST"
    assert event["rawContext"]["identity"]["sourceIp"]
    assert set(event["parameters"]["gateway"]) == set(sample["parameters"]["gateway"])


def test_a_name_with_no_values_is_left_out_of_every_shape():
    """An empty list of values means the parameter or header is not sent at all."""
    v1 = apigw_v1_event("GET", "/", query={"limit": [], "tag": "a"}, headers={"x": []})
    v2 = apigw_v2_event("GET", "/", query={"limit": []})
    alb = alb_event("GET", "/", query={"limit": []}, multi_value=True)

    assert v1["multiValueQueryStringParameters"] == {"tag": ["a"]}
    assert "X" not in v1["headers"]
    assert v2["rawQueryString"] == ""
    assert "queryStringParameters" not in v2
    assert alb["multiValueQueryStringParameters"] == {}


def test_lambda_event_generates_the_1x_request_template_shape():
    """LambdaEvent().generate() is 1.x's event, with 1.x's default values."""
    event = LambdaEvent().generate()

    assert event["operation"] == "test:operation"
    assert set(event["parameters"]) == {"requestor", "request", "gateway"}
    request = event["parameters"]["request"]
    assert request == {
        "body": {},
        "path": {},
        "querystring": {},
        "header": LambdaEvent.header,
    }
    assert request["header"]["x-auth-token"] == "FAKE_TOKEN"
    gateway = event["parameters"]["gateway"]
    assert gateway["http-method"] == "GET"
    assert gateway["resource-path"] == "/bogus/path/"
    assert len(gateway["request-id"]) == 36
    assert event["parameters"]["requestor"]["source-ip"] == "127.0.0.1"


def test_lambda_event_generate_merges_parts_as_1x_documented():
    """generate(gateway=..., header=...) overrides single keys of the defaults."""
    event = LambdaEvent().generate(
        gateway={"http-method": "post"},
        header={"x-auth-token": "SOME VALUE"},
        body={"name": "Rex"},
        operation="pets:create",
    )

    assert event["operation"] == "pets:create"
    assert event["parameters"]["gateway"]["http-method"] == "post"
    assert event["parameters"]["gateway"]["stage"] == "test_stage"
    assert event["parameters"]["request"]["header"]["x-auth-token"] == "SOME VALUE"
    assert event["parameters"]["request"]["header"]["Accept"] == "*/*"
    assert event["parameters"]["request"]["body"] == {"name": "Rex"}


def test_lambda_event_constructor_parts_replace_the_defaults_as_in_1x():
    """A part given to the constructor is the whole part; generate() merges into it."""
    builder = LambdaEvent(header={"X-Auth-Token": "t"}, querystring={"page": "2"})

    event = builder.generate(header={"Accept": "application/json"})

    assert event["parameters"]["request"]["header"] == {
        "X-Auth-Token": "t",
        "Accept": "application/json",
    }
    assert event["parameters"]["request"]["querystring"] == {"page": "2"}


def test_lambda_event_without_merging_uses_only_the_given_parts():
    """merge_with_default=False drops the defaults of every part."""
    event = LambdaEvent().generate(merge_with_default=False, path={"id": "7"})

    assert event["parameters"]["request"] == {
        "body": {},
        "path": {"id": "7"},
        "querystring": {},
        "header": {},
    }
    assert event["parameters"]["gateway"] == {}


def test_lambda_event_honours_requestor_which_1x_took_from_querystring():
    """1.x built requestor from the querystring part; it is its own part now."""
    event = LambdaEvent(querystring={"q": "x"}).generate(requestor={"user": "ann"})

    assert event["parameters"]["requestor"]["user"] == "ann"
    assert event["parameters"]["requestor"]["source-ip"] == "127.0.0.1"
    assert "q" not in event["parameters"]["requestor"]


def test_lambda_events_never_share_state():
    """Changing one event, or the defaults a builder copied, leaves the next alone."""
    builder = LambdaEvent()
    first = builder.generate()
    first["parameters"]["request"]["header"]["x-auth-token"] = "changed"
    first["parameters"]["gateway"]["stage-data"]["k"] = "v"

    second = builder.generate()

    assert second["parameters"]["request"]["header"]["x-auth-token"] == "FAKE_TOKEN"
    assert second["parameters"]["gateway"]["stage-data"] == {}
    assert LambdaEvent.gateway["stage-data"] == {}
    other = LambdaEvent().generate()["parameters"]["gateway"]["request-id"]
    assert other != second["parameters"]["gateway"]["request-id"]


def test_lambda_event_subclass_defaults_are_used():
    """Class attributes are the defaults, so a subclass can change them."""

    class PetsEvent(LambdaEvent):
        operation = "pets:list"
        querystring: ClassVar[dict[str, Any]] = {"limit": "10"}

    event = PetsEvent().generate()

    assert event["operation"] == "pets:list"
    assert event["parameters"]["request"]["querystring"] == {"limit": "10"}


def test_lambda_event_generate_refuses_an_unknown_part():
    """A misspelt part is an error naming the valid ones, not a silent no-op."""
    with pytest.raises(TypeError, match="headers"):
        LambdaEvent().generate(headers={"a": "b"})


def test_sample_event_hands_out_a_fresh_copy_of_each_recorded_event():
    """Every recorded event loads as a dict, and a caller's edit never leaks."""
    for name in SAMPLE_EVENTS:
        event = sample_event(name)
        event["mutated"] = True
        assert "mutated" not in sample_event(name)


def test_sample_event_names_the_choices_for_an_unknown_name():
    """A typo gets a ValueError listing the sample events there are."""
    with pytest.raises(ValueError, match="choose one of alb, apigw-http-v2"):
        sample_event("apigw-v3")
