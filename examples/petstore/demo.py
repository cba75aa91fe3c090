"""Run the petstore service end to end on this machine, with local stand-ins for AWS.

Starts moto's server (DynamoDB, CloudWatch Logs), a UDP listener as the X-Ray daemon
and a small "vet service" over HTTP that fails once with 503; invokes the Lambda
handler on a REST v1, an HTTP API v2, an ALB and a Function URL event; prints the
JSON log lines, the responses and the X-Ray documents; builds the service's zip with
`fleece build`; stops everything it started. Exits non-zero if anything goes wrong.

    uv run nox -s demo
    python examples/petstore/demo.py   # in a venv with fleece[all], moto, watchtower
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fleece.testing import (
    Answer,
    LambdaContext,
    MotoServer,
    RecordedRequest,
    ScriptedHTTPServer,
    XRayDaemon,
    alb_event,
    apigw_v1_event,
    apigw_v2_event,
    function_url_event,
)

SERVICE = Path(__file__).resolve().parent
SOURCES = SERVICE / "src"
REPO = SERVICE.parents[1]


def say(text: str) -> None:
    """Print a heading line, flushed so that it lands before the handler's logs."""
    print(f"\n=== {text}", flush=True)


def vet_service(server: ScriptedHTTPServer) -> Callable[[RecordedRequest], Answer]:
    """The vet service: the first check of each pet meets a 503, the retry a 200."""

    def answer(request: RecordedRequest) -> Answer:
        seen = sum(1 for r in server.requests if r.path == request.path)
        if seen == 1:
            return Answer(503, {"message": "busy"}, {"Retry-After": "0"})
        return Answer(200, {"healthy": True})

    return answer


def trace_header() -> str:
    """A sampled X-Ray trace header, as Lambda sets it for each invocation."""
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=1"


def invoke(
    handler: Callable[[dict[str, Any], Any], Any], name: str, event: dict[str, Any]
) -> dict[str, Any]:
    """Invoke the handler as Lambda does, print and return the response."""
    method = event.get("httpMethod") or event["requestContext"]["http"]["method"]
    say(f"{name}: {method} {event.get('path') or event['rawPath']}")
    os.environ["_X_AMZN_TRACE_ID"] = trace_header()
    response: dict[str, Any] = handler(event, LambdaContext(function_name="petstore"))
    print(f"--> response: {json.dumps(response, sort_keys=True)}", flush=True)
    return response


def check(condition: bool, message: str) -> None:
    """Stop the demo with an error when a step did not do what it should."""
    if not condition:
        raise SystemExit(f"demo failed: {message}")


def run_handler_on_every_event_shape(
    daemon: XRayDaemon, vet: ScriptedHTTPServer
) -> None:
    """Create, read, vet-check, list and delete pets through four integrations."""
    sys.path.insert(0, str(SOURCES))
    from handler import lambda_handler  # the env above must be in place first

    created = invoke(
        lambda_handler,
        "API Gateway REST v1",
        apigw_v1_event("POST", "/pets", resource="/pets", body={"name": "Rex"}),
    )
    check(created["statusCode"] == 201, "POST /pets did not create a pet")
    pet = json.loads(created["body"])

    fetched = invoke(
        lambda_handler,
        "API Gateway HTTP API v2",
        apigw_v2_event("GET", f"/pets/{pet['id']}", cookies={"session": "abc"}),
    )
    check(json.loads(fetched["body"]) == pet, "GET /pets/{id} did not find the pet")

    vetted = invoke(
        lambda_handler,
        "Application Load Balancer",
        alb_event("GET", f"/pets/{pet['id']}/vet-check"),
    )
    check(
        vetted["statusCode"] == 200 and len(vet.requests) == 2,
        "the vet check was not retried after the 503",
    )

    listed = invoke(lambda_handler, "Function URL", function_url_event("GET", "/pets"))
    check([p["id"] for p in json.loads(listed["body"])] == [pet["id"]], "GET /pets")

    invalid = invoke(
        lambda_handler,
        "HTTP API v2 with an invalid body",
        apigw_v2_event("POST", "/pets", body={"name": ""}),
    )
    check(invalid["statusCode"] == 400, "an invalid body was not refused with 400")

    gone = invoke(
        lambda_handler,
        "API Gateway REST v1",
        apigw_v1_event(
            "DELETE", f"/pets/{pet['id']}", resource="/pets/{pet_id}",
            path_parameters={"pet_id": pet["id"]},
        ),
    )  # fmt: skip
    check(gone["statusCode"] == 204, "DELETE /pets/{id} did not answer 204")

    say("X-Ray documents received by the daemon")
    documents = daemon.wait_for(12, timeout=10)
    for document in documents:
        fields = [
            document.get("namespace", "local"),
            document["name"],
            "id=" + document["id"],
            "trace=" + document["trace_id"],
            "parent=" + str(document.get("parent_id")),
        ]
        if "aws" in document:
            fields.append("aws.operation=" + str(document["aws"].get("operation")))
        if "http" in document:
            fields.append("http=" + json.dumps(document["http"], sort_keys=True))
        print("  ".join(fields))
    check(any(d.get("namespace") == "aws" for d in documents), "no AWS call was traced")


def check_cloudwatch_copy() -> None:
    """The RetryHandler delivered the log lines to CloudWatch Logs."""
    import boto3

    logs = boto3.client("logs")
    streams = logs.describe_log_streams(logGroupName=os.environ["PETSTORE_LOG_GROUP"])
    events = [
        event
        for stream in streams["logStreams"]
        for event in logs.get_log_events(
            logGroupName=os.environ["PETSTORE_LOG_GROUP"],
            logStreamName=stream["logStreamName"],
        )["events"]
    ]
    say(f"CloudWatch Logs holds {len(events)} lines of the petstore logger")
    for event in events:
        print(event["message"])
    check(len(events) > 0, "no log line reached CloudWatch Logs")
    check(
        all(json.loads(event["message"])["logger"] for event in events),
        "CloudWatch Logs lines are not fleece's JSON lines",
    )


def build_zip() -> None:
    """Build the service's Lambda zip with `fleece build`."""
    target = Path(tempfile.mkdtemp(prefix="petstore-dist-"))
    say("fleece build examples/petstore")
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("fleece")), "build", str(SERVICE),
            "--target", str(target),
        ],
        check=False,
    )  # fmt: skip
    check(result.returncode == 0, "fleece build failed")
    with zipfile.ZipFile(target / "lambda_function.zip") as bundle:
        names = bundle.namelist()
    check("handler.py" in names and "openapi.yaml" in names, "the zip lacks sources")


def main() -> None:
    """Start the stand-ins, run every step, stop everything."""
    with MotoServer() as moto, XRayDaemon() as daemon, ScriptedHTTPServer() as vet:
        vet.set_handler(vet_service(vet))
        os.environ.update(moto.env)
        os.environ.update(daemon.env)
        os.environ.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": "petstore",
                # Lambda's log level control, honoured by setup_root_logger().
                "AWS_LAMBDA_LOG_LEVEL": "INFO",
                "LAMBDA_TASK_ROOT": str(SOURCES),
                "PETS_TABLE": "pets",
                "PETSTORE_LOG_GROUP": "/petstore/demo",
                "VET_SERVICE_URL": vet.url,
            }
        )
        os.environ.pop("AWS_PROFILE", None)
        import boto3

        boto3.client("dynamodb").create_table(
            TableName="pets",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        run_handler_on_every_event_shape(daemon, vet)
        check_cloudwatch_copy()
    build_zip()
    say("demo passed")


if __name__ == "__main__":
    main()
