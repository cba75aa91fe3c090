"""Operations of the petstore test API (openapi.yaml, swagger.yaml)."""

from __future__ import annotations

import base64
from typing import Any

import flask

# A 1x1 transparent PNG plus a byte that is not valid UTF-8, so a text decoding of it
# would corrupt it.
PHOTO = (
    base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
    )
    + b"\xff"
)

_SEED = {
    7: {"id": 7, "name": "Fido", "tag": "dog"},
    42: {"id": 42, "name": "Rex", "tag": "dog"},
}
PETS: dict[int, dict[str, Any]] = {}
USERS = {1: {"id": 1, "name": "Ada"}}


def reset() -> None:
    """Put the store back in its initial state."""
    PETS.clear()
    PETS.update({pet_id: dict(pet) for pet_id, pet in _SEED.items()})


reset()


def _not_found(what: str) -> tuple[dict[str, Any], int]:
    problem = {"type": "about:blank", "title": "Not Found", "status": 404}
    problem["detail"] = f"{what} not found"
    return problem, 404


def list_pets(limit: int = 100, tag: list[str] | None = None) -> list[dict[str, Any]]:
    pets = [pet for pet in PETS.values() if not tag or pet.get("tag") in tag]
    return pets[:limit]


def create_pet(
    body: dict[str, Any],
    dryRun: bool = False,  # noqa: N803 - connexion passes the OpenAPI name
    tag: list[str] | None = None,
) -> tuple[dict[str, Any], int, dict[str, str]]:
    pet = {"id": max(PETS, default=0) + 1, **body}
    if not dryRun:
        PETS[pet["id"]] = pet
    location = flask.url_for(".petstore_api_get_pet", pet_id=pet["id"], _external=True)
    return pet, 201, {"Location": location}


def get_pet(
    pet_id: int, verbose: bool = False, tag: list[str] | None = None
) -> dict[str, Any] | tuple[dict[str, Any], int]:
    if pet_id not in PETS:
        return _not_found(f"pet {pet_id}")
    return PETS[pet_id]


def update_pet(
    pet_id: int, body: dict[str, Any], notify: str | None = None
) -> dict[str, Any] | tuple[dict[str, Any], int]:
    if pet_id not in PETS:
        return _not_found(f"pet {pet_id}")
    PETS[pet_id] = {"id": pet_id, **body}
    return PETS[pet_id]


def delete_pet(
    pet_id: int,
) -> tuple[Any, int]:
    if pet_id not in PETS:
        return _not_found(f"pet {pet_id}")
    del PETS[pet_id]
    return None, 204


def get_photo(pet_id: int) -> flask.Response:
    return flask.Response(PHOTO, mimetype="image/png")


def get_broken_pet(pet_id: int) -> dict[str, Any]:
    return {"id": "not-a-number", "secret_column": "s3cr3t-internal-value"}


def boom(kind: str = "runtime") -> None:
    if kind == "value":
        raise ValueError("database password is hunter2")
    if kind == "decode":
        b"hunter2\xff".decode()
    raise RuntimeError("database password is hunter2")


def teapot() -> tuple[dict[str, Any], int]:
    return {"hint": "short and stout"}, 418


def unavailable() -> tuple[dict[str, Any], int]:
    return {"detail": "maintenance window, db at 10.0.0.5"}, 503


def echo(q: list[str] | None = None, body: Any = None) -> dict[str, Any]:
    request = flask.request
    return {
        "method": request.method,
        "url": request.url,
        "path": request.path,
        "script_root": request.script_root,
        "query": {key: request.args.getlist(key) for key in request.args},
        "headers": {name.lower(): value for name, value in request.headers.items()},
        "cookies": dict(request.cookies),
        "remote_addr": request.remote_addr,
        "body_base64": base64.b64encode(request.get_data()).decode(),
    }


def echo_body(q: list[str] | None = None, body: Any = None) -> dict[str, Any]:
    return echo(q)


def echo_word(word: str) -> str:
    return word


def set_cookies() -> flask.Response:
    response = flask.jsonify({"cookies": 2})
    response.set_cookie("session", "s1", httponly=True)
    response.set_cookie("theme", "dark")
    return response


def get_user(user_id: int) -> dict[str, Any] | tuple[dict[str, Any], int]:
    if user_id not in USERS:
        return {"error": {"message": f"user {user_id} does not exist"}}, 404
    return USERS[user_id]


def create_user_pet(
    user_id: int, body: dict[str, Any], notify: bool = False
) -> tuple[dict[str, Any], int]:
    pet = {"id": max(PETS, default=0) + 1, "owner": user_id, "notified": notify, **body}
    PETS[pet["id"]] = pet
    return pet, 201


def get_file(path: str) -> dict[str, Any]:
    return {"path": path}
