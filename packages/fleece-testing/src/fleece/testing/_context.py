"""A stand-in for the context object Lambda passes to a handler."""

from __future__ import annotations

import time
import uuid
from typing import Any


class LambdaContext:
    """The attributes and method of Lambda's Python context object.

    ``get_remaining_time_in_millis()`` counts down from ``timeout`` seconds after the
    context was made, as the real one counts down to the invocation's deadline.

    fleece 1.x's keywords work too: ``remaining_time_in_milli`` makes
    ``get_remaining_time_in_millis()`` return that fixed value (for tests of
    time-boxed code), ``stage`` qualifies ``invoked_function_arn`` with an alias
    (``...:function:NAME:STAGE``), and a numeric ``function_version`` becomes the
    string Lambda gives.
    """

    def __init__(
        self,
        function_name: str = "test-function",
        function_version: str | int = "$LATEST",
        memory_limit_in_mb: int = 128,
        timeout: float = 3.0,
        aws_request_id: str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        identity: Any = None,
        client_context: Any = None,
        *,
        remaining_time_in_milli: int | None = None,
        stage: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.function_version = str(function_version)
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        qualifier = f":{stage}" if stage else ""
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{account_id}:function:{function_name}{qualifier}"
        )
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = (
            f"{time.strftime('%Y/%m/%d')}/[{self.function_version}]{uuid.uuid4().hex}"
        )
        self.identity = identity
        self.client_context = client_context
        self._deadline = time.monotonic() + timeout
        self._fixed_remaining = remaining_time_in_milli

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's deadline (never below 0)."""
        if self._fixed_remaining is not None:
            return self._fixed_remaining
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r})"
        )
