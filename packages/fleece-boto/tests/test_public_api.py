"""What ``fleece.boto3`` exposes, and what importing it costs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3 as real_boto3
import pytest

import fleece.boto3
from fleece.testing import MotoServer, modules_imported_by


def test_the_public_api_is_listed_in_all() -> None:
    """``__all__`` is exactly the documented API."""
    assert sorted(fleece.boto3.__all__) == [
        "Session",
        "client",
        "resource",
        "set_default_timeout",
    ]


@pytest.mark.parametrize(
    "name",
    ["setup_default_session", "set_stream_logger", "exceptions", "session", "utils"],
)
def test_every_other_boto3_name_is_reachable(name: str) -> None:
    """``fleece.boto3.X`` is ``boto3.X`` for names fleece does not wrap."""
    assert getattr(fleece.boto3, name) is getattr(real_boto3, name)


def test_default_session_is_boto3s_current_one(moto_env: MotoServer) -> None:
    """``DEFAULT_SESSION`` follows boto3's, also after it is replaced."""
    fleece.boto3.setup_default_session(region_name="ap-south-1")

    assert fleece.boto3.DEFAULT_SESSION is real_boto3.DEFAULT_SESSION
    assert fleece.boto3.client("s3").meta.region_name == "ap-south-1"


def test_an_unknown_name_raises_attribute_error_naming_the_module() -> None:
    """A typo fails like any missing module attribute."""
    with pytest.raises(AttributeError, match=r"fleece\.boto3.*no_such_thing"):
        _ = fleece.boto3.no_such_thing


def test_session_is_fleeces_subclass() -> None:
    """``fleece.boto3.Session`` is not boto3's own class, but a subclass of it."""
    assert fleece.boto3.Session is not real_boto3.Session
    assert issubclass(fleece.boto3.Session, real_boto3.session.Session)


def test_importing_fleece_boto3_does_not_import_requests() -> None:
    """``import fleece.boto3`` pulls in boto3 but not requests."""
    imported = modules_imported_by("fleece.boto3")

    assert "boto3" in imported
    assert "requests" not in imported


def test_the_fleece_1_readme_example_runs(moto_env: MotoServer) -> None:
    """The 1.x README example, with ``lambda`` (a keyword) renamed to run at all."""
    namespace: dict[str, object] = {}
    exec(  # noqa: S102 - running the documented example
        "from fleece import boto3\n"
        "boto3.set_default_timeout(15)\n"
        "lambda_ = boto3.client('lambda')\n",
        namespace,
    )

    config = namespace["lambda_"].meta.config  # type: ignore[attr-defined]  # filled by exec
    assert (config.connect_timeout, config.read_timeout) == (15, 15)


def test_the_readme_example_runs_as_written(moto_env: MotoServer) -> None:
    """This distribution's README example runs against moto's server."""
    readme = Path(__file__).parent.parent / "README.md"
    (block,) = re.findall(r"```python\n(.*?)```", readme.read_text(), re.DOTALL)
    namespace: dict[str, Any] = {}

    exec(block, namespace)  # noqa: S102 - running the documented example

    def timeouts(name: str) -> tuple[float, float]:
        meta = namespace[name].meta
        config = meta.client.meta.config if name == "ddb" else meta.config
        return (config.connect_timeout, config.read_timeout)

    assert timeouts("s3") == (15, 15)
    assert timeouts("sqs") == (15, 25)
    assert timeouts("ddb") == (5, 5)
    assert timeouts("kinesis") == (15, 3)
    assert timeouts("logs") == (2, 15)
    assert namespace["logs"].meta.region_name == "eu-west-1"
