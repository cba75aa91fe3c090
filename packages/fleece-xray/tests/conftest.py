"""Run tracing scenarios in fresh interpreters, with Lambda's environment set first.

aws-xray-sdk reads ``LAMBDA_TASK_ROOT`` and ``AWS_XRAY_DAEMON_ADDRESS`` when it is
imported, so each scenario is a small script run with ``sys.executable``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fleece.testing import OTLPCollector, XRayDaemon

TRACE_ROOT = "1-5759e988-bd862e3fe1be46a994272793"
LAMBDA_PARENT = "53995c3f42cd8ad8"
SAMPLED_HEADER = f"Root={TRACE_ROOT};Parent={LAMBDA_PARENT};Sampled=1"
DAEMON_HEADER = {"format": "json", "version": 1}

_TRACING_VARIABLES = (
    "_X_AMZN_TRACE_ID",
    "LAMBDA_TASK_ROOT",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_XRAY_DAEMON_ADDRESS",
    "AWS_XRAY_CONTEXT_MISSING",
    "AWS_XRAY_SDK_ENABLED",
    "AWS_XRAY_TRACING_NAME",
    "FLEECE_XRAY_BACKEND",
)
_MARKER = {"marker": "end of scenario"}


@dataclass
class Outcome:
    """What a scenario printed and what the daemon received from it."""

    returncode: int
    stdout: str
    stderr: str
    documents: list[dict[str, Any]]

    def result(self) -> Any:
        """The JSON the scenario printed last on stdout."""
        return json.loads(self.stdout.strip().splitlines()[-1])

    def named(self, name: str) -> list[dict[str, Any]]:
        """Documents of subsegments called ``name``."""
        return [doc for doc in self.documents if doc.get("name") == name]

    def one(self, name: str) -> dict[str, Any]:
        """The one document called ``name``."""
        found = self.named(name)
        assert len(found) == 1, f"{len(found)} documents named {name!r}: {found}"
        return found[0]


def lambda_environment(
    daemon: XRayDaemon | None, header: str | None = SAMPLED_HEADER
) -> dict[str, str]:
    """Lambda's environment for a traced invocation (header None: not traced)."""
    env = {"LAMBDA_TASK_ROOT": "/var/task", "AWS_LAMBDA_FUNCTION_NAME": "fn"}
    if daemon is not None:
        env["AWS_XRAY_DAEMON_ADDRESS"] = daemon.address
    if header is not None:
        env["_X_AMZN_TRACE_ID"] = header
    return env


def _send_marker(daemon: XRayDaemon) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        host, port = daemon.address.rsplit(":", 1)
        payload = json.dumps(DAEMON_HEADER) + "\n" + json.dumps(_MARKER)
        sock.sendto(payload.encode(), (host, int(port)))


class Scenarios:
    """Runs Python snippets in new interpreters and collects what they traced.

    The child gets the current environment without any tracing variable, plus the
    given ``env``. With a daemon, every datagram the child sent is collected (a
    marker sent after the child exits tells when all of them have been read).
    """

    TRACE_ROOT = TRACE_ROOT
    LAMBDA_PARENT = LAMBDA_PARENT
    SAMPLED_HEADER = SAMPLED_HEADER

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    lambda_env = staticmethod(lambda_environment)

    def run(
        self,
        code: str,
        env: Mapping[str, str],
        daemon: XRayDaemon | None = None,
        collector: OTLPCollector | None = None,
    ) -> Outcome:
        """Run ``code`` (dedented) with ``env``; see the class docstring.

        With an OTLP ``collector``, the child exports there (``FLEECE_XRAY_BACKEND``
        is not set for it: ``env`` says which backend to use).
        """
        if daemon is not None:
            daemon.clear()
        if collector is not None:
            collector.clear()
        script = self.directory / "scenario.py"
        script.write_text(textwrap.dedent(code))
        child_env = {
            name: value
            for name, value in os.environ.items()
            if name not in _TRACING_VARIABLES and not name.startswith("OTEL_")
        }
        if collector is not None:
            child_env.update(collector.env)
        child_env.update(env)
        completed = subprocess.run(
            [sys.executable, str(script)],
            env=child_env,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        documents: list[dict[str, Any]] = []
        if daemon is not None:
            _send_marker(daemon)
            while _MARKER not in daemon.documents:
                daemon.wait_for(len(daemon.documents) + 1)
            assert daemon.documents[-1] == _MARKER
            assert daemon.errors == []
            assert all(header == DAEMON_HEADER for header in daemon.headers)
            documents = daemon.documents[:-1]
        return Outcome(
            completed.returncode, completed.stdout, completed.stderr, documents
        )

    def run_traced(
        self,
        code: str,
        backend: str,
        daemon: XRayDaemon,
        collector: OTLPCollector,
        env: Mapping[str, str] | None = None,
    ) -> tuple[Outcome, list[Any]]:
        """Run ``code`` in a sampled Lambda invocation traced by ``backend``.

        Returns:
            The outcome, and what the backend delivered: the daemon's documents for
            ``xray-sdk``, the collector's spans for ``otel``.
        """
        full_env = {
            **lambda_environment(daemon),
            "FLEECE_XRAY_BACKEND": backend,
            **(env or {}),
        }
        if backend == "otel":
            outcome = self.run(code, full_env, collector=collector)
            return outcome, list(collector.spans)
        outcome = self.run(code, full_env, daemon=daemon)
        return outcome, outcome.documents


@pytest.fixture(scope="session", autouse=True)
def _close_the_sdk_socket() -> Iterator[None]:
    """Close aws-xray-sdk's UDP socket if a test loaded the SDK in this process.

    The SDK opens it at import and never closes it, so without this the interpreter
    reports an unclosed socket on exit.
    """
    yield
    sdk = sys.modules.get("aws_xray_sdk.core")
    if sdk is not None:
        sdk.xray_recorder.emitter._socket.close()


@pytest.fixture
def scenarios(tmp_path: Path) -> Scenarios:
    """Runs tracing scenarios in fresh interpreters (see ``Scenarios``)."""
    return Scenarios(tmp_path)


@dataclass
class OnBackend:
    """Runs scenarios in a sampled Lambda invocation traced by ``backend``."""

    backend: str
    scenarios: Scenarios
    daemon: XRayDaemon
    collector: OTLPCollector

    def run(
        self, code: str, env: Mapping[str, str] | None = None
    ) -> tuple[Outcome, list[Any]]:
        """See ``Scenarios.run_traced``."""
        return self.scenarios.run_traced(
            code, self.backend, self.daemon, self.collector, env
        )


@pytest.fixture(params=["xray-sdk", "otel"])
def on_backend(
    request: pytest.FixtureRequest,
    scenarios: Scenarios,
    xray_daemon: XRayDaemon,
    otlp_collector: OTLPCollector,
) -> OnBackend:
    """Each test using it runs once per backend: aws-xray-sdk, then OpenTelemetry."""
    return OnBackend(request.param, scenarios, xray_daemon, otlp_collector)
