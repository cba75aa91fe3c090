"""The credential flow fleece commands share: timeouts, retries, STS, secrecy."""

from __future__ import annotations

from typing import Any

import pytest

from fleece.cli._errors import CredentialsError
from fleece.cli._faws._credentials import AwsCredentials, get_aws_credentials
from fleece.testing import Answer, MotoServer


def test_a_stalling_identity_service_times_out_after_a_few_attempts(
    rackspace: Any,
) -> None:
    """A service that never answers: a second attempt, then a timeout error."""
    rackspace.override = lambda request: Answer(stall=2.0)
    with pytest.raises(CredentialsError) as raised:
        get_aws_credentials(
            rackspace.account,
            username=rackspace.username,
            apikey=rackspace.apikey,
            timeout=0.3,
        )
    assert (
        f"Rackspace identity ({rackspace.identity_url}/v2.0/tokens) timed out "
        "(connect 0.3 s, read 0.3 s)"
    ) == raised.value.format_message()
    assert len(rackspace.requests_to("/identity")) == 2


def test_server_errors_are_retried_until_the_service_recovers(rackspace: Any) -> None:
    """Two 503s from FAWS, then its answer: the credentials arrive."""
    failures = iter([Answer(503, {"title": "Unavailable"})] * 2)

    def flaky_faws(request: Any) -> Answer | None:
        if request.path.startswith("/faws"):
            return next(failures, None)
        return None

    rackspace.override = flaky_faws
    credentials = get_aws_credentials(
        rackspace.account, username=rackspace.username, apikey=rackspace.apikey
    )
    assert rackspace.accounts[rackspace.account]["accessKeyId"] == (
        credentials.access_key_id
    )
    assert len(rackspace.requests_to("/faws")) == 3


def test_persistent_server_errors_report_the_last_status(rackspace: Any) -> None:
    """FAWS answering 502 every time: the error says HTTP 502 and its title."""
    rackspace.override = lambda request: (
        Answer(502, {"title": "Bad Gateway"})
        if request.path.startswith("/faws")
        else None
    )
    with pytest.raises(CredentialsError, match=r"failed: HTTP 502 Bad Gateway$"):
        get_aws_credentials(
            rackspace.account, username=rackspace.username, apikey=rackspace.apikey
        )


def test_an_identity_answer_without_a_token_is_an_error(rackspace: Any) -> None:
    """A 200 lacking access.token.id is reported, not a KeyError."""
    rackspace.override = lambda request: Answer(200, {"access": {}})
    with pytest.raises(CredentialsError, match=r"without access\.token\.id"):
        get_aws_credentials(
            rackspace.account, username=rackspace.username, apikey=rackspace.apikey
        )


def test_credentials_repr_hides_the_secrets() -> None:
    """repr() shows the access key id only."""
    credentials = AwsCredentials("ASIAEXAMPLE", "secret-SECRET", "token-SECRET")
    assert (
        repr(credentials)
        == "AwsCredentials(access_key_id='ASIAEXAMPLE', secrets hidden)"
    )


def test_assume_role_works_with_an_aws_profile_that_does_not_exist(
    rackspace: Any, moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stale AWS_PROFILE in the shell does not break the STS call."""
    import boto3

    boto3.client("iam").create_role(RoleName="Deployer", AssumeRolePolicyDocument="{}")
    monkeypatch.setenv("AWS_PROFILE", "gone")
    credentials = get_aws_credentials(
        rackspace.account,
        username=rackspace.username,
        apikey=rackspace.apikey,
        role="Deployer",
    )
    assert credentials.access_key_id.startswith("ASIA")


def test_an_unreachable_sts_endpoint_fails_in_one_line(
    rackspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """STS down: the role ARN and what failed, no keys."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    with pytest.raises(CredentialsError) as raised:
        get_aws_credentials(
            rackspace.account,
            username=rackspace.username,
            apikey=rackspace.apikey,
            role="Deployer",
        )
    assert raised.value.format_message() == (
        f"STS AssumeRole of arn:aws:iam::{rackspace.account}:role/Deployer failed: "
        "EndpointConnectionError"
    )
