"""fleece.authpolicy: the documents an authorizer hands API Gateway."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleece.authpolicy import POLICY_VERSION, AuthPolicy, HttpVerb, PolicyError
from fleece.testing import MotoServer

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod"


def _policy(**kwargs: Any) -> AuthPolicy:
    return AuthPolicy(
        "123456789012",
        "user-7",
        rest_api_id="abc123",
        region="us-east-1",
        stage="prod",
        **kwargs,
    )


def _create_in_iam(document: dict[str, Any]) -> None:
    """IAM (moto's server) accepts the document, or raises MalformedPolicyDocument."""
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_policy(PolicyName="authorizer", PolicyDocument=json.dumps(document))


def test_allowed_and_denied_methods_make_one_statement_per_effect() -> None:
    """Plain methods of an effect share a statement; allow comes before deny."""
    policy = _policy(context={"plan": "gold", "seats": 3, "trial": False})
    policy.allow_method(HttpVerb.GET, "/pets/*")
    policy.allow_method("POST", "/pets")
    policy.deny_method(HttpVerb.DELETE, "/pets/{id}".replace("{id}", "7"))

    assert policy.build() == {
        "principalId": "user-7",
        "policyDocument": {
            "Version": POLICY_VERSION,
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": [f"{ARN}/GET/pets/*", f"{ARN}/POST/pets"],
                },
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Deny",
                    "Resource": [f"{ARN}/DELETE/pets/7"],
                },
            ],
        },
        "context": {"plan": "gold", "seats": 3, "trial": False},
    }


def test_defaults_are_wildcards_as_in_1x() -> None:
    """Without API id, region and stage the ARN matches every API of the account."""
    policy = AuthPolicy("123456789012")
    policy.allow_all_methods()

    document = policy.build()

    assert document["principalId"] == ""
    assert document["context"] == {}
    assert document["policyDocument"]["Statement"][0]["Resource"] == [
        "arn:aws:execute-api:*:123456789012:*/*/*/*"
    ]


def test_attributes_set_after_construction_are_used_as_in_the_aws_blueprint() -> None:
    """Region, API id and stage are read when a method is added."""
    policy = AuthPolicy("123456789012", "p")
    policy.rest_api_id, policy.region, policy.stage = "xyz", "eu-west-1", "dev"
    policy.deny_all_methods()

    (statement,) = policy.build()["policyDocument"]["Statement"]

    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Deny",
        "Resource": ["arn:aws:execute-api:eu-west-1:123456789012:xyz/dev/*/*"],
    }


def test_from_method_arn_takes_account_region_api_stage_and_partition() -> None:
    """The authorizer event's methodArn fills in everything but the methods."""
    policy = AuthPolicy.from_method_arn(
        "arn:aws-cn:execute-api:cn-north-1:210987654321:q1w2e3/beta/GET/a/b",
        principal="svc",
        context={"k": "v"},
    )
    policy.allow_method(HttpVerb.ALL, "/")

    document = policy.build()

    assert document["principalId"] == "svc"
    assert document["policyDocument"]["Statement"][0]["Resource"] == [
        "arn:aws-cn:execute-api:cn-north-1:210987654321:q1w2e3/beta/*/"
    ]


def test_a_method_with_conditions_gets_its_own_statement_with_a_copy() -> None:
    """The Condition block is copied: later changes to the caller's dict do nothing."""
    conditions = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}
    policy = _policy()
    policy.allow_method_with_conditions(HttpVerb.POST, "/pets", conditions)
    policy.deny_method_with_conditions(
        HttpVerb.GET, "/admin/*", {"Bool": {"aws:SecureTransport": "false"}}
    )
    conditions["IpAddress"]["aws:SourceIp"].append("0.0.0.0/0")

    assert policy.build()["policyDocument"]["Statement"] == [
        {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": [f"{ARN}/POST/pets"],
            "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
        },
        {
            "Action": "execute-api:Invoke",
            "Effect": "Deny",
            "Resource": [f"{ARN}/GET/admin/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]


def test_only_conditional_methods_give_no_empty_resource_statement(
    moto_env: MotoServer,
) -> None:
    """1.x added an Allow statement with "Resource": [], which IAM refuses."""
    policy = _policy()
    policy.allow_method_with_conditions(
        HttpVerb.GET, "/pets", {"StringEquals": {"aws:PrincipalTag/team": "pets"}}
    )

    document = policy.build()["policyDocument"]

    assert [s["Resource"] for s in document["Statement"]] == [[f"{ARN}/GET/pets"]]
    _create_in_iam(document)


def test_every_built_document_is_a_policy_iam_accepts(moto_env: MotoServer) -> None:
    """A policy with all kinds of statements passes IAM's (moto's) validation."""
    policy = _policy()
    policy.allow_method(HttpVerb.GET, "/pets/*")
    policy.allow_method(HttpVerb.HEAD, "/")
    policy.allow_method_with_conditions(
        HttpVerb.POST, "/pets", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    )
    policy.deny_all_methods()

    _create_in_iam(policy.build()["policyDocument"])


def test_the_1x_empty_resource_statement_is_what_iam_refuses(
    moto_env: MotoServer,
) -> None:
    """The check above can fail: IAM rejects the statement 1.x produced."""
    iam_error = boto3.client("iam", region_name="us-east-1").exceptions
    document = {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": []}
        ],
    }

    with pytest.raises(iam_error.MalformedPolicyDocumentException):
        _create_in_iam(document)


def test_the_same_resource_twice_is_listed_once() -> None:
    """Repeating allow_method does not repeat the ARN."""
    policy = _policy()
    policy.allow_method(HttpVerb.GET, "/pets")
    policy.allow_method("get", "pets")

    statement = policy.build()["policyDocument"]["Statement"][0]

    assert statement["Resource"] == [f"{ARN}/GET/pets"]


@pytest.mark.parametrize("verb", ["FETCH", "ALL", "", "GET /"])
def test_an_unknown_verb_is_refused_naming_the_allowed_ones(verb: str) -> None:
    """1.x accepted "ALL" (an attribute name) and put it into the ARN."""
    with pytest.raises(PolicyError, match="Invalid HTTP verb") as caught:
        _policy().allow_method(verb, "/pets")

    assert "'GET'" in str(caught.value)
    assert "'*'" in str(caught.value)


@pytest.mark.parametrize(
    "resource", ["/pets;drop", "/pets?x=1", "/pets/<id>", "/PETS@", "", "/a b", "/^"]
)
def test_a_resource_with_characters_no_method_arn_holds_is_refused(
    resource: str,
) -> None:
    """1.x's pattern had a "9-_" range that let ;<=>?@[\\]^ through."""
    with pytest.raises(PolicyError, match="Invalid resource path"):
        _policy().deny_method(HttpVerb.GET, resource)


def test_errors_are_value_errors_and_still_the_name_errors_1x_raised() -> None:
    """Callers catching NameError, as 1.x required, keep working."""
    with pytest.raises(NameError):
        _policy().allow_method("FETCH", "/pets")
    with pytest.raises(ValueError, match="No statements defined"):
        _policy().build()


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("aws_account_id", "12345"),
        ("aws_account_id", "arn:aws:iam::123456789012:root"),
        ("region", "us-east-1:evil"),
        ("stage", "prod/GET"),
        ("rest_api_id", ""),
    ],
)
def test_arn_parts_that_would_break_the_arn_are_refused(
    attribute: str, value: str
) -> None:
    """An account that is not 12 digits, or a segment with / or :, fails at once."""
    policy = _policy()
    setattr(policy, attribute, value)

    with pytest.raises(PolicyError, match="Invalid"):
        policy.allow_all_methods()


@pytest.mark.parametrize(
    "conditions",
    [
        {"IpAddress": "203.0.113.0/24"},
        {"IpAddress": {}},
        {"IpAddress": {"aws:SourceIp": {"nested": "x"}}},
        {"IpAddress": {"aws:SourceIp": []}},
        ["IpAddress"],
    ],
)
def test_a_malformed_condition_block_is_refused(conditions: Any) -> None:
    """IAM's Condition is operator -> key -> value(s); anything else fails early."""
    with pytest.raises(PolicyError, match="condition"):
        _policy().allow_method_with_conditions(HttpVerb.GET, "/pets", conditions)


@pytest.mark.parametrize("empty", [None, {}, []])
def test_empty_conditions_mean_a_plain_method(empty: Any) -> None:
    """1.x passed [] for "no conditions"; None and {} mean the same."""
    policy = _policy()
    policy.allow_method_with_conditions(HttpVerb.GET, "/pets", empty)

    (statement,) = policy.build()["policyDocument"]["Statement"]

    assert "Condition" not in statement


@pytest.mark.parametrize("value", [{"a": 1}, ["a"], None])
def test_a_context_value_api_gateway_rejects_fails_the_build(value: Any) -> None:
    """Objects, lists and null in the context make API Gateway answer 500."""
    policy = _policy(context={"groups": value})
    policy.allow_all_methods()

    with pytest.raises(PolicyError, match="'groups'"):
        policy.build()


def test_a_method_arn_of_another_service_is_refused() -> None:
    """from_method_arn says what shape it expected."""
    with pytest.raises(PolicyError, match="API_ID/STAGE/VERB/PATH"):
        AuthPolicy.from_method_arn("arn:aws:lambda:us-east-1:123456789012:function:f")


@given(
    segments=st.lists(
        st.text(alphabet=st.sampled_from("abcXYZ019_-.~*:"), min_size=1, max_size=12),
        min_size=1,
        max_size=5,
    ),
    verb=st.sampled_from(list(HttpVerb)),
)
def test_any_valid_path_becomes_the_arn_suffix_after_the_verb(
    segments: list[str], verb: HttpVerb
) -> None:
    """The ARN is the API's prefix, the verb, and the path without its leading /."""
    path = "/" + "/".join(segments)
    policy = _policy()
    policy.allow_method(verb, path)

    (statement,) = policy.build()["policyDocument"]["Statement"]

    assert statement["Resource"] == [f"{ARN}/{verb.value}/{path[1:]}"]
