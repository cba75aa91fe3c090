"""Importing connexion without the parts a Lambda function does not run.

At its own import, connexion loads Starlette's test client with httpx (for
``app.test_client()`` and OAuth token introspection) and requests (for ``$ref``s to
URLs): about a quarter of connexion's import time, paid on every cold start by
functions that use none of them. While connexion is imported, these modules are
stand-ins that import the real module on first attribute access (``TestClient``
makes a real Starlette test client when called). The stand-ins leave
``sys.modules`` right after, so every other import gets the real modules.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

_DEFERRED = ("httpx", "requests", "starlette.testclient")


@contextlib.contextmanager
def deferred_heavy_imports() -> Iterator[None]:
    """Stand in for httpx, requests and the test client while connexion is imported.

    Modules already imported, or not installed, are left alone.
    """
    stand_ins = {
        name: _stand_in(name)
        for name in _DEFERRED
        if name not in sys.modules and importlib.util.find_spec(name) is not None
    }
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


def _stand_in(name: str) -> ModuleType:
    """A module that imports ``name`` when one of its attributes is first read."""
    module = ModuleType(name, f"{name}, imported when first used.")

    def __getattr__(attribute: str) -> Any:  # noqa: N807  # PEP 562's name
        if attribute.startswith("__") and attribute.endswith("__"):
            # The import system's probes (``__path__`` for ``from ... import``):
            # answered as for a plain module, without importing anything.
            raise AttributeError(attribute)
        if sys.modules.get(name) is module:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attribute)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]  # PEP 562
    if name == "starlette.testclient":
        # Read by ``from starlette.testclient import TestClient``, at import time.
        module.TestClient = _TestClient  # type: ignore[attr-defined]  # a stand-in
    return module


class _TestClient:
    """connexion's name for Starlette's ``TestClient``: makes one of those."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            # Starlette warns (a UserWarning, shown by default) when httpx2 is not
            # installed, which the users of connexion's test client cannot act on.
            warnings.filterwarnings(
                "ignore",
                message="Using `httpx` with `starlette.testclient`",
                category=Warning,
            )
            from starlette.testclient import TestClient

        return TestClient(*args, **kwargs)
