"""A function's cold start: what the first event loads, how the document is read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleece.connexion import call_api, get_connexion_app
from fleece.testing import apigw_v1_event, modules_imported_by

PETSTORE = Path(__file__).parent / "petstore"
FIRST_EVENT = """
import sys
from fleece.connexion import call_api
from fleece.testing import apigw_v1_event

answer = call_api(apigw_v1_event("GET", "/pets/42"), "petstore", {spec!r})
assert answer["statusCode"] == 200, answer
"""
# What connexion imports for test clients, OAuth introspection, $refs to URLs and the
# local server: nothing a function in Lambda runs.
UNUSED_IN_LAMBDA = {
    "starlette.testclient",
    "httpx",
    "httpcore",
    "requests",
    "urllib3",
    "uvicorn",
}


def test_a_first_event_loads_no_test_client_http_client_or_server(
    spec: Path, tmp_path: Path
) -> None:
    """Serving a first event leaves httpx, requests and uvicorn unloaded."""
    (tmp_path / "first_event.py").write_text(FIRST_EVENT.format(spec=str(spec)))

    loaded = modules_imported_by("first_event", path=[tmp_path, PETSTORE])

    assert "connexion" in loaded
    assert set() == UNUSED_IN_LAMBDA & loaded


def test_the_test_client_httpx_and_requests_work_when_used_later(spec: Path) -> None:
    """connexion's test client, and httpx and requests, load when first used."""
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(PETSTORE)!r})\n"
        "from fleece.connexion import get_connexion_app\n"
        f"app = get_connexion_app('petstore', {str(spec)!r})\n"
        "deferred = 'starlette.testclient' not in sys.modules\n"
        "status = app.test_client().get('/pets/42').status_code\n"
        "import httpx, requests\n"
        "print(json.dumps([deferred, status, httpx.Client.__name__,"
        " requests.Session.__name__]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [True, 200, "Client", "Session"]


def test_run_without_uvicorn_names_the_server_extra(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run() without uvicorn installed says, in one line, how to get it."""
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    app = get_connexion_app("petstore", spec)

    with pytest.raises(ImportError) as raised:
        app.run(8080)

    assert str(raised.value) == (
        "serving the API locally needs uvicorn: pip install 'fleece-connexion[server]'"
    )


def _refuse_pure_python_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> list[object]:
    """Make PyYAML's pure-Python safe loader record its uses and fail."""
    uses: list[object] = []

    def refuse(self: Any) -> Any:
        uses.append(self)
        raise AssertionError("parsed with the pure-Python loader")

    monkeypatch.setattr(yaml.SafeLoader, "get_single_data", refuse)
    return uses


def test_the_document_is_parsed_with_libyaml(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OpenAPI document is parsed by libyaml, not by PyYAML's Python parser."""
    assert yaml.__with_libyaml__
    uses = _refuse_pure_python_parsing(monkeypatch)

    answer = call_api(
        apigw_v1_event("GET", "/pets/42"), "petstore", spec, cache_app=False
    )

    assert answer["statusCode"] == 200
    assert uses == []


def test_a_templated_document_is_still_rendered_by_connexion(
    spec: Path, tmp_path: Path
) -> None:
    """Jinja2 syntax in the document is rendered, as connexion always did."""
    templated = tmp_path / "openapi.yaml"
    templated.write_text("{# rendered away by Jinja2 #}\n" + spec.read_text())

    answer = call_api(
        apigw_v1_event("GET", "/pets/42"), "petstore", templated, cache_app=False
    )

    assert answer["statusCode"] == 200


def test_refs_to_other_files_are_resolved_beside_the_document(tmp_path: Path) -> None:
    """A $ref to a file next to the document still applies its schema."""
    (tmp_path / "types.yaml").write_text("PetId: {type: integer, maximum: 100}\n")
    document = tmp_path / "openapi.yaml"
    document.write_text(
        "openapi: 3.0.3\n"
        "info: {title: refs, version: '1'}\n"
        "paths:\n"
        "  /pets/{pet_id}:\n"
        "    get:\n"
        "      operationId: petstore_api.get_pet\n"
        "      parameters:\n"
        "        - {name: pet_id, in: path, required: true,"
        " schema: {$ref: 'types.yaml#/PetId'}}\n"
        "      responses: {'200': {description: the pet}}\n"
    )

    found = call_api(apigw_v1_event("GET", "/pets/42"), "refs", document)
    too_big = call_api(apigw_v1_event("GET", "/pets/500"), "refs", document)

    assert found["statusCode"] == 200
    assert too_big["statusCode"] == 400


COLLECTOR_AFTER_FIRST_EVENT = """
import gc, json, sys
sys.path.insert(0, {petstore!r})
from fleece.connexion import call_api, get_connexion_app
from fleece.testing import apigw_v1_event

{before}
answer = call_api(apigw_v1_event("GET", "/pets/42"), "petstore", {spec!r})
frozen = gc.get_freeze_count()
get_connexion_app("petstore", {spec!r}, cache_app=False)
print(json.dumps({{
    "status": answer["statusCode"],
    "enabled": gc.isenabled(),
    "frozen": frozen,
    "frozen_by_an_uncached_app": gc.get_freeze_count() - frozen,
}}))
"""


def _collector_after_first_event(
    spec: Path,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    before: str = "",
) -> dict[str, Any]:
    """Serve a first event in a fresh process; say what became of the collector."""
    for name in (
        "AWS_LAMBDA_FUNCTION_NAME",
        "LAMBDA_TASK_ROOT",
        "AWS_LAMBDA_RUNTIME_API",
        "FLEECE_GC_FREEZE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    script = COLLECTOR_AFTER_FIRST_EVENT.format(
        petstore=str(PETSTORE), spec=str(spec), before=before
    )
    result: dict[str, Any] = json.loads(
        subprocess.check_output([sys.executable, "-c", script], text=True)
    )
    assert result["status"] == 200
    return result


def test_in_lambda_what_the_first_event_builds_is_frozen_and_collection_resumes(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """connexion and the cached app are frozen out of later collections in Lambda.

    The collector runs again afterwards; an app built without caching is not
    frozen (its cycles must stay collectable).
    """
    result = _collector_after_first_event(
        spec, monkeypatch, {"AWS_LAMBDA_FUNCTION_NAME": "petstore"}
    )

    assert result["enabled"] is True
    assert result["frozen"] > 20_000  # connexion, Flask, jsonschema, the app
    assert result["frozen_by_an_uncached_app"] == 0


@pytest.mark.parametrize(
    ("environment", "before"),
    [
        ({}, ""),
        (
            {"AWS_LAMBDA_FUNCTION_NAME": "petstore", "FLEECE_GC_FREEZE": "0"},
            "",
        ),
        ({"AWS_LAMBDA_FUNCTION_NAME": "petstore"}, "gc.disable()"),
    ],
    ids=["outside Lambda", "turned off", "collector disabled by the caller"],
)
def test_the_collector_is_left_alone_outside_lambda_or_when_asked(
    spec: Path,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    before: str,
) -> None:
    """Nothing is frozen outside Lambda, when turned off, or when gc is disabled."""
    result = _collector_after_first_event(spec, monkeypatch, environment, before)

    assert result["frozen"] == 0
    assert result["enabled"] is (before == "")
