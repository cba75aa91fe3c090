"""Shared fixtures of the fleece-command tests: a fake identity + FAWS, a child process.

``rackspace`` answers like Rackspace identity and FAWS on a local HTTP server,
checking bodies and headers as the real services do, and points
``FLEECE_RS_IDENTITY_URL``/``FLEECE_FAWS_URL`` at it. ``child`` is a real process that
records the environment and argv it was given. ``fleece`` runs the installed console
script in a subprocess.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fleece.testing import Answer, RecordedRequest, ScriptedHTTPServer

HERE = Path(__file__).parent
FLEECE = str(Path(sys.executable).with_name("fleece"))
#: Runs the ``fleece`` console script: ``fleece("run", "--help", env=...)``.
FleeceScript = Callable[..., "subprocess.CompletedProcess[str]"]


class Rackspace:
    """Rackspace identity (under /identity) and FAWS (under /faws) on one server.

    Every secret it accepts or hands out contains ``secret_mark``, so a test can
    assert that none leaked into output.

    Attributes:
        server: the local HTTP server playing both.
        accounts: the AWS accounts FAWS knows, with the credentials it hands out.
        override: when set, asked first for each request; None falls back to the
            normal answer.
    """

    secret_mark = "s3cr3t-mark"
    username = "rs-user"
    apikey = f"apikey-{secret_mark}"
    token = f"token-{secret_mark}"
    tenant = "654321"
    account = "123456789012"

    def __init__(self, server: ScriptedHTTPServer) -> None:
        self.server = server
        self.override: Callable[[RecordedRequest], Answer | None] | None = None
        self.accounts: dict[str, dict[str, str]] = {}
        self.add_account(self.account)
        server.set_handler(self._answer)

    @property
    def identity_url(self) -> str:
        """FLEECE_RS_IDENTITY_URL."""
        return self.server.url + "/identity"

    @property
    def faws_url(self) -> str:
        """FLEECE_FAWS_URL."""
        return self.server.url + "/faws"

    @property
    def flags(self) -> list[str]:
        """``-u USERNAME -k APIKEY``."""
        return ["-u", self.username, "-k", self.apikey]

    def add_account(self, account: str) -> dict[str, str]:
        """Let FAWS hand out credentials for ``account``; return them."""
        self.accounts[account] = {
            "accessKeyId": f"AKIA{account}",
            "secretAccessKey": f"secret-{account}-{self.secret_mark}",
            "sessionToken": f"session-{account}-{self.secret_mark}",
        }
        return self.accounts[account]

    def requests_to(self, prefix: str) -> list[RecordedRequest]:
        """The requests whose path starts with ``prefix``."""
        return [r for r in self.server.requests if r.path.startswith(prefix)]

    def _answer(self, request: RecordedRequest) -> Answer:
        if self.override is not None:
            answer = self.override(request)
            if answer is not None:
                return answer
        if request.path == "/identity/v2.0/tokens":
            return self._tokens(request)
        match = re.fullmatch(r"/faws/v0/awsAccounts/([^/]+)/credentials", request.path)
        if match:
            return self._credentials(request, match.group(1))
        return Answer(404, {"itemNotFound": {"code": 404, "message": "Not Found"}})

    def _tokens(self, request: RecordedRequest) -> Answer:
        if request.method != "POST":
            return Answer(405, {"badMethod": {"code": 405}})
        if "application/json" not in request.headers.get("Content-Type", ""):
            return Answer(415, {"badMediaType": {"code": 415}})
        body = request.json()
        credentials = body.get("auth", {}).get("RAX-KSKEY:apiKeyCredentials", {})
        if credentials != {"username": self.username, "apiKey": self.apikey}:
            unauthorized = {"code": 401, "message": "Username or api key is invalid."}
            return Answer(401, {"unauthorized": unauthorized})
        token = {
            "id": self.token,
            "expires": "2030-01-01T00:00:00.000Z",
            "tenant": {"id": self.tenant, "name": self.tenant},
        }
        user = {"id": "1", "name": self.username}
        return Answer(200, {"access": {"token": token, "user": user}})

    def _credentials(self, request: RecordedRequest, account: str) -> Answer:
        if request.method != "POST":
            return Answer(405, {"title": "Method Not Allowed"})
        if (
            request.headers.get("X-Auth-Token") != self.token
            or request.headers.get("X-Tenant-Id") != self.tenant
        ):
            return Answer(401, {"title": "Unauthorized", "detail": "bad token"})
        if request.json() != {"credential": {"duration": "3600"}}:
            return Answer(400, {"title": "Bad Request"})
        if account not in self.accounts:
            return Answer(404, {"title": "Not Found", "detail": f"no {account}"})
        return Answer(200, {"credential": self.accounts[account]})


class Child:
    """A child process that records its environment and argv as JSON."""

    def __init__(self, record_path: Path) -> None:
        self.record_path = record_path

    def argv(self, exit_code: int = 0, *args: str) -> list[str]:
        """The command line of a child exiting with ``exit_code``."""
        script = str(HERE / "print_env.py")
        return [sys.executable, script, str(self.record_path), str(exit_code), *args]

    def waiting_for_signal(self) -> list[str]:
        """The command line of a child that waits for SIGINT or SIGTERM."""
        return [sys.executable, str(HERE / "wait_for_signal.py")]

    def record(self) -> dict[str, Any]:
        """What the child recorded: ``{"env", "argv"}``."""
        recorded: dict[str, Any] = json.loads(
            self.record_path.read_text(encoding="utf-8")
        )
        return recorded

    @property
    def env(self) -> dict[str, str]:
        """The child's environment."""
        env: dict[str, str] = self.record()["env"]
        return env


@pytest.fixture
def rackspace(
    http_server: ScriptedHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> Rackspace:
    """Identity and FAWS on a local server; the FLEECE_* URLs point at it."""
    fake = Rackspace(http_server)
    monkeypatch.setenv("FLEECE_RS_IDENTITY_URL", fake.identity_url)
    monkeypatch.setenv("FLEECE_FAWS_URL", fake.faws_url)
    for name in ("RS_USERNAME", "RS_API_KEY", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return fake


@pytest.fixture
def child(tmp_path: Path) -> Child:
    """A child process description whose record lands in tmp_path."""
    return Child(tmp_path / "child.json")


@pytest.fixture
def fleece() -> FleeceScript:
    """Run the installed ``fleece`` script with ARGS and capture its text output.

    Keyword arguments go to `subprocess.run` (``env``, ``input``, ``cwd``).
    """

    def run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [FLEECE, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            **kwargs,
        )

    return run
