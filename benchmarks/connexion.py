"""fleece.connexion against Mangum on the same connexion 3 app and events.

Run with ``uv run python benchmarks/connexion.py``. Measures, in one run:

- warm latency per event (REST v1, HTTP API v2, ALB, Function URL): ``call_api`` vs
  ``Mangum(app, lifespan="off")`` on a plain ``connexion.FlaskApp`` built from the same
  OpenAPI document with the same flags. Mangum does not set Content-Length, without
  which connexion ignores the body, so its events get one added;
- the same with Mangum driving fleece's app (fleece's inline WSGI bridge helps it too);
- cold: a fresh process's first event, app construction included;
- ``get_connexion_app`` on a cache hit vs a ``functools.cache`` app factory;
- ``import fleece.connexion`` vs ``import mangum``.

Each figure is the median of repeats; fleece and the peer alternate within a repeat.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _report import bytecode_env, medians_in_turns, overheads, print_table, row

ROOT = Path(__file__).resolve().parent.parent
PETSTORE = ROOT / "packages" / "fleece-connexion" / "tests" / "petstore"
EVENTS = ROOT / "packages" / "fleece-testing" / "src" / "fleece" / "testing" / "events"
SPEC = PETSTORE / "openapi.yaml"
WARM_EVENTS = {
    "REST v1 GET /pets/42": "apigw-rest-v1-proxy",
    "HTTP API v2 POST /pets": "apigw-http-v2",
    "ALB PUT /pets/7": "alb",
    "Function URL GET /pets": "function-url",
}
ROUNDS = 7
CALLS = 60
COLD_REPEATS = 3
IMPORT_REPEATS = 5
CACHE_HITS = 20000

Row = tuple[str, float, float]
"""A metric and fleece's and the peer's figures for it."""


class Context:
    """The bit of a Lambda context Mangum reads."""

    aws_request_id = "bench"


def load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def with_content_length(event: dict[str, Any]) -> dict[str, Any]:
    """The event with the Content-Length header connexion needs to see a body."""
    import base64

    event = copy.deepcopy(event)
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    if raw:
        event["headers"]["content-length"] = str(len(raw))
        if "multiValueHeaders" in event:
            event["multiValueHeaders"]["content-length"] = [str(len(raw))]
    return event


def per_call(function: Callable[[], Any]) -> float:
    """Seconds per call over CALLS calls."""
    start = time.perf_counter()
    for _ in range(CALLS):
        function()
    return (time.perf_counter() - start) / CALLS


def alternate(
    fleece: Callable[[], Any], peer: Callable[[], Any]
) -> tuple[float, float]:
    """Median seconds per call of each, the two taking turns."""
    fleece_time, peer_time = medians_in_turns(
        [functools.partial(per_call, fleece), functools.partial(per_call, peer)],
        ROUNDS,
    )
    return fleece_time, peer_time


def warm_rows() -> list[Row]:
    import connexion
    from mangum import Mangum

    from fleece.connexion import call_api, get_connexion_app

    plain = connexion.FlaskApp("petstore-plain", specification_dir=str(PETSTORE))
    plain.add_api(SPEC.name, strict_validation=True, validate_responses=True)
    on_plain = Mangum(plain, lifespan="off")
    on_fleece = Mangum(get_connexion_app("petstore", SPEC), lifespan="off")
    context = Context()
    rows: list[Row] = []
    fleece_total = plain_total = shared_total = 0.0
    for label, name in WARM_EVENTS.items():
        event = load(name)
        peer_event = with_content_length(event)
        fleece_status = call_api(event, "petstore", SPEC)["statusCode"]
        peer_status = on_plain(peer_event, context)["statusCode"]
        assert fleece_status == peer_status, (label, fleece_status, peer_status)
        fleece_time, plain_time = alternate(
            lambda e=event: call_api(e, "petstore", SPEC),
            lambda e=peer_event: on_plain(e, context),
        )
        _, shared_time = alternate(
            lambda e=event: call_api(e, "petstore", SPEC),
            lambda e=peer_event: on_fleece(e, context),
        )
        fleece_total += fleece_time
        plain_total += plain_time
        shared_total += shared_time
        rows.append((f"warm {label} (µs)", fleece_time * 1e6, plain_time * 1e6))
    count = len(WARM_EVENTS)
    rows.append(
        ("warm, mean of the 4 events (µs)", fleece_total / count * 1e6,
         plain_total / count * 1e6)
    )  # fmt: skip
    rows.append(
        ("warm, peer = Mangum on fleece's app (µs)", fleece_total / count * 1e6,
         shared_total / count * 1e6)
    )  # fmt: skip
    return rows


COLD_FLEECE = """
import json, sys, time
sys.path.insert(0, {petstore!r})
event = json.load(open({event!r}))
start = time.perf_counter()
from fleece.connexion import call_api
answer = call_api(event, "petstore", {spec!r})
print(time.perf_counter() - start, answer["statusCode"])
"""

COLD_MANGUM = """
import json, sys, time
sys.path.insert(0, {petstore!r})
event = json.load(open({event!r}))
start = time.perf_counter()
import connexion
from mangum import Mangum
app = connexion.FlaskApp("petstore", specification_dir={petstore!r})
app.add_api("openapi.yaml", strict_validation=True, validate_responses=True)
class Context:
    aws_request_id = "bench"
answer = Mangum(app, lifespan="off")(event, Context())
print(time.perf_counter() - start, answer["statusCode"])
"""


def run_seconds(code: str) -> float:
    output = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert output[1] == "200", output
    return float(output[0])


def cold_row() -> Row:
    values = {
        "petstore": str(PETSTORE),
        "spec": str(SPEC),
        "event": str(EVENTS / "apigw-rest-v1-proxy.json"),
    }
    fleece, peer = medians_in_turns(
        [
            functools.partial(run_seconds, COLD_FLEECE.format(**values)),
            functools.partial(run_seconds, COLD_MANGUM.format(**values)),
        ],
        COLD_REPEATS,
    )
    return ("cold first event, import + app build (ms)", fleece * 1e3, peer * 1e3)


def import_row() -> Row:
    env = bytecode_env()

    def seconds(statement: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, env=env)
        return time.perf_counter() - start

    fleece, peer = overheads(
        [
            functools.partial(seconds, "import fleece.connexion"),
            functools.partial(seconds, "import mangum"),
        ],
        functools.partial(seconds, "pass"),
        IMPORT_REPEATS,
    )
    return ("import time (ms)", fleece * 1e3, peer * 1e3)


def cache_row() -> Row:
    from fleece.connexion import get_connexion_app

    @functools.cache
    def factory(name: str, path: str, strict: bool, validate: bool) -> object:
        return get_connexion_app(name, path, strict, validate)

    path = str(SPEC)
    factory("petstore", path, True, True)
    get_connexion_app("petstore", path)

    def fleece_hit() -> float:
        start = time.perf_counter()
        for _ in range(CACHE_HITS):
            get_connexion_app("petstore", path)
        return (time.perf_counter() - start) / CACHE_HITS

    def peer_hit() -> float:
        start = time.perf_counter()
        for _ in range(CACHE_HITS):
            factory("petstore", path, True, True)
        return (time.perf_counter() - start) / CACHE_HITS

    fleece, peer = medians_in_turns([fleece_hit, peer_hit], ROUNDS)
    return (
        "get_connexion_app cache hit vs functools.cache (µs)",
        fleece * 1e6,
        peer * 1e6,
    )


def main() -> None:
    # This file is named connexion.py and its folder is sys.path[0]: drop the folder
    # so that `import connexion` finds the library, not this script.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    logging.disable(logging.WARNING)
    # The peer imports connexion as is, warnings about its own imports included.
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(PETSTORE))
    rows = [*warm_rows(), cache_row(), cold_row(), import_row()]
    print_table([row(metric, fleece, peer, "{:.1f}") for metric, fleece, peer in rows])
    print("peer: Mangum(connexion.FlaskApp, lifespan='off'); ratio = fleece / peer")


if __name__ == "__main__":
    main()
