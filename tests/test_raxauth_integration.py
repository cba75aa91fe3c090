"""fleece.raxauth with the other fleece pieces, end to end.

fleece-auth meets fleece-connexion and fleece-xray only here: a connexion 3 operation
decorated with ``@authenticate()``, and a traced handler checking a token; Identity is
played by a local HTTP server, the X-Ray daemon by a local UDP listener.
"""

import json
import sys
import time

import pytest

from fleece.connexion import call_api, call_proxy_api
from fleece.httperror import HTTPError
from fleece.testing import apigw_v1_event, request_template_event

OPERATIONS = """
from fleece.raxauth import authenticate


@authenticate(identity_url={url!r})
def list_pets(userinfo=None):
    return [{{"owner": userinfo["access"]["user"]["name"]}}]
"""
TOKEN = "0123456789abcdef"
TRACED_HANDLER = """
from fleece import requests
from fleece.raxauth import validate
from fleece.xray import monkey_patch_requests_for_xray, trace_xray_subsegment

monkey_patch_requests_for_xray()


@trace_xray_subsegment()
def lambda_handler(event, context):
    requests.get({url!r} + "/health")
    return validate({token!r}, identity_url={url!r})["access"]["user"]["name"]


print(lambda_handler({{}}, None))
"""


@pytest.fixture
def swagger(pets_api, monkeypatch, http_server, tmp_path):
    """The API document, and its operations module importable, bound to Identity."""
    path = pets_api("guarded_pets", OPERATIONS.format(url=http_server.url))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "guarded_pets", raising=False)
    return str(path)


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


def test_a_traced_handler_never_sends_the_token_to_x_ray(
    http_server, xray_daemon, tmp_path, traced_lambda_env, run_python
):
    """Identity's URL holds the token: the check is left out of the trace."""
    http_server.set_default(200, {"access": {"user": {"name": "ann"}}})
    (tmp_path / "handler.py").write_text(
        TRACED_HANDLER.format(url=http_server.url, token=TOKEN)
    )
    output = run_python("handler.py", env=traced_lambda_env)

    assert output[-1] == "ann"
    sent = _documents_once_traced(xray_daemon, "/health")
    assert "/health" in sent
    assert TOKEN not in sent
    assert [r.path for r in http_server.requests] == [
        "/health",
        f"/v2.0/tokens/{TOKEN}",
    ]


def _documents_once_traced(daemon, marker: str) -> str:
    """Everything the daemon received, once ``marker`` (a traced URL) is in it."""
    deadline = time.monotonic() + 10
    sent = ""
    while time.monotonic() < deadline:
        sent = json.dumps(daemon.documents)
        if marker in sent:
            break
        time.sleep(0.05)
    return sent
