"""moto's standalone server as a subprocess on a free local port."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from fleece.testing._process import stop_process


class MotoNotInstalledError(RuntimeError):
    """moto (with its server extra) is needed but not installed."""


class MotoServer:
    """moto's standalone server, started with ``python -m moto.server``.

    Args:
        port: the port to listen on; 0 picks a free one.
    """

    def __init__(self, port: int = 0) -> None:
        if importlib.util.find_spec("moto") is None:
            raise MotoNotInstalledError(
                "the moto server needs moto: pip install 'fleece-testing[moto]'"
            )
        self.port = port or _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The endpoint URL, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point boto3 at this server with fake keys."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 20.0) -> MotoServer:
        """Start the server (on the same port after a stop) and wait until it answers.

        Raises:
            RuntimeError: the server did not answer within ``timeout`` seconds.
        """
        if self.running:
            return self
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(
                    f"{self.url}/moto-api/data.json", timeout=1
                ):
                    return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"moto server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop the server; :meth:`start` brings it back on the same port."""
        if self._process is None:
            return
        stop_process(self._process)
        self._process = None

    def reset(self) -> None:
        """Wipe every resource the server holds."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
