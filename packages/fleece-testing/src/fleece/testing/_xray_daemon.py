"""A real UDP listener standing in for the X-Ray daemon, decoding what it receives."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any


class XRayDaemon:
    """Receives X-Ray daemon datagrams on 127.0.0.1 and decodes them.

    Each datagram is a header line (``{"format": "json", "version": 1}``), a newline
    and one JSON segment or subsegment document.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(0.05)
        self._condition = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.datagrams: list[bytes] = []
        self.headers: list[dict[str, Any]] = []
        self.documents: list[dict[str, Any]] = []
        self.errors: list[str] = []

    @property
    def address(self) -> str:
        """``host:port``, the form ``AWS_XRAY_DAEMON_ADDRESS`` takes."""
        host, port = self._socket.getsockname()[:2]
        return f"{host}:{port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point aws-xray-sdk at this listener."""
        return {"AWS_XRAY_DAEMON_ADDRESS": self.address}

    def start(self) -> XRayDaemon:
        """Start receiving in a background thread; returns the daemon."""
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop receiving and close the socket."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> XRayDaemon:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def clear(self) -> None:
        """Forget everything received so far."""
        with self._condition:
            self.datagrams.clear()
            self.headers.clear()
            self.documents.clear()
            self.errors.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until ``count`` documents have arrived and return them all.

        Raises:
            TimeoutError: fewer documents arrived within ``timeout`` seconds.
        """
        with self._condition:
            if not self._condition.wait_for(
                lambda: len(self.documents) >= count, timeout
            ):
                raise TimeoutError(
                    f"expected {count} X-Ray documents, received "
                    f"{len(self.documents)}: {self.documents}"
                )
            return list(self.documents)

    def _receive(self) -> None:
        while not self._stopping.is_set():
            try:
                datagram = self._socket.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self._record(datagram)

    def _record(self, datagram: bytes) -> None:
        with self._condition:
            self.datagrams.append(datagram)
            try:
                header, _, body = datagram.decode().partition("\n")
                decoded_header = json.loads(header)
                document = json.loads(body)
            except (UnicodeDecodeError, ValueError) as error:
                self.errors.append(f"undecodable datagram {datagram!r}: {error}")
            else:
                self.headers.append(decoded_header)
                self.documents.append(document)
            self._condition.notify_all()
