"""``AuthPolicy``: an authorizer answer, built one method at a time."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

POLICY_VERSION = "2012-10-17"

# What fleece 1.x meant by r'^[/.a-zA-Z0-9-_\*\:]+$', whose "9-_" was a character
# range letting ";<=>?@[\]^" and upper-case letters through into method ARNs.
DEFAULT_PATH_REGEX = r"^[/.a-zA-Z0-9_*:~%-]+$"

_ACCOUNT_ID = re.compile(r"\d{12}|\*")
# Region, API id and stage are single ARN segments: no "/" or ":" may split them.
_ARN_SEGMENT = re.compile(r"[A-Za-z0-9_.*-]+")
_METHOD_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):execute-api:(?P<region>[^:]+):(?P<account>[^:]+):"
    r"(?P<api>[^/]+)/(?P<stage>[^/]+)/.*"
)
_EFFECTS = {"allow": "Allow", "deny": "Deny"}

ContextValue = str | int | float | bool


class HttpVerb(StrEnum):
    """The methods a policy names; ``ALL`` (``"*"``) matches every method."""

    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    HEAD = "HEAD"
    DELETE = "DELETE"
    OPTIONS = "OPTIONS"
    ALL = "*"


class PolicyError(ValueError, NameError):
    """A method, resource, condition or context that API Gateway would not accept.

    Also a ``NameError``: fleece 1.x raised that, and callers may still catch it.
    """


@dataclass(frozen=True)
class _Method:
    resource_arn: str
    conditions: dict[str, dict[str, Any]] | None


class AuthPolicy:
    """The answer of an API Gateway Lambda authorizer: principal, policy, context.

    Region, API id and stage default to ``"*"``; they (and the account id) are read
    when a method is added, so they can be set as attributes after construction as
    in AWS's authorizer blueprint. :meth:`from_method_arn` fills them from the
    ``methodArn`` of the authorizer event.

    Args:
        aws_account_id: the 12-digit account owning the API (or ``"*"``).
        principal: the caller's id, returned as ``principalId``.
        context: values API Gateway hands to the integration as
            ``$context.authorizer.<key>``: strings, numbers or booleans only.
        rest_api_id: the API's id.
        region: the API's region.
        stage: the stage the policy applies to.
        partition: the ARN partition (``aws-cn``, ``aws-us-gov`` elsewhere).
    """

    def __init__(
        self,
        aws_account_id: str,
        principal: str | None = None,
        context: Mapping[str, ContextValue] | None = None,
        rest_api_id: str | None = None,
        region: str | None = None,
        stage: str | None = None,
        *,
        partition: str = "aws",
    ) -> None:
        self.aws_account_id = aws_account_id
        self.principal_id = principal or ""
        self.version = POLICY_VERSION
        self.path_regex = DEFAULT_PATH_REGEX
        self.rest_api_id = rest_api_id or "*"
        self.region = region or "*"
        self.stage = stage or "*"
        self.partition = partition
        self.context: dict[str, ContextValue] = dict(context or {})
        self._methods: dict[str, list[_Method]] = {"Allow": [], "Deny": []}

    @classmethod
    def from_method_arn(
        cls,
        method_arn: str,
        principal: str | None = None,
        context: Mapping[str, ContextValue] | None = None,
    ) -> AuthPolicy:
        """A policy for the API and stage of an authorizer event's ``methodArn``.

        Args:
            method_arn: the event's ``methodArn``, e.g.
                ``arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/pets``.
            principal: the caller's id.
            context: as for the constructor.

        Returns:
            A policy with no methods yet, for that account, region, API and stage.

        Raises:
            PolicyError: ``method_arn`` is not an execute-api method ARN.
        """
        match = _METHOD_ARN.fullmatch(method_arn)
        if match is None:
            raise PolicyError(
                f"not an API Gateway method ARN: {method_arn!r} (expected "
                "arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/VERB/PATH)"
            )
        return cls(
            match["account"],
            principal,
            context,
            rest_api_id=match["api"],
            region=match["region"],
            stage=match["stage"],
            partition=match["partition"],
        )

    def allow_all_methods(self) -> None:
        """Allow every method on every resource of the API."""
        self._add_method("Allow", HttpVerb.ALL, "*", None)

    def deny_all_methods(self) -> None:
        """Deny every method on every resource of the API."""
        self._add_method("Deny", HttpVerb.ALL, "*", None)

    def allow_method(self, verb: str, resource: str) -> None:
        """Allow ``verb`` (a :class:`HttpVerb` or its name) on ``resource``."""
        self._add_method("Allow", verb, resource, None)

    def deny_method(self, verb: str, resource: str) -> None:
        """Deny ``verb`` (a :class:`HttpVerb` or its name) on ``resource``."""
        self._add_method("Deny", verb, resource, None)

    def allow_method_with_conditions(
        self, verb: str, resource: str, conditions: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """Allow ``verb`` on ``resource`` when the IAM ``conditions`` hold.

        ``conditions`` is an IAM ``Condition`` block, e.g.
        ``{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}``; the method gets a
        statement of its own.
        """
        self._add_method("Allow", verb, resource, conditions)

    def deny_method_with_conditions(
        self, verb: str, resource: str, conditions: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """Deny ``verb`` on ``resource`` when the IAM ``conditions`` hold."""
        self._add_method("Deny", verb, resource, conditions)

    def build(self) -> dict[str, Any]:
        """Return the authorizer's answer to API Gateway.

        Allow statements come before deny statements; each conditional method has a
        statement of its own, the other methods of an effect share one.

        Returns:
            ``{"principalId": ..., "policyDocument": {...}, "context": {...}}``.

        Raises:
            PolicyError: no method was added, or a context value is not a string,
                number or boolean (API Gateway would fail every request with 500).
        """
        if not self._methods["Allow"] and not self._methods["Deny"]:
            raise PolicyError(
                "No statements defined for the policy: add one with allow_method(), "
                "deny_method(), allow_all_methods() or deny_all_methods()"
            )
        for key, value in self.context.items():
            if not isinstance(key, str) or not isinstance(value, ContextValue):
                raise PolicyError(
                    f"authorizer context value {key!r}: {value!r} must be a string, "
                    "number or boolean; API Gateway rejects objects, lists and null"
                )
        statements = [
            statement
            for effect in ("Allow", "Deny")
            for statement in _statements(effect, self._methods[effect])
        ]
        return {
            "principalId": self.principal_id,
            "policyDocument": {"Version": self.version, "Statement": statements},
            "context": dict(self.context),
        }

    def _add_method(
        self,
        effect: str,
        verb: str,
        resource: str,
        conditions: Mapping[str, Mapping[str, Any]] | None,
    ) -> None:
        normalized_effect = _EFFECTS.get(str(effect).lower())
        if normalized_effect is None:
            raise PolicyError(f"Invalid effect {effect!r}: use 'Allow' or 'Deny'")
        method = _Method(self._resource_arn(verb, resource), _conditions(conditions))
        self._methods[normalized_effect].append(method)

    def _resource_arn(self, verb: str, resource: str) -> str:
        try:
            http_verb = HttpVerb(str(verb).upper())
        except ValueError:
            allowed = ", ".join(repr(str(v)) for v in HttpVerb)
            raise PolicyError(
                f"Invalid HTTP verb {verb!r}: use one of {allowed}"
            ) from None
        if not isinstance(resource, str) or not re.fullmatch(self.path_regex, resource):
            raise PolicyError(
                f"Invalid resource path: {resource!r}. Path should match "
                f"{self.path_regex}"
            )
        if not _ACCOUNT_ID.fullmatch(str(self.aws_account_id)):
            raise PolicyError(
                f"Invalid AWS account id {self.aws_account_id!r}: 12 digits or '*'"
            )
        for name in ("partition", "region", "rest_api_id", "stage"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _ARN_SEGMENT.fullmatch(value):
                raise PolicyError(
                    f"Invalid {name} {value!r}: letters, digits, '_', '.', '-' or '*'"
                )
        return (
            f"arn:{self.partition}:execute-api:{self.region}:{self.aws_account_id}:"
            f"{self.rest_api_id}/{self.stage}/{http_verb}/{resource.removeprefix('/')}"
        )


def _conditions(
    conditions: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, dict[str, Any]] | None:
    """Check an IAM Condition block and return a private copy (None when empty)."""
    if not conditions:
        return None
    if not isinstance(conditions, Mapping):
        raise PolicyError(
            f"conditions must be an IAM Condition block such as "
            f'{{"IpAddress": {{"aws:SourceIp": "203.0.113.0/24"}}}}, got {conditions!r}'
        )
    checked: dict[str, dict[str, Any]] = {}
    for operator, tests in conditions.items():
        if not isinstance(operator, str) or not isinstance(tests, Mapping) or not tests:
            raise PolicyError(
                f"condition {operator!r} must map condition keys to values, "
                f"got {tests!r}"
            )
        for key, value in tests.items():
            values = value if isinstance(value, list) else [value]
            if (
                not isinstance(key, str)
                or not values
                or not all(isinstance(v, str | int | float | bool) for v in values)
            ):
                raise PolicyError(
                    f"condition {operator}.{key!r} must be a string, number, boolean "
                    f"or a non-empty list of them, got {value!r}"
                )
        checked[operator] = copy.deepcopy(dict(tests))
    return checked


def _statements(effect: str, methods: list[_Method]) -> list[dict[str, Any]]:
    """One statement per conditional method, then one for all the others."""
    statements: list[dict[str, Any]] = []
    shared: list[str] = []
    for method in methods:
        if method.conditions is None:
            if method.resource_arn not in shared:
                shared.append(method.resource_arn)
            continue
        statements.append(
            {
                "Action": "execute-api:Invoke",
                "Effect": effect,
                "Resource": [method.resource_arn],
                "Condition": copy.deepcopy(method.conditions),
            }
        )
    if shared:
        statements.append(
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": shared}
        )
    return statements
