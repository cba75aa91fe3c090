"""Cold start of the petstore service: its `fleece build` zip against the usual bundles.

Run: uv run nox -s bench -- cold_start     (or: python benchmarks/cold_start.py in a
venv with fleece[all], fleece-testing[runtime] and moto; needs the package index)

Each bundle is unpacked read-only and run in a fresh interpreter with
PYTHONDONTWRITEBYTECODE=1, beside a runtime-like folder holding boto3 (and nothing
of this venv: ``python -I -S``), as Lambda runs `/var/task` beside `/var/runtime`.
The figure is the time to import the handler and answer a first REST v1 event,
``GET /pets`` (a DynamoDB scan, against moto's server):

- (a) fleece: `examples/petstore` built by `fleece build` from its requirements.txt;
- (b) the same OpenAPI document and operations (plain boto3/requests) through Mangum
  and `connexion[flask,uvicorn]`, installed with `pip install --target` (pip compiles
  bytecode: the peer at its best);
- (b') the same without bytecode, as tools that unpack wheels leave it;
- (c) a Powertools `APIGatewayRestResolver` handler with the same routes, no OpenAPI
  validation: the reference;
- (d) a bare handler: the floor.

The bundles take turns in every round, each round starting one bundle further on;
each figure is the median, of the process's CPU time (steady on a busy machine; on an
idle one it is close to the wall time, which adds moto's answer) and of its wall time.
A cold start does the same work in every round (the same calls and page faults,
whatever the hash seed), so what varies between rounds and runs is what the machine
adds: the fastest round's CPU time, also shown, is the figure least disturbed by it.
Zip sizes are those of each bundle folder zipped (deflate, level 9, like
`fleece build`'s).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

from _report import print_table, row, take_turns

from fleece.testing import (
    MotoServer,
    apigw_v1_event,
    lambda_runtime_packages,
    unpack_read_only,
)

ROOT = Path(__file__).resolve().parent.parent
PETSTORE = ROOT / "examples" / "petstore"
REPEATS = 7
TRACE_NOT_SAMPLED = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0"

# The operations of examples/petstore/src/petstore/api.py written as a user without
# fleece would: boto3 and requests straight.
PLAIN_OPERATIONS = """
import functools, os, uuid
import boto3, requests

NOT_FOUND = {"title": "Not Found", "status": 404, "detail": "no such pet"}


@functools.cache
def _table():
    return boto3.resource("dynamodb").Table(os.environ["PETS_TABLE"])


def list_pets(limit=20):
    return sorted(_table().scan(Limit=limit)["Items"], key=lambda pet: pet["name"])


def create_pet(body):
    pet = {"id": uuid.uuid4().hex[:12], **body}
    _table().put_item(Item=pet)
    return pet, 201


def get_pet(pet_id):
    pet = _table().get_item(Key={"id": pet_id}).get("Item")
    return pet if pet is not None else (NOT_FOUND, 404)


def delete_pet(pet_id):
    old = _table().delete_item(Key={"id": pet_id}, ReturnValues="ALL_OLD")
    return (None, 204) if "Attributes" in old else (NOT_FOUND, 404)


def vet_check(pet_id):
    if _table().get_item(Key={"id": pet_id}).get("Item") is None:
        return NOT_FOUND, 404
    answer = requests.get(f"{os.environ['VET_SERVICE_URL']}/checks/{pet_id}", timeout=3)
    answer.raise_for_status()
    return {"pet_id": pet_id, "healthy": bool(answer.json()["healthy"])}
"""
MANGUM_HANDLER = """
import connexion
from mangum import Mangum

app = connexion.FlaskApp(__name__, specification_dir=".")
app.add_api("openapi.yaml", strict_validation=True, validate_responses=True)
lambda_handler = Mangum(app, lifespan="off")
"""
POWERTOOLS_HANDLER = """
import json
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from petstore import api

app = APIGatewayRestResolver()


def _answer(result):
    body, status = result if isinstance(result, tuple) else (result, 200)
    return Response(status, "application/json", json.dumps(body) if body else "")


@app.get("/pets")
def list_pets():
    return _answer(api.list_pets(int(app.current_event.get_query_string_value(
        "limit", "20"))))


@app.post("/pets")
def create_pet():
    return _answer(api.create_pet(app.current_event.json_body))


@app.get("/pets/<pet_id>")
def get_pet(pet_id):
    return _answer(api.get_pet(pet_id))


@app.delete("/pets/<pet_id>")
def delete_pet(pet_id):
    return _answer(api.delete_pet(pet_id))


@app.get("/pets/<pet_id>/vet-check")
def vet_check(pet_id):
    return _answer(api.vet_check(pet_id))


def lambda_handler(event, context):
    return app.resolve(event, context)
"""
BARE_HANDLER = """
import json


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps([])}
"""
# Runs in the fresh interpreter: the task root and the runtime folder on sys.path,
# then the handler's import and its first event, timed.
PROBE = """
import json, sys, time
sys.path[:0] = sys.argv[1:3]
event = json.loads(sys.argv[3])


class Context:
    function_name = "petstore"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:petstore"
    memory_limit_in_mb = 128

    def get_remaining_time_in_millis(self):
        return 30000


start, cpu_start = time.perf_counter(), time.process_time()
import handler
answer = handler.lambda_handler(event, Context())
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
print(json.dumps({"seconds": seconds, "cpu": cpu, "status": answer["statusCode"]}))
"""


def pip_target(folder: Path, *requirements: str, compile_bytecode: bool = True) -> None:
    """``pip install --target`` as a user bundling by hand does it."""
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--target", str(folder),
            "--disable-pip-version-check",
            "--compile" if compile_bytecode else "--no-compile",
            *requirements,
        ],
        check=True,
    )  # fmt: skip


def write_peer_sources(folder: Path, handler: str) -> None:
    """The peer's handler, the same OpenAPI document, and the plain operations."""
    (folder / "handler.py").write_text(textwrap.dedent(handler))
    shutil.copy(PETSTORE / "src" / "openapi.yaml", folder / "openapi.yaml")
    (folder / "petstore").mkdir(exist_ok=True)
    (folder / "petstore" / "__init__.py").write_text("")
    (folder / "petstore" / "api.py").write_text(PLAIN_OPERATIONS)


def without_bytecode(source: Path, folder: Path) -> Path:
    """A copy of ``source`` with every ``__pycache__`` left out."""
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def zipped_size(folder: Path, work: Path) -> int:
    """The size of ``folder`` zipped as a Lambda bundle."""
    path = work / f"{folder.name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder))
    return path.stat().st_size


def build_fleece_zip(work: Path) -> Path:
    """examples/petstore built by `fleece build`, as the demo builds it."""
    sys.path.insert(0, str(PETSTORE))
    from demo import build_zip

    return build_zip(work)


def cold_start(
    task_root: Path, runtime: Path, environment: dict[str, str]
) -> Callable[[], tuple[float, float]]:
    """A measure: wall and CPU seconds to import the handler and answer an event."""
    event = json.dumps(apigw_v1_event("GET", "/pets", resource="/pets"))

    def measure() -> tuple[float, float]:
        completed = subprocess.run(
            [
                sys.executable, "-I", "-S", "-B", "-c", PROBE,
                str(task_root), str(runtime), event,
            ],
            cwd=task_root,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        if completed.returncode != 0:
            raise SystemExit(f"{task_root.name} failed:\n{completed.stderr}")
        result = json.loads(completed.stdout.splitlines()[-1])
        assert result["status"] == 200, (task_root.name, result)
        return float(result["seconds"]), float(result["cpu"])

    return measure


def main() -> None:
    """Build every bundle, then time their cold starts in turns."""
    work = Path(tempfile.mkdtemp(prefix="fleece-cold-start-"))
    try:
        fleece_zip = build_fleece_zip(work)
        print("\n=== Installing the peers with pip install --target", flush=True)
        mangum = work / "mangum"
        pip_target(mangum, "connexion[flask,uvicorn]>=3.1,<4", "mangum>=0.19")
        write_peer_sources(mangum, MANGUM_HANDLER)
        powertools = work / "powertools"
        pip_target(powertools, "aws-lambda-powertools>=3", "requests>=2.32")
        write_peer_sources(powertools, POWERTOOLS_HANDLER)
        bare = work / "bare"
        bare.mkdir()
        (bare / "handler.py").write_text(BARE_HANDLER)
        bundles = {
            "(a) fleece build": fleece_zip,
            "(b) Mangum, pip --target": mangum,
            "(b') the same, no bytecode": without_bytecode(mangum, work / "mangum-src"),
            "(c) Powertools resolver": powertools,
            "(d) bare handler": bare,
        }
        runtime = lambda_runtime_packages()
        with MotoServer() as moto:
            environment = {
                **moto.env,
                "AWS_REGION": "us-east-1",
                "AWS_LAMBDA_FUNCTION_NAME": "petstore",
                "LAMBDA_TASK_ROOT": "/var/task",
                # Tracing off (not sampled), logging at INFO: as the demo runs it.
                "_X_AMZN_TRACE_ID": TRACE_NOT_SAMPLED,
                "AWS_LAMBDA_LOG_LEVEL": "INFO",
                "PETS_TABLE": "pets",
                "VET_SERVICE_URL": "http://127.0.0.1:9",
                "PYTHONDONTWRITEBYTECODE": "1",
                "PATH": "/usr/local/bin:/usr/bin:/bin",
            }
            os.environ.update(moto.env)
            import boto3

            boto3.client("dynamodb").create_table(
                TableName="pets",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            measures = []
            for name, bundle in bundles.items():
                folder = unpack_read_only(bundle, work / "task" / name.split()[0])
                measure = cold_start(folder, runtime, environment)
                measure()  # warms the file system cache
                measures.append(measure)
            print(f"\n=== {REPEATS} rounds, the bundles taking turns", flush=True)
            results = dict(
                zip(bundles, take_turns(measures, REPEATS, rotate=True), strict=True)
            )
        sizes = {
            "(a)": fleece_zip.stat().st_size,
            "(b)": zipped_size(mangum, work),
            "(c)": zipped_size(powertools, work),
        }
    finally:
        for path in [work, *work.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(work, ignore_errors=True)
    wall = {
        name: statistics.median(w for w, _ in runs) for name, runs in results.items()
    }
    cpu = {
        name: statistics.median(c for _, c in runs) for name, runs in results.items()
    }
    fastest_cpu = {name: min(c for _, c in runs) for name, runs in results.items()}
    fleece = "(a) fleece build"
    print()
    print_table(
        [
            row(
                f"cold start {kind} ms vs {name}",
                figures[fleece] * 1000,
                figures[name] * 1000,
                "{:.0f}",
            )
            for kind, figures in (
                ("CPU", cpu),
                ("CPU (fastest round)", fastest_cpu),
                ("wall", wall),
            )
            for name in bundles
            if name != fleece
        ]
        + [
            row(
                "zip MB vs (b) Mangum, pip --target",
                sizes["(a)"] / 1e6,
                sizes["(b)"] / 1e6,
                "{:.1f}",
            ),
            row(
                "zip MB vs (c) Powertools resolver",
                sizes["(a)"] / 1e6,
                sizes["(c)"] / 1e6,
                "{:.1f}",
            ),
        ]
    )


if __name__ == "__main__":
    main()
