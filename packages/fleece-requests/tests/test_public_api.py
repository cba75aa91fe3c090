"""What ``fleece.requests`` exposes, and what importing it costs."""

from __future__ import annotations

import pytest
import requests as real_requests

import fleece.requests
from fleece.testing import modules_imported_by


def test_the_public_api_is_listed_in_all() -> None:
    """``__all__`` is exactly the documented API."""
    assert sorted(fleece.requests.__all__) == [
        "Session",
        "delete",
        "get",
        "head",
        "options",
        "patch",
        "post",
        "put",
        "request",
        "set_default_retries",
        "set_default_timeout",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "exceptions",
        "Timeout",
        "ReadTimeout",
        "ConnectTimeout",
        "ConnectionError",
        "HTTPError",
        "RequestException",
        "codes",
        "Response",
        "Request",
        "PreparedRequest",
        "adapters",
        "utils",
        "__version__",
    ],
)
def test_every_other_requests_name_is_reachable(name: str) -> None:
    """``fleece.requests.X`` is ``requests.X`` for names fleece does not wrap."""
    assert getattr(fleece.requests, name) is getattr(real_requests, name)


def test_from_import_of_a_requests_name_works() -> None:
    """``from fleece.requests import exceptions`` works like the attribute."""
    from fleece.requests import codes, exceptions

    assert (exceptions, codes.ok) == (real_requests.exceptions, 200)


def test_session_function_returns_a_fleece_session() -> None:
    """``requests.session()`` there gives fleece's Session, not a plain one."""
    with fleece.requests.session() as session:
        assert isinstance(session, fleece.requests.Session)


def test_an_unknown_name_raises_attribute_error_naming_the_module() -> None:
    """A typo fails like any missing module attribute."""
    with pytest.raises(AttributeError, match=r"fleece\.requests.*no_such_thing"):
        _ = fleece.requests.no_such_thing


def test_dir_lists_fleece_and_requests_names() -> None:
    """Completion shows both the wrappers and requests' names."""
    names = dir(fleece.requests)
    assert {"get", "set_default_retries", "codes", "exceptions"} <= set(names)


def test_importing_fleece_requests_does_not_import_boto3() -> None:
    """``import fleece.requests`` pulls in neither boto3 nor botocore."""
    imported = modules_imported_by("fleece.requests")

    assert "requests" in imported
    assert not {"boto3", "botocore"} & imported
