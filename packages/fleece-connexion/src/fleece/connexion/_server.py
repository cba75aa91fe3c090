"""The local server behind ``run()``: uvicorn, an extra that Lambda never needs.

uvicorn and its speed-ups (uvloop, httptools, watchfiles, websockets) add about 18 MB
to a bundle, so they come with ``fleece-connexion[server]`` only.
"""

from __future__ import annotations

import importlib
from types import ModuleType

SERVER_HINT = (
    "serving the API locally needs uvicorn: pip install 'fleece-connexion[server]'"
)


def import_uvicorn() -> ModuleType:
    """Return the uvicorn module.

    Raises:
        ImportError: uvicorn is not installed; the message says how to get it.
    """
    try:
        return importlib.import_module("uvicorn")
    except ImportError:
        raise ImportError(SERVER_HINT, name="uvicorn") from None
