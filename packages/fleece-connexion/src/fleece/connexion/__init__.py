"""Run connexion 3 OpenAPI apps inside AWS Lambda.

``call_api(event, ...)`` feeds API Gateway (REST v1, HTTP v2), ALB, Function URL and the
1.x request-template events through the app and answers in the integration's shape.
"""
