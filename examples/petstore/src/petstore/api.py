"""The operations of openapi.yaml: pets in DynamoDB, a vet service over HTTP."""

from __future__ import annotations

import functools
import os
import uuid
from typing import Any

from fleece import boto3, requests
from fleece.log import get_logger
from fleece.xray import put_annotation, trace_xray_subsegment

log = get_logger(__name__)
NOT_FOUND = {"title": "Not Found", "status": 404, "detail": "no such pet"}


@functools.cache
def _table() -> Any:
    # Made on first use and kept for every later invocation of this process:
    # creating a resource costs milliseconds. fleece.boto3's default timeouts apply.
    return boto3.resource("dynamodb").Table(os.environ["PETS_TABLE"])


@trace_xray_subsegment()
def list_pets(limit: int = 20) -> list[dict[str, str]]:
    """Return up to ``limit`` pets."""
    items: list[dict[str, str]] = _table().scan(Limit=limit)["Items"]
    log.info("pets listed", count=len(items))
    return sorted(items, key=lambda pet: pet["name"])


@trace_xray_subsegment()
def create_pet(body: dict[str, str]) -> tuple[dict[str, str], int]:
    """Store a new pet and return it with 201."""
    pet = {"id": uuid.uuid4().hex[:12], **body}
    _table().put_item(Item=pet)
    put_annotation("pet_id", pet["id"])
    log.info("pet created", pet_id=pet["id"], name=pet["name"])
    return pet, 201


@trace_xray_subsegment()
def get_pet(pet_id: str) -> Any:
    """Return one pet, or a 404 problem."""
    pet = _table().get_item(Key={"id": pet_id}).get("Item")
    if pet is None:
        log.warning("pet not found", pet_id=pet_id)
        return NOT_FOUND, 404
    return pet


@trace_xray_subsegment()
def delete_pet(pet_id: str) -> Any:
    """Delete a pet: 204, or a 404 problem."""
    old = _table().delete_item(Key={"id": pet_id}, ReturnValues="ALL_OLD")
    if "Attributes" not in old:
        return NOT_FOUND, 404
    log.info("pet deleted", pet_id=pet_id)
    return None, 204


@trace_xray_subsegment()
def vet_check(pet_id: str) -> Any:
    """Ask the vet service about a pet; its 503s are retried by fleece.requests."""
    pet = _table().get_item(Key={"id": pet_id}).get("Item")
    if pet is None:
        return NOT_FOUND, 404
    answer = requests.get(f"{os.environ['VET_SERVICE_URL']}/checks/{pet_id}")
    answer.raise_for_status()
    log.info("vet check", pet_id=pet_id, healthy=answer.json()["healthy"])
    return {"pet_id": pet_id, "healthy": bool(answer.json()["healthy"])}
