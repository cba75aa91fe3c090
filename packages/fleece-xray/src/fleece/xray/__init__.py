"""AWS X-Ray tracing for Lambda functions, on aws-xray-sdk.

A subsegment decorator, botocore/requests patching and annotation helpers that never
break the traced program.
"""
