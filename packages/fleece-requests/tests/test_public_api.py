"""What ``fleece.requests`` exposes, and what importing it costs."""

from __future__ import annotations

from pathlib import Path

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


def test_importing_fleece_requests_imports_neither_requests_nor_boto3() -> None:
    """``import fleece.requests`` pulls in no boto3, and requests only when used.

    A Lambda function importing it at module level pays for requests on its first
    call out, not at every cold start.
    """
    imported = modules_imported_by("fleece.requests")

    assert not {"requests", "boto3", "botocore"} & imported


def test_setting_defaults_does_not_import_requests(tmp_path: Path) -> None:
    """Module-level configuration, as a handler does at import, stays cheap."""
    (tmp_path / "configured.py").write_text(
        "from fleece import requests\n"
        "requests.set_default_timeout(3)\n"
        "requests.set_default_retries(total=3, status_forcelist=[503])\n"
    )
    imported = modules_imported_by("configured", path=[tmp_path])

    assert "configured" in imported
    assert "requests" not in imported


def test_the_first_call_attribute_is_the_real_function() -> None:
    """``requests.get`` resolves to fleece's wrapper, the same object every time."""
    from fleece.requests import _api

    assert fleece.requests.get is _api.get
    assert fleece.requests.get is fleece.requests.get
    assert fleece.requests.Session is fleece.requests.session
