"""Loading a service's model without listing every other service first.

Before it loads a model, botocore's data loader lists every service folder of every
data path to check that the service exists: some 400 folders, once for the client's
model, once for its endpoint rules and once for a resource's model, about 40 ms of
a cold start. The loader of a session fleece creates clients on checks only the
requested service's folders; an unknown service still goes through botocore's full
listing, so its ``UnknownServiceError`` names the known services as before.

It also reads botocore's JSON data into plain dicts (ordered, as every dict is)
instead of ``OrderedDict``s: the first client of a process loads ``endpoints.json``
(1.2 MB), which then takes half the time, and the service's model a third less.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import IO, Any

import botocore.loaders
from botocore.exceptions import DataNotFoundError


class _ServiceLoader(botocore.loaders.Loader):  # type: ignore[misc]  # untyped
    """botocore's ``Loader``, checking only the requested service's folders."""

    _loading = threading.local()

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        """Load a model as botocore does, listing only this service's versions."""
        try:
            self.list_api_versions(service_name, type_name)
        except DataNotFoundError:
            # Unknown here: botocore lists every service and says which exist.
            return super().load_service_model(service_name, type_name, api_version)
        self._loading.service = service_name
        try:
            return super().load_service_model(service_name, type_name, api_version)
        finally:
            self._loading.service = None

    def list_available_services(self, type_name: str) -> Any:
        """Every service with ``type_name`` data; only the one loading, meanwhile."""
        service = getattr(self._loading, "service", None)
        if service is not None:
            return [service]
        return super().list_available_services(type_name)


class _PlainJSONFileLoader(botocore.loaders.JSONFileLoader):  # type: ignore[misc]  # untyped
    """botocore's JSON file loader, making plain dicts instead of ``OrderedDict``s."""

    def _load_file(
        self, full_path: str, open_method: Callable[[str, str], IO[bytes]]
    ) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as file:
            return json.loads(file.read())


_PLAIN_JSON_APPLIES = callable(
    getattr(botocore.loaders.JSONFileLoader, "_load_file", None)
)
"""Whether botocore's JSON loader still reads files through ``_load_file``."""


def check_one_service_only(session: Any) -> None:
    """Make the data loader of a boto3 session check only the requested service.

    Any loader other than botocore's own (a botocore release that changed it, a
    loader the caller registered) is left as it is.
    """
    botocore_session = getattr(session, "_session", None)
    get_component = getattr(botocore_session, "get_component", None)
    if get_component is None:
        return
    loader = get_component("data_loader")
    if type(loader) is botocore.loaders.Loader:
        loader.__class__ = _ServiceLoader
        file_loader = getattr(loader, "file_loader", None)
        if _PLAIN_JSON_APPLIES and type(file_loader) is botocore.loaders.JSONFileLoader:
            file_loader.__class__ = _PlainJSONFileLoader
