"""Shared fixtures for fleece.requests tests."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest

from fleece import requests
from fleece.testing import Answer, RecordedRequest, ScriptedHTTPServer


@pytest.fixture(autouse=True)
def _no_installed_defaults() -> Iterator[None]:
    """Every test starts and ends without a default timeout or retries."""
    requests.set_default_timeout()
    requests.set_default_retries()
    yield
    requests.set_default_timeout()
    requests.set_default_retries()


class ArrivalClock:
    """Records when each request reached the server (monotonic seconds)."""

    def __init__(self, server: ScriptedHTTPServer) -> None:
        self.times: list[float] = []
        server.set_handler(self._record)

    def _record(self, request: RecordedRequest) -> Answer | None:
        self.times.append(time.monotonic())
        return None

    def gaps(self) -> list[float]:
        """Seconds between consecutive arrivals."""
        return [later - earlier for earlier, later in itertools.pairwise(self.times)]


@pytest.fixture
def arrivals(http_server: ScriptedHTTPServer) -> ArrivalClock:
    """The arrival times of the requests ``http_server`` receives."""
    return ArrivalClock(http_server)
