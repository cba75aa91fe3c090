"""The README's examples run as written, Identity played by a local server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import fleece.raxauth
from fleece.testing import LambdaContext, ScriptedHTTPServer, apigw_v2_event

README = Path(__file__).parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)


def _run(block: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(block, namespace)  # noqa: S102 - running the documented example
    return namespace


def test_the_authorizer_example_answers_a_token_event(capsys: Any) -> None:
    """The reader gets GET on pets, POST from one network, and a DELETE deny."""
    namespace = _run(BLOCKS[0])

    assert capsys.readouterr().out.splitlines() == [
        "['arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/*']"
    ]
    statements = namespace["answer"]["policyDocument"]["Statement"]
    assert [(s["Effect"], s.get("Condition")) for s in statements] == [
        ("Allow", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        ("Allow", None),
        ("Deny", None),
    ]
    assert namespace["answer"]["principalId"] == "user-reader"
    assert namespace["answer"]["context"] == {"plan": "gold"}


def test_the_raxauth_example_greets_a_valid_token_and_refuses_others(
    http_server: ScriptedHTTPServer, monkeypatch: Any
) -> None:
    """Identity's user name reaches the handler; an unknown token gets a 401."""
    monkeypatch.setattr(
        fleece.raxauth, "TOKEN_URL_FMT", http_server.url + "/v2.0/tokens/{token}"
    )
    http_server.enqueue(
        200, {"access": {"token": {"id": "t"}, "user": {"name": "ann"}}}
    )
    http_server.enqueue(404)
    handler = _run(BLOCKS[1])["lambda_handler"]
    event = apigw_v2_event("GET", "/", headers={"X-Auth-Token": "t0k3n"})

    assert handler(event, LambdaContext()) == {"statusCode": 200, "body": "hello ann"}
    assert handler(event, LambdaContext())["statusCode"] == 401
