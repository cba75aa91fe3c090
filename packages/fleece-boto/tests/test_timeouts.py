"""Timeouts of ``fleece.boto3`` clients, as seen in ``client.meta.config``."""

from __future__ import annotations

import math
import threading
from typing import Any

import boto3 as real_boto3
import pytest
from botocore.config import Config

from fleece import boto3
from fleece.testing import MotoServer

BOTOCORE_DEFAULT = 60


def timeouts(client: Any) -> tuple[float, float]:
    """The ``(connect, read)`` timeouts a client will use."""
    return (client.meta.config.connect_timeout, client.meta.config.read_timeout)


def test_with_nothing_set_the_client_is_boto3s(moto_env: MotoServer) -> None:
    """No timeout anywhere: botocore's 60 s defaults, as boto3.client (1.x: none)."""
    ours = boto3.client("s3")
    theirs = real_boto3.client("s3")

    assert timeouts(ours) == timeouts(theirs) == (BOTOCORE_DEFAULT, BOTOCORE_DEFAULT)
    assert ours.meta.config.retries == theirs.meta.config.retries


def test_timeout_sets_both_values(moto_env: MotoServer) -> None:
    """``timeout=5`` gives 5 s to connect and 5 s per read."""
    assert timeouts(boto3.client("s3", timeout=5)) == (5, 5)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"connect_timeout": 2}, (2, BOTOCORE_DEFAULT)),
        ({"read_timeout": 3.5}, (BOTOCORE_DEFAULT, 3.5)),
        ({"timeout": 5, "connect_timeout": 2}, (2, 5)),
        ({"timeout": 5, "read_timeout": 9}, (5, 9)),
        ({"connect_timeout": 1, "read_timeout": 2}, (1, 2)),
    ],
    ids=repr,
)
def test_specific_timeouts_beat_timeout(
    moto_env: MotoServer, kwargs: dict[str, float], expected: tuple[float, float]
) -> None:
    """``connect_timeout``/``read_timeout`` win over ``timeout`` per value."""
    assert timeouts(boto3.client("s3", **kwargs)) == expected


def test_the_installed_default_applies_to_clients_created_later(
    moto_env: MotoServer,
) -> None:
    """The 1.x README: ``set_default_timeout(15)`` then a plain ``client()``."""
    boto3.set_default_timeout(15)

    assert timeouts(boto3.client("lambda")) == (15, 15)


def test_explicit_arguments_beat_the_installed_default(moto_env: MotoServer) -> None:
    """A per-call value wins over the default (1.x let the default win)."""
    boto3.set_default_timeout(15)

    assert timeouts(boto3.client("s3", read_timeout=4)) == (15, 4)
    assert timeouts(boto3.client("s3", timeout=3)) == (3, 3)


def test_set_default_timeout_takes_separate_values(moto_env: MotoServer) -> None:
    """``set_default_timeout(timeout=10, connect_timeout=2)``: connect 2, read 10."""
    boto3.set_default_timeout(timeout=10, connect_timeout=2)

    assert timeouts(boto3.client("s3")) == (2, 10)


def test_set_default_timeout_without_arguments_restores_botocores(
    moto_env: MotoServer,
) -> None:
    """Clearing the default gives clients botocore's 60 s again."""
    boto3.set_default_timeout(15)
    boto3.set_default_timeout()

    assert timeouts(boto3.client("s3")) == (BOTOCORE_DEFAULT, BOTOCORE_DEFAULT)


def test_the_default_applies_to_clients_created_in_other_threads(
    moto_env: MotoServer,
) -> None:
    """Set at start-up in the main thread, seen by clients made by workers."""
    boto3.set_default_timeout(7)
    boto3.setup_default_session()
    seen: list[tuple[float, float]] = []

    def make_client() -> None:
        seen.append(timeouts(boto3.client("sqs")))

    for _ in range(3):
        worker = threading.Thread(target=make_client)
        worker.start()
        worker.join()

    assert seen == [(7, 7)] * 3


def test_a_callers_config_is_merged_and_left_untouched(moto_env: MotoServer) -> None:
    """The caller's Config beats the default; its other settings are kept."""
    boto3.set_default_timeout(15)
    config = Config(read_timeout=7, retries={"max_attempts": 2, "mode": "standard"})

    client = boto3.client("s3", config=config)

    assert timeouts(client) == (15, 7)
    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.config.retries["total_max_attempts"] == 3
    assert (config.connect_timeout, config.read_timeout) == (BOTOCORE_DEFAULT, 7)


def test_call_arguments_beat_a_callers_config(moto_env: MotoServer) -> None:
    """``read_timeout=`` wins over the Config's; the Config is not changed."""
    config = Config(connect_timeout=4, read_timeout=8)

    client = boto3.client("s3", config=config, read_timeout=2)

    assert timeouts(client) == (4, 2)
    assert (config.connect_timeout, config.read_timeout) == (4, 8)


def test_timeout_beats_both_values_of_a_callers_config(moto_env: MotoServer) -> None:
    """``timeout=2`` wins over the Config's connect and read; the Config is kept."""
    config = Config(connect_timeout=4, read_timeout=8)

    client = boto3.client("s3", config=config, timeout=2)

    assert timeouts(client) == (2, 2)
    assert (config.connect_timeout, config.read_timeout) == (4, 8)


def test_a_config_passed_by_position_is_merged_too(moto_env: MotoServer) -> None:
    """``config`` as boto3's 10th positional argument is honoured."""
    config = Config(region_name="eu-west-1", read_timeout=8)
    positional = ("s3", None, None, True, None, None, None, None, None, config)

    client = boto3.client(*positional, connect_timeout=3)

    assert timeouts(client) == (3, 8)
    assert client.meta.region_name == "eu-west-1"


def test_a_config_that_is_not_a_botocore_config_is_refused(
    moto_env: MotoServer,
) -> None:
    """A dict instead of a Config raises TypeError saying so."""
    with pytest.raises(TypeError, match=r"botocore\.config\.Config"):
        boto3.client("s3", config={"read_timeout": 3}, timeout=1)


def test_resource_clients_get_the_timeouts(moto_env: MotoServer) -> None:
    """``resource(..., read_timeout=4)`` applies to the resource's client."""
    boto3.set_default_timeout(15)

    s3 = boto3.resource("s3", read_timeout=4)

    assert timeouts(s3.meta.client) == (15, 4)


def test_a_fleece_session_takes_timeouts_for_clients_and_resources(
    moto_env: MotoServer,
) -> None:
    """``fleece.boto3.Session`` is a boto3 Session with the same arguments."""
    session = boto3.Session(region_name="eu-central-1")

    client = session.client("dynamodb", connect_timeout=2)
    resource = session.resource("dynamodb", timeout=6)

    assert isinstance(session, real_boto3.session.Session)
    assert timeouts(client) == (2, BOTOCORE_DEFAULT)
    assert timeouts(resource.meta.client) == (6, 6)
    assert client.meta.region_name == "eu-central-1"


def test_a_fleece_session_uses_the_installed_default(moto_env: MotoServer) -> None:
    """Clients of a fleece Session get the default like module-level ones."""
    boto3.set_default_timeout(read_timeout=11)

    client = boto3.Session().client("s3")

    assert timeouts(client) == (BOTOCORE_DEFAULT, 11)


BAD_VALUES = [0, -1, "5", None, True, math.nan, math.inf, [5]]


@pytest.mark.parametrize("name", ["timeout", "connect_timeout", "read_timeout"])
@pytest.mark.parametrize("value", [v for v in BAD_VALUES if v is not None], ids=repr)
def test_bad_timeouts_raise_value_error_naming_the_argument(
    moto_env: MotoServer, name: str, value: object
) -> None:
    """client(), resource(), Session.client() and the default refuse them alike."""
    makers = [
        lambda: boto3.client("s3", **{name: value}),
        lambda: boto3.resource("s3", **{name: value}),
        lambda: boto3.Session().client("s3", **{name: value}),
        lambda: boto3.set_default_timeout(**{name: value}),
    ]
    for make in makers:
        with pytest.raises(ValueError, match=f"^{name} must be a number"):
            make()


def test_a_refused_default_leaves_the_previous_one(moto_env: MotoServer) -> None:
    """A bad ``set_default_timeout`` call changes nothing."""
    boto3.set_default_timeout(15)

    with pytest.raises(ValueError, match="read_timeout"):
        boto3.set_default_timeout(timeout=3, read_timeout=-1)

    assert timeouts(boto3.client("s3")) == (15, 15)
