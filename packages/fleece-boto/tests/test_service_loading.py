"""Clients and resources load their service's model without listing every service."""

from __future__ import annotations

import os

import boto3 as real_boto3
import botocore.loaders
import pytest
from boto3.exceptions import ResourceNotExistsError
from botocore.exceptions import UnknownServiceError

from fleece import boto3


def _count_listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every folder botocore's loader lists from now on."""
    listed: list[str] = []
    real_listdir = os.listdir

    def listdir(path: str) -> list[str]:
        listed.append(path)
        return real_listdir(path)

    monkeypatch.setattr(botocore.loaders.os, "listdir", listdir)
    return listed


def test_a_client_and_a_resource_list_only_their_service_folders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore alone lists every service folder (hundreds); fleece's only its own.

    Fails when a botocore release loads models another way and the shortcut no
    longer applies.
    """
    listed = _count_listings(monkeypatch)
    real_boto3.session.Session(region_name="us-east-1").client("dynamodb")
    assert len(listed) > 100  # what botocore does without fleece

    listed.clear()
    boto3.client("dynamodb", region_name="us-east-1")
    boto3.resource("dynamodb", region_name="us-east-1")
    boto3.Session(region_name="us-east-1").client("sqs")
    assert listed
    assert all("dynamodb" in path or "sqs" in path for path in listed), listed


def test_the_models_loaded_are_botocores_own() -> None:
    """The client has the operations of the latest API version, as with boto3."""
    plain = real_boto3.session.Session(region_name="us-east-1").client("dynamodb")
    fleece_client = boto3.client("dynamodb", region_name="us-east-1")
    assert fleece_client.meta.service_model.api_version == (
        plain.meta.service_model.api_version
    )
    assert fleece_client.meta.service_model.operation_names == (
        plain.meta.service_model.operation_names
    )
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("pets")
    assert table.name == "pets"


def test_an_unknown_service_still_names_the_known_ones() -> None:
    """A misspelt service fails as in boto3, with the list of services that exist."""
    with pytest.raises(UnknownServiceError, match="dynamodb"):
        boto3.client("dynamodbb", region_name="us-east-1")
    with pytest.raises(ResourceNotExistsError, match="dynamodb"):
        boto3.resource("dynamodbb", region_name="us-east-1")
    with pytest.raises(UnknownServiceError, match="sqs"):
        boto3.Session(region_name="us-east-1").client("sqss")


def test_botocore_data_loads_as_plain_dicts_equal_to_botocores_own() -> None:
    """endpoints.json and the models come as plain dicts, with the same content.

    Fails when a botocore release reads its JSON files another way and the shortcut
    no longer applies.
    """
    mine = boto3.Session(region_name="us-east-1")._session.get_component("data_loader")
    theirs = real_boto3.session.Session()._session.get_component("data_loader")
    for name in ("endpoints", "sdk-default-configuration"):
        data, expected = mine.load_data(name), theirs.load_data(name)
        assert type(data) is dict
        assert type(expected) is not dict  # botocore's own: OrderedDict
        assert data == expected
        assert list(data) == list(expected)  # the same order
    model = mine.load_service_model("dynamodb", "service-2")
    assert type(model) is dict
    assert model == theirs.load_service_model("dynamodb", "service-2")
