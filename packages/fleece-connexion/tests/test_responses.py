"""What each integration gets back: statuses, headers, cookies, binary bodies."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from fleece.connexion import call_api
from fleece.testing import alb_event, apigw_v1_event, apigw_v2_event, function_url_event

Api = Callable[..., Any]
Parse = Callable[[dict[str, Any]], Any]

BUILDERS = {
    "rest-v1": apigw_v1_event,
    "http-api-v2": apigw_v2_event,
    "function-url": function_url_event,
    "alb": alb_event,
    "alb-multi-value": lambda *a, **k: alb_event(*a, multi_value=True, **k),
}


def test_created_pet_location_carries_the_rest_v1_stage(
    api: Api, body_json: Parse
) -> None:
    """201 with a Location built by the app under the /prod root."""
    answer = api(apigw_v1_event("POST", "/pets", body={"name": "Bo", "tag": "cat"}))
    assert answer["statusCode"] == 201
    assert body_json(answer) == {"id": 43, "name": "Bo", "tag": "cat"}
    assert (
        answer["headers"]["location"]
        == "https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets/43"
    )


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_delete_answers_204_with_an_empty_text_body(api: Api, kind: str) -> None:
    """No content: an empty body that is not marked base64."""
    answer = api(BUILDERS[kind]("DELETE", "/pets/7"))
    assert answer["statusCode"] == 204
    assert answer["body"] == ""
    assert answer["isBase64Encoded"] is False
    assert api(BUILDERS[kind]("GET", "/pets/7"))["statusCode"] == 404


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_unknown_pet_is_a_404_problem(api: Api, body_json: Parse, kind: str) -> None:
    """The operation's own 404 body comes through."""
    answer = api(BUILDERS[kind]("GET", "/pets/99"))
    assert answer["statusCode"] == 404
    assert body_json(answer)["detail"] == "pet 99 not found"


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_binary_download_is_base64_encoded(api: Api, kind: str) -> None:
    """image/png comes back base64 with isBase64Encoded, byte for byte."""
    import petstore_api

    answer = api(BUILDERS[kind]("GET", "/pets/42/photo"))
    assert answer["statusCode"] == 200
    assert answer["isBase64Encoded"] is True
    assert base64.b64decode(answer["body"]) == petstore_api.PHOTO
    assert answer["headers"]["content-type"] == "image/png"


def test_unknown_route_is_a_404(api: Api) -> None:
    """A path the document does not define."""
    assert api(apigw_v2_event("GET", "/nowhere"))["statusCode"] == 404


def test_invalid_body_is_a_400_naming_the_problem(api: Api, body_json: Parse) -> None:
    """Schema validation errors reach the client as a 400 with connexion's detail."""
    answer = api(apigw_v1_event("POST", "/pets", body={"tag": "dog"}))
    assert answer["statusCode"] == 400
    assert "'name' is a required property" in body_json(answer)["detail"]


def test_missing_body_is_a_400(api: Api, body_json: Parse) -> None:
    """A required body that is absent."""
    answer = api(apigw_v2_event("POST", "/pets"))
    assert answer["statusCode"] == 400
    assert body_json(answer)["detail"] == "RequestBody is required"


def test_query_parameter_of_the_wrong_type_is_a_400(api: Api, body_json: Parse) -> None:
    """limit must be an integer."""
    answer = api(function_url_event("GET", "/pets", query={"limit": "many"}))
    assert answer["statusCode"] == 400
    assert "'many' is not of type 'integer'" in body_json(answer)["detail"]


def test_strict_validation_rejects_unknown_query_parameters(
    api: Api, body_json: Parse
) -> None:
    """On by default; strict_validation=False lets them through."""
    event = apigw_v1_event("GET", "/pets", query={"colour": "brown"})
    answer = api(event)
    assert answer["statusCode"] == 400
    assert "colour" in body_json(answer)["detail"]
    assert api(event, strict_validation=False)["statusCode"] == 200


def test_response_contract_violation_is_a_500_without_internals(
    api: Api, logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """The client learns nothing of the schema or the offending value; the log does."""
    answer = api(apigw_v1_event("GET", "/pets/42/broken"), logger=logger)
    assert answer["statusCode"] == 500
    problem = json.loads(answer["body"])
    assert problem["detail"] == "Response body does not conform to specification"
    for leak in ("not-a-number", "s3cr3t", "'name'", "required property"):
        assert leak not in answer["body"]
    [record] = [r for r in caplog.records if r.name == "petstore.tests"]
    assert "'name' is a required property" in record.getMessage()
    assert "GET /prod/pets/42/broken" in record.getMessage()


def test_responses_are_not_validated_when_turned_off(api: Api) -> None:
    """validate_responses=False sends the operation's answer as it is."""
    answer = api(apigw_v1_event("GET", "/pets/42/broken"), validate_responses=False)
    assert answer["statusCode"] == 200
    assert "not-a-number" in answer["body"]


def test_exception_in_an_operation_is_logged_through_the_logger_argument(
    api: Api, logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """500 with a generic body; the traceback goes to the logger the caller passed."""
    answer = api(apigw_v2_event("GET", "/boom"), logger=logger)
    assert answer["statusCode"] == 500
    assert json.loads(answer["body"]) == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "detail": (
            "The server encountered an internal error and was unable to complete "
            "your request."
        ),
        "status": 500,
    }
    for leak in ("hunter2", "RuntimeError", "Traceback", "petstore_api"):
        assert leak not in answer["body"]
    [record] = [r for r in caplog.records if r.name == "petstore.tests"]
    assert "GET /boom" in record.getMessage()
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


def test_exception_is_logged_through_a_fleece_bound_logger(
    spec: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A fleece.log BoundLogger works as the logger, context and traceback included."""
    from fleece.log import get_logger

    caplog.set_level(logging.DEBUG, logger="petstore.fleece")
    logger = get_logger("petstore.fleece", clobber_root_handler=False, service="pets")
    answer = call_api(apigw_v1_event("GET", "/boom"), "petstore", spec, logger=logger)
    assert answer["statusCode"] == 500
    [record] = [r for r in caplog.records if r.name == "petstore.fleece"]
    assert "unhandled exception serving GET /prod/boom" in record.getMessage()
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


def test_the_logger_given_to_get_connexion_app_logs_the_app_errors(
    spec: Any, logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """An app built with a logger logs its operations' exceptions through it."""
    from fleece.connexion import get_connexion_app

    app = get_connexion_app("petstore", spec, cache_app=False, logger=logger)
    answer = app.call_proxy_api(apigw_v2_event("GET", "/boom"))
    assert answer["statusCode"] == 500
    [record] = [r for r in caplog.records if r.name == "petstore.tests"]
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


def test_without_a_logger_errors_go_to_the_fleece_connexion_logger(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """The default logger is named fleece.connexion (and leaves root alone)."""
    caplog.set_level(logging.ERROR, logger="fleece.connexion")
    handlers = list(logging.getLogger().handlers)
    api(function_url_event("GET", "/boom"))
    [record] = [r for r in caplog.records if r.name == "fleece.connexion"]
    assert record.exc_info is not None
    assert handlers == logging.getLogger().handlers


def test_operation_5xx_answers_pass_through_proxy_integrations(
    api: Api, body_json: Parse
) -> None:
    """A 503 the operation chose to return is the operation's answer."""
    answer = api(apigw_v2_event("GET", "/unavailable"))
    assert answer["statusCode"] == 503


def test_rest_v1_repeated_headers_go_to_multi_value_headers(api: Api) -> None:
    """Two Set-Cookie headers: both in multiValueHeaders."""
    answer = api(apigw_v1_event("GET", "/cookies"))
    cookies = answer["multiValueHeaders"]["set-cookie"]
    assert cookies == ["session=s1; HttpOnly; Path=/", "theme=dark; Path=/"]
    assert cookies[-1] == answer["headers"]["set-cookie"]


@pytest.mark.parametrize("kind", ["http-api-v2", "function-url"])
def test_payload_v2_cookies_go_to_the_cookies_list(api: Api, kind: str) -> None:
    """HTTP API v2 and Function URLs take cookies apart from headers."""
    answer = api(BUILDERS[kind]("GET", "/cookies"))
    assert answer["cookies"] == ["session=s1; HttpOnly; Path=/", "theme=dark; Path=/"]
    assert "set-cookie" not in answer["headers"]


def test_alb_multi_value_keeps_every_cookie(api: Api) -> None:
    """With multi-value headers on, ALB gets both cookies."""
    answer = api(alb_event("GET", "/cookies", multi_value=True))
    assert len(answer["multiValueHeaders"]["set-cookie"]) == 2
    assert answer["statusDescription"] == "200 OK"


def test_alb_single_value_keeps_one_cookie(api: Api) -> None:
    """Single-value ALB can carry one Set-Cookie only."""
    answer = api(alb_event("GET", "/cookies"))
    assert answer["headers"]["set-cookie"] == "theme=dark; Path=/"
    assert "multiValueHeaders" not in answer


def test_response_headers_can_be_looked_up_in_any_case(api: Api) -> None:
    """Header names are lower-case, and lookups ignore case."""
    headers = api(apigw_v1_event("GET", "/pets"))["headers"]
    assert "content-type" in headers
    assert headers["Content-Type"] == headers["content-type"]
    assert "Content-Type" in headers
    assert headers.get("CONTENT-TYPE") == "application/json"


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_head_answers_like_get_without_a_body(api: Api, kind: str) -> None:
    """HEAD gets GET's status and headers, and no body (connexion alone says 500)."""
    get = api(BUILDERS[kind]("GET", "/pets/42"))
    head = api(BUILDERS[kind]("HEAD", "/pets/42"))
    assert head["statusCode"] == 200
    assert head["body"] == ""
    assert head["headers"]["content-length"] == get["headers"]["content-length"]


def test_json_body_sent_without_a_content_type_is_taken_as_json(
    api: Api, body_json: Parse
) -> None:
    """As in 1.x: validated as JSON rather than handed to the operation as bytes."""
    created = api(apigw_v1_event("POST", "/pets", body='{"name": "Bo"}'))
    assert created["statusCode"] == 201
    assert body_json(created)["name"] == "Bo"
    invalid = api(apigw_v2_event("POST", "/pets", body="name=Bo"))
    assert invalid["statusCode"] == 400


@pytest.mark.parametrize("kind", ["value", "decode"])
def test_value_and_decoding_errors_of_operations_are_still_500s(
    api: Api, logger: logging.Logger, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """Only connexion's own request parsing turns such errors into a 400."""
    answer = api(apigw_v2_event("GET", "/boom", query={"kind": kind}), logger=logger)
    assert answer["statusCode"] == 500
    [record] = [r for r in caplog.records if r.name == "petstore.tests"]
    assert record.exc_info is not None
