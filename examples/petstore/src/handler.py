"""The Lambda entry point of the petstore service."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from fleece import boto3, requests
from fleece.connexion import call_api
from fleece.log import (
    JsonFormatter,
    RetryHandler,
    get_logger,
    inject_request_ids_into_environment,
    setup_root_logger,
)
from fleece.xray import (
    monkey_patch_botocore_for_xray,
    monkey_patch_requests_for_xray,
    trace_xray_subsegment,
)

setup_root_logger()
monkey_patch_botocore_for_xray()
monkey_patch_requests_for_xray()
# Fail fast instead of waiting boto3's 60 s; retry the vet service's 429/503s.
boto3.set_default_timeout(5)
requests.set_default_timeout(3)
requests.set_default_retries(total=3, backoff_factor=0.1, status_forcelist=[429, 503])

SPEC = Path(__file__).with_name("openapi.yaml")
logger = get_logger("petstore")

if os.environ.get("PETSTORE_LOG_GROUP"):
    import watchtower

    # A copy of every line in a log group of its own; when CloudWatch Logs fails, the
    # RetryHandler retries, then keeps the lines until it recovers: the handler never
    # crashes because of it.
    cloudwatch = RetryHandler(
        watchtower.CloudWatchLogHandler(
            log_group_name=os.environ["PETSTORE_LOG_GROUP"],
            log_stream_name=str(uuid.uuid4()),
            use_queues=False,
            create_log_group=True,
        )
    )
    cloudwatch.setFormatter(JsonFormatter())  # the same JSON lines as stdout
    logger.addHandler(cloudwatch)


@inject_request_ids_into_environment
@trace_xray_subsegment(skip_args=True)
def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    """Serve one API Gateway, ALB or Function URL event."""
    return call_api(event, "petstore", str(SPEC), logger)
