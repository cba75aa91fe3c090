"""IAM policies for API Gateway Lambda (custom) authorizers.

An authorizer answers API Gateway with a principal, a policy allowing or denying
``execute-api:Invoke`` on method ARNs, and an optional context::

    from fleece.authpolicy import AuthPolicy, HttpVerb

    policy = AuthPolicy.from_method_arn(event["methodArn"], principal="user-7")
    policy.allow_method(HttpVerb.GET, "/pets/*")
    return policy.build()
"""

from fleece.authpolicy._policy import POLICY_VERSION, AuthPolicy, HttpVerb, PolicyError

__all__ = ["POLICY_VERSION", "AuthPolicy", "HttpVerb", "PolicyError"]
