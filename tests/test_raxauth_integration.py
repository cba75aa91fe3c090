"""fleece.raxauth guarding an operation of a fleece.connexion app, end to end.

The two distributions meet only here: a connexion 3 operation decorated with
``@authenticate()``, Identity played by a local HTTP server.
"""

import json
import sys

import pytest

from fleece.connexion import call_api, call_proxy_api
from fleece.httperror import HTTPError
from fleece.testing import apigw_v1_event, request_template_event

SWAGGER = """
swagger: "2.0"
info: {title: pets, version: "1.0"}
paths:
  /pets:
    get:
      operationId: guarded_pets.list_pets
      produces: [application/json]
      responses:
        "200":
          description: the pets
          schema: {type: array, items: {type: object}}
"""
OPERATIONS = """
from fleece.raxauth import authenticate


@authenticate(identity_url={url!r})
def list_pets(userinfo=None):
    return [{{"owner": userinfo["access"]["user"]["name"]}}]
"""
TOKEN = "0123456789abcdef"


@pytest.fixture
def swagger(tmp_path, monkeypatch, http_server):
    """The API document, and its operations module importable, bound to Identity."""
    (tmp_path / "swagger.yml").write_text(SWAGGER)
    (tmp_path / "guarded_pets.py").write_text(OPERATIONS.format(url=http_server.url))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "guarded_pets", raising=False)
    return str(tmp_path / "swagger.yml")


def _proxy(swagger):
    event = apigw_v1_event("GET", "/pets", headers={"X-Auth-Token": TOKEN})
    return call_proxy_api(event, "guarded", swagger, cache_app=False)


def test_a_valid_token_reaches_the_operation_with_userinfo(swagger, http_server):
    """The request's X-Auth-Token is checked, and Identity's user is passed on."""
    http_server.enqueue(200, {"access": {"user": {"name": "ann"}}})

    answer = _proxy(swagger)

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == [{"owner": "ann"}]
    assert http_server.requests[0].headers["X-Auth-Token"] == TOKEN


@pytest.mark.parametrize(
    ("identity_status", "status", "detail"),
    [
        (404, 401, "the token was rejected by Rackspace Identity (404)"),
        (500, 503, "Rackspace Identity answered 500"),
    ],
)
def test_a_refused_check_is_a_problem_response_not_a_500(
    swagger, http_server, identity_status, status, detail
):
    """A rejected token is a 401, a failing Identity a 503, with no token in it."""
    http_server.set_default(identity_status)

    answer = _proxy(swagger)

    assert answer["statusCode"] == status
    assert json.loads(answer["body"])["detail"] == detail
    assert TOKEN not in answer["body"]


def test_the_request_template_integration_gets_the_1x_401_error(swagger, http_server):
    """call_api raises HTTPError("401: Unauthorized - ...") for the template."""
    http_server.set_default(404)
    event = request_template_event("GET", "/pets", headers={"X-Auth-Token": TOKEN})

    with pytest.raises(HTTPError) as caught:
        call_api(event, "guarded", swagger, cache_app=False)

    assert str(caught.value) == (
        "401: Unauthorized - the token was rejected by Rackspace Identity (404)"
    )
