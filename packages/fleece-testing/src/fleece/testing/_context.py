"""A stand-in for the context object Lambda passes to a handler."""

from __future__ import annotations

import time
import uuid
from typing import Any


class LambdaContext:
    """The attributes and method of Lambda's Python context object.

    ``get_remaining_time_in_millis()`` counts down from ``timeout`` seconds after the
    context was made, as the real one counts down to the invocation's deadline.
    """

    def __init__(
        self,
        function_name: str = "test-function",
        function_version: str = "$LATEST",
        memory_limit_in_mb: int = 128,
        timeout: float = 3.0,
        aws_request_id: str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        identity: Any = None,
        client_context: Any = None,
    ) -> None:
        self.function_name = function_name
        self.function_version = function_version
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        )
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = (
            f"{time.strftime('%Y/%m/%d')}/[{function_version}]{uuid.uuid4().hex}"
        )
        self.identity = identity
        self.client_context = client_context
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's deadline (never below 0)."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r})"
        )
