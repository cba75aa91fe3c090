"""Structured JSON logging for AWS Lambda, on the standard logging module.

One JSON object per line, per-invocation context, request ids injected by a handler
decorator, and a RetryHandler for sinks that sometimes fail. No dependencies.
"""
