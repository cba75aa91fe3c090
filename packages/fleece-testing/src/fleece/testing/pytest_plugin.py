"""The pytest plugin of fleece-testing: fixtures for Lambda code.

Fixtures: ``lambda_context``, ``xray_daemon``, ``moto_server``, ``moto_env``,
``http_server`` and ``lambda_runtime``.

Loaded automatically (entry point ``pytest11``) when fleece-testing is installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fleece.testing._context import LambdaContext
from fleece.testing._http_server import ScriptedHTTPServer
from fleece.testing._lambda_runtime import LambdaRuntime
from fleece.testing._moto import MotoNotInstalledError, MotoServer
from fleece.testing._otlp_collector import OTLPCollector, OTLPNotInstalledError
from fleece.testing._task_root import LambdaRuntimeNotInstalledError
from fleece.testing._xray_daemon import XRayDaemon


@pytest.fixture
def lambda_context() -> LambdaContext:
    """A fresh fake Lambda context."""
    return LambdaContext()


@pytest.fixture
def xray_daemon() -> Iterator[XRayDaemon]:
    """A UDP listener on 127.0.0.1 that decodes X-Ray daemon datagrams."""
    with XRayDaemon() as daemon:
        yield daemon


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """The moto standalone server, one per test session, on a free local port."""
    try:
        server = MotoServer()
    except MotoNotInstalledError as error:
        # Without `from None` pytest prints the message twice, once per exception.
        raise pytest.fail.Exception(str(error), pytrace=False) from None
    with server:
        yield server


@pytest.fixture
def moto_env(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> MotoServer:
    """The moto server, emptied, with boto3's environment pointed at it."""
    if not moto_server.running:
        moto_server.start()
    moto_server.reset()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-creds"))
    for name, value in moto_server.env.items():
        monkeypatch.setenv(name, value)
    return moto_server


@pytest.fixture
def http_server() -> Iterator[ScriptedHTTPServer]:
    """A local HTTP/1.1 server whose answers the test scripts."""
    with ScriptedHTTPServer() as server:
        yield server


@pytest.fixture
def otlp_collector() -> Iterator[OTLPCollector]:
    """An OTLP/HTTP collector on 127.0.0.1 that decodes the spans it receives.

    Skips the test when opentelemetry-proto (``fleece-testing[otel]``) is missing.
    """
    try:
        collector = OTLPCollector()
    except OTLPNotInstalledError as error:
        pytest.skip(str(error))
    with collector:
        yield collector


@pytest.fixture
def lambda_runtime() -> Iterator[Callable[..., LambdaRuntime]]:
    """Start a Lambda bundle under AWS's runtime interface client; stopped afterwards.

    Call it as ``lambda_runtime(bundle, handler, **options)`` with the options of
    :class:`~fleece.testing.LambdaRuntime`; it returns the started runtime.
    """
    started: list[LambdaRuntime] = []

    def start(
        bundle: str | os.PathLike[str], handler: str, **options: Any
    ) -> LambdaRuntime:
        runtime = LambdaRuntime(bundle, handler, **options)
        started.append(runtime)
        try:
            return runtime.start()
        except LambdaRuntimeNotInstalledError as error:
            raise pytest.fail.Exception(str(error), pytrace=False) from None

    yield start
    for runtime in started:
        runtime.stop()
