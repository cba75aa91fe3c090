"""get_connexion_app: one app per process and document, OpenAPI 2 and 3."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fleece.connexion import call_api, clear_app_cache, get_connexion_app
from fleece.testing import apigw_v1_event, function_url_event

Parse = Callable[[dict[str, Any]], Any]


def test_the_app_is_built_once_per_name_document_and_flags(spec: Path) -> None:
    """Same arguments, same app; other flags, another app."""
    app = get_connexion_app("cache-a", spec)
    assert app is get_connexion_app("cache-a", str(spec))
    assert app is not get_connexion_app("cache-a", spec, validate_responses=False)
    assert app is not get_connexion_app("cache-b", spec)


def test_the_app_is_a_connexion_flask_app(spec: Path) -> None:
    """Users can treat it as any connexion FlaskApp (add_error_handler, run...)."""
    import connexion

    assert isinstance(get_connexion_app("flask-app", spec), connexion.FlaskApp)


def test_relative_and_absolute_paths_to_one_document_share_the_app(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache key is the resolved path, so the working directory does not matter."""
    app = get_connexion_app("cache-c", spec)
    monkeypatch.chdir(spec.parent)
    assert app is get_connexion_app("cache-c", spec.name)
    monkeypatch.chdir(spec.parent.parent)
    assert app is get_connexion_app("cache-c", os.path.join("petstore", spec.name))


def test_cache_app_false_builds_a_new_app(spec: Path) -> None:
    """cache_app=False opts out of the cache."""
    cached = get_connexion_app("cache-d", spec)
    fresh = get_connexion_app("cache-d", spec, cache_app=False)
    assert fresh is not cached
    assert cached is get_connexion_app("cache-d", spec)


def test_clear_app_cache_forgets_every_app(spec: Path) -> None:
    """After clear_app_cache the next call builds the app again."""
    app = get_connexion_app("cache-e", spec)
    clear_app_cache()
    assert app is not get_connexion_app("cache-e", spec)


def test_missing_document_is_a_file_not_found_error_naming_it(tmp_path: Path) -> None:
    """The error says which file was looked for."""
    with pytest.raises(FileNotFoundError, match=r"nowhere\.yml"):
        get_connexion_app("missing", tmp_path / "nowhere.yml")


def test_app_name_must_be_a_string(spec: Path) -> None:
    """A clear TypeError rather than a failure deep in Flask."""
    with pytest.raises(TypeError, match="app_name"):
        get_connexion_app(None, spec)  # type: ignore[arg-type]  # deliberately not a name


def test_swagger_2_documents_work_as_in_1x(swagger: Path, body_json: Parse) -> None:
    """fleece 1.x apps were written against Swagger 2.0 documents."""
    answer = call_api(apigw_v1_event("GET", "/users/1"), "swagger", swagger)
    assert body_json(answer) == {"id": 1, "name": "Ada"}
    answer = call_api(
        function_url_event("GET", "/pets", query={"limit": "1"}), "swagger", swagger
    )
    assert answer["statusCode"] == 200


def test_an_app_that_fails_to_build_is_not_kept(
    tmp_path: Path, petstore_dir: Path
) -> None:
    """An operation that cannot be imported fails every call the same clear way."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (petstore_dir / "swagger.yaml")
        .read_text()
        .replace("petstore_api.get_user", "no_such_module.get_user")
    )
    for _ in range(2):
        with pytest.raises(Exception, match="no_such_module"):
            call_api(apigw_v1_event("GET", "/users/1"), "broken", broken)


def test_invocations_reuse_the_threads_and_the_event_loop(spec: Path) -> None:
    """No thread (and no loop) is started per invocation."""
    call_api(apigw_v1_event("GET", "/pets"), "petstore", spec)
    threads = threading.active_count()
    for _ in range(20):
        assert (
            call_api(apigw_v1_event("GET", "/pets"), "petstore", spec)["statusCode"]
            == 200
        )
    assert threads == threading.active_count()


def _statuses_from_threads(invoke: Callable[[], Any], count: int) -> list[Any]:
    """Run ``invoke`` in ``count`` threads and return the statuses they got."""
    statuses: list[Any] = []
    workers = [
        threading.Thread(target=lambda: statuses.append(invoke())) for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


def test_calls_from_several_threads_each_get_an_answer(spec: Path) -> None:
    """Each thread drives the app on its own loop."""

    def invoke() -> Any:
        event = apigw_v1_event("GET", "/pets/42")
        return call_api(event, "petstore", spec)["statusCode"]

    assert _statuses_from_threads(invoke, 4) == [200] * 4


def test_threads_racing_for_a_new_app_all_get_answers(spec: Path) -> None:
    """The first calls of several threads at once, on an app not built yet."""
    start = threading.Barrier(4)

    def invoke() -> Any:
        start.wait()
        event = function_url_event("GET", "/pets/7")
        return call_api(event, "raced", spec)["statusCode"]

    assert _statuses_from_threads(invoke, 4) == [200] * 4


def test_calling_from_a_coroutine_is_a_clear_error(spec: Path) -> None:
    """call_api is synchronous: inside a running loop it says so."""
    import asyncio

    async def handler() -> Any:
        return call_api(apigw_v1_event("GET", "/pets"), "petstore", spec)

    with pytest.raises(RuntimeError, match="cannot be called from a coroutine"):
        asyncio.run(handler())


def test_wsgi_middleware_added_to_the_app_runs_for_lambda_events(spec: Path) -> None:
    """FlaskApp.add_wsgi_middleware still wraps Flask when events run inline."""

    class Stamp:
        def __init__(self, app: Callable[..., Any]) -> None:
            self.app = app

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            def stamped(status: str, headers: list[Any], *args: Any) -> Any:
                return start_response(status, [*headers, ("X-Stamp", "1")], *args)

            return self.app(environ, stamped)

    app = get_connexion_app("wsgi-middleware", spec)
    app.add_wsgi_middleware(Stamp)
    answer = call_api(apigw_v1_event("GET", "/pets"), "wsgi-middleware", spec)
    assert answer["headers"]["x-stamp"] == "1"


def test_the_app_answers_events_itself_as_1x_apps_did(
    spec: Path, body_json: Parse
) -> None:
    """app.call_api(event) and app.call_proxy_api(event), the 1.x methods."""
    from fleece.testing import request_template_event

    app = get_connexion_app("petstore", spec)
    template = request_template_event(
        "GET", "/users/{user_id}", path_parameters={"user_id": "1"}
    )
    assert app.call_api(template) == {"id": 1, "name": "Ada"}
    assert body_json(app.call_proxy_api(template)) == {"id": 1, "name": "Ada"}
