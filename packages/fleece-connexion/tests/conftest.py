"""Shared fixtures: the petstore test API and call helpers.

Test modules are imported in importlib mode, so helpers are handed out as fixtures.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fleece.connexion import call_api, call_proxy_api

HERE = Path(__file__).parent
PETSTORE = HERE / "petstore"
APP = "petstore"


@pytest.fixture(scope="session", autouse=True)
def petstore_importable() -> Iterator[None]:
    """Let connexion import the operations module named by the petstore documents."""
    patch = pytest.MonkeyPatch()
    patch.syspath_prepend(str(PETSTORE))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def fresh_store(petstore_importable: None) -> None:
    """Every test starts with pets 7 (Fido) and 42 (Rex)."""
    import petstore_api

    petstore_api.reset()


@pytest.fixture
def spec() -> Path:
    """The petstore's OpenAPI 3 document."""
    return PETSTORE / "openapi.yaml"


@pytest.fixture
def swagger() -> Path:
    """A Swagger 2.0 document served by the same operations."""
    return PETSTORE / "swagger.yaml"


@pytest.fixture
def petstore_dir() -> Path:
    """The folder of the petstore documents and operations."""
    return PETSTORE


@pytest.fixture
def logger(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    """A stdlib logger whose records the test sees in ``caplog``."""
    caplog.set_level(logging.DEBUG, logger="petstore.tests")
    return logging.getLogger("petstore.tests")


@pytest.fixture
def api(spec: Path) -> Callable[..., Any]:
    """``call_api`` on the petstore API."""

    def call(event: Any, **kwargs: Any) -> Any:
        return call_api(event, APP, spec, **kwargs)

    return call


@pytest.fixture
def proxy_api(spec: Path) -> Callable[..., dict[str, Any]]:
    """``call_proxy_api`` on the petstore API."""

    def call(event: Any, **kwargs: Any) -> dict[str, Any]:
        return call_proxy_api(event, APP, spec, **kwargs)

    return call


@pytest.fixture
def body_json() -> Callable[[dict[str, Any]], Any]:
    """Parse the (text, not base64) JSON body of a proxy answer."""

    def parse(answer: dict[str, Any]) -> Any:
        assert answer["isBase64Encoded"] is False
        return json.loads(answer["body"])

    return parse
