"""Build the petstore service's Lambda zip and run it as Lambda runs it, locally.

Builds the zip with `fleece build` from the service's own requirements (the fleece
distributions as wheels made from this checkout, everything else from the package
index); starts moto's server (DynamoDB, CloudWatch Logs), a UDP listener as the
X-Ray daemon and a small "vet service" over HTTP that fails once with 503; runs the
zip, unpacked read-only, under AWS's Lambda runtime interface client (awslambdaric)
against a local Runtime API; invokes it with a REST v1, an HTTP API v2, an ALB and a
Function URL event; prints the function's JSON log lines, the responses, the vet
service's retried call and the X-Ray documents; stops everything it started. Exits
non-zero if anything goes wrong.

    uv run nox -s demo
    python examples/petstore/demo.py   # in a venv with fleece[all], moto, awslambdaric
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fleece.testing import (
    Answer,
    LambdaRuntime,
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
REPO = SERVICE.parents[1]
#: What `fleece[connexion]` resolves to; none of them is on the package index yet.
FLEECE_DISTRIBUTIONS = (
    "fleece",
    "fleece-log",
    "fleece-boto",
    "fleece-requests",
    "fleece-xray",
    "fleece-handlers",
    "fleece-connexion",
)
PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def say(text: str) -> None:
    """Print a heading line, flushed so that it lands before the function's output."""
    print(f"\n=== {text}", flush=True)


def check(condition: bool, message: str) -> None:
    """Stop the demo with an error when a step did not do what it should."""
    if not condition:
        raise SystemExit(f"demo failed: {message}")


def fleece_wheels() -> Path:
    """The wheels of this checkout's fleece distributions, built once per change.

    They are kept in the user's cache, in a folder named by a hash of their sources,
    so that a second run reuses them, and `fleece build`'s dependency cache too.
    """
    digest = hashlib.sha256()
    for name in FLEECE_DISTRIBUTIONS:
        folder = REPO / "packages" / name
        for path in sorted(
            [folder / "pyproject.toml", folder / "README.md", *folder.rglob("src/**/*")]
        ):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode() + b"\0")
                digest.update(path.read_bytes())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    wheelhouse = (
        cache / "fleece" / "petstore-demo" / f"wheels-{digest.hexdigest()[:16]}"
    )
    if wheelhouse.is_dir():
        return wheelhouse
    say(f"Building the fleece wheels of this checkout into {wheelhouse}")
    wheelhouse.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".wheels-", dir=wheelhouse.parent))
    uv = shutil.which("uv")
    for name in FLEECE_DISTRIBUTIONS:
        folder = REPO / "packages" / name
        command = (
            [uv, "build", "--quiet", "--wheel", "--out-dir", str(staging), str(folder)]
            if uv
            else [
                sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                "--wheel-dir", str(staging), str(folder),
            ]
        )  # fmt: skip
        result = subprocess.run(command, check=False)
        check(result.returncode == 0, f"building the {name} wheel failed")
    for older in wheelhouse.parent.glob("wheels-*"):
        shutil.rmtree(older, ignore_errors=True)  # made from sources that changed since
    staging.rename(wheelhouse)
    return wheelhouse


def build_zip(work: Path) -> Path:
    """Build the service's zip with `fleece build` and its requirements.txt.

    pip finds the fleece distributions among this checkout's wheels, the rest on
    the package index. The requirements file `fleece build` reads names both the
    wheel folder and the service's own requirements.txt, so its dependency cache is
    used again exactly while neither changes.
    """
    wheelhouse = fleece_wheels()
    requirements = SERVICE / "requirements.txt"
    wanted = [
        line for line in requirements.read_text().splitlines() if line[:1].isalnum()
    ]
    say("fleece build examples/petstore (requirements.txt: " + ", ".join(wanted) + ")")
    with_wheels = work / "requirements.txt"
    with_wheels.write_text(f"--find-links {wheelhouse}\n-r {requirements}\n")
    target = work / "dist"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("fleece")), "build", str(SERVICE),
            "--requirements", str(with_wheels), "--python", PYTHON,
            "--target", str(target),
        ],
        check=False,
    )  # fmt: skip
    check(result.returncode == 0, "fleece build failed")
    bundle = target / "lambda_function.zip"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
    check("handler.py" in names and "openapi.yaml" in names, "the zip lacks sources")
    check("fleece/connexion/__init__.py" in names, "the zip lacks fleece.connexion")
    return bundle


def vet_service(
    server: ScriptedHTTPServer, answered: list[str]
) -> Callable[[RecordedRequest], Answer]:
    """The vet service: the first check of each pet meets a 503, the retry a 200."""

    def answer(request: RecordedRequest) -> Answer:
        seen = sum(1 for r in server.requests if r.path == request.path)
        reply = (
            Answer(503, {"message": "busy"}, {"Retry-After": "0"})
            if seen == 1
            else Answer(200, {"healthy": True})
        )
        answered.append(f"{request.method} {request.path} -> {reply.status}")
        return reply

    return answer


def show_output(line: str) -> None:
    """Print a line the function wrote, leaving out the local stand-ins' noise."""
    # botocore logs at INFO where AWS_ENDPOINT_URL sends it (here: to moto); a
    # function in AWS has no such variable and never writes these lines.
    if "Found endpoint for" not in line:
        print(f"  | {line}", flush=True)


def invoke(runtime: LambdaRuntime, name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke the function through the runtime client; print and return its answer."""
    method = event.get("httpMethod") or event["requestContext"]["http"]["method"]
    say(f"{name}: {method} {event.get('path') or event['rawPath']}")
    invocation = runtime.invoke(event)
    check(invocation.error is None, f"the function failed: {invocation.error}")
    response: dict[str, Any] = invocation.result
    print(f"--> response: {json.dumps(response, sort_keys=True)}", flush=True)
    return response


def run_every_event_shape(runtime: LambdaRuntime, vet_answers: list[str]) -> None:
    """Create, read, vet-check, list and delete pets through four integrations."""
    created = invoke(
        runtime,
        "API Gateway REST v1",
        apigw_v1_event("POST", "/pets", resource="/pets", body={"name": "Rex"}),
    )
    check(created["statusCode"] == 201, "POST /pets did not create a pet")
    pet = json.loads(created["body"])

    fetched = invoke(
        runtime,
        "API Gateway HTTP API v2",
        apigw_v2_event("GET", f"/pets/{pet['id']}", cookies={"session": "abc"}),
    )
    check(json.loads(fetched["body"]) == pet, "GET /pets/{id} did not find the pet")

    vetted = invoke(
        runtime,
        "Application Load Balancer",
        alb_event("GET", f"/pets/{pet['id']}/vet-check"),
    )
    print("vet service answered: " + "; ".join(vet_answers))
    print("(fleece.requests retried the 503, so the function answered 200)")
    check(
        vetted["statusCode"] == 200 and [a[-3:] for a in vet_answers] == ["503", "200"],
        "the vet check was not retried after the 503",
    )

    listed = invoke(runtime, "Function URL", function_url_event("GET", "/pets"))
    check([p["id"] for p in json.loads(listed["body"])] == [pet["id"]], "GET /pets")

    invalid = invoke(
        runtime,
        "HTTP API v2 with an invalid body",
        apigw_v2_event("POST", "/pets", body={"name": ""}),
    )
    check(invalid["statusCode"] == 400, "an invalid body was not refused with 400")

    gone = invoke(
        runtime,
        "API Gateway REST v1",
        apigw_v1_event(
            "DELETE", f"/pets/{pet['id']}", resource="/pets/{pet_id}",
            path_parameters={"pet_id": pet["id"]},
        ),
    )  # fmt: skip
    check(gone["statusCode"] == 204, "DELETE /pets/{id} did not answer 204")


def show_traces(daemon: XRayDaemon) -> None:
    """Print the X-Ray documents the function sent to the daemon."""
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
    if any(
        d.get("aws", {}).get("operation") == "PutLogEvents"
        and d.get("http", {}).get("response", {}).get("status") == 400
        for d in documents
    ):
        print(
            "(the PutLogEvents answered 400 is watchtower's first send to a log stream "
            "that did not exist yet: it then creates the stream and sends again)"
        )


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


def main() -> None:
    """Build the zip, start the stand-ins, invoke the zip, stop everything."""
    with tempfile.TemporaryDirectory(prefix="petstore-demo-") as work:
        bundle = build_zip(Path(work))
        vet_answers: list[str] = []
        with MotoServer() as moto, XRayDaemon() as daemon, ScriptedHTTPServer() as vet:
            vet.set_handler(vet_service(vet, vet_answers))
            settings = {
                # Lambda's log level control, honoured by setup_root_logger().
                "AWS_LAMBDA_LOG_LEVEL": "INFO",
                "PETS_TABLE": "pets",
                "PETSTORE_LOG_GROUP": "/petstore/demo",
                "VET_SERVICE_URL": vet.url,
            }
            os.environ.update(moto.env)
            os.environ.update(settings)
            os.environ.pop("AWS_PROFILE", None)
            import boto3

            boto3.client("dynamodb").create_table(
                TableName="pets",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            say(
                f"Starting {bundle.name} under awslambdaric (python {PYTHON}), "
                "read-only, beside only the runtime's boto3"
            )
            with LambdaRuntime(
                bundle,
                "handler.lambda_handler",
                function_name="petstore",
                environment={**moto.env, **daemon.env, **settings},
                on_output=show_output,
            ) as runtime:
                check(runtime.init_error is None, f"init failed: {runtime.init_error}")
                run_every_event_shape(runtime, vet_answers)
            show_traces(daemon)
            check_cloudwatch_copy()
    say("demo passed: the built zip answered every event shape through awslambdaric")


if __name__ == "__main__":
    main()
