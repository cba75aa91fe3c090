"""Send X-Ray documents to the daemon, resolving its address once, never raising."""

from __future__ import annotations

import socket
from typing import Any

from fleece.xray._warnings import warn_once

DEFAULT_DAEMON_ADDRESS = "127.0.0.1:2000"
_PROTOCOL_HEADER = '{"format":"json","version":1}\n'


class DaemonEmitter:
    """aws-xray-sdk's emitter interface over a non-blocking UDP socket.

    The SDK's own emitter resolves the daemon's host name on every send and logs an
    ERROR each time that fails. This one resolves it once per address: an address
    that does not resolve costs one warning per process, and its documents are
    dropped without any further work; a send that fails is reported once too.
    """

    def __init__(self, daemon_address: str = DEFAULT_DAEMON_ADDRESS) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._ip = ""
        self._port = 0
        self._target: tuple[str, int] | None = None
        self._address: str | None = None
        self.set_daemon_address(daemon_address)

    @property
    def ip(self) -> str:
        """The daemon's host, as configured."""
        return self._ip

    @property
    def port(self) -> int:
        """The daemon's UDP port."""
        return self._port

    def set_daemon_address(self, address: str | None) -> None:
        """Point at ``address`` (``host:port`` or ``udp:host:port tcp:host:port``)."""
        if not address or address == self._address:
            return
        self._address = address
        from aws_xray_sdk.core.daemon_config import DaemonConfig

        try:
            config = DaemonConfig(address)
            self._ip, self._port = config.udp_ip, int(config.udp_port)
            resolved = socket.getaddrinfo(
                self._ip, self._port, socket.AF_INET, socket.SOCK_DGRAM
            )
            self._target = (str(resolved[0][4][0]), self._port)
        except Exception as error:
            self._target = None
            warn_once(
                "daemon-address",
                "X-Ray daemon address %r is unusable (%s): traces are dropped",
                address,
                error,
            )

    def send_entity(self, entity: Any) -> None:
        """Send one serialised segment or subsegment; a failure is reported once."""
        target = self._target
        if target is None:
            return
        try:
            message = _PROTOCOL_HEADER + entity.serialize()
            self._socket.sendto(message.encode("utf-8"), target)
        except Exception as error:
            warn_once("send", "X-Ray document not sent to the daemon: %r", error)


class TreeStreaming:
    """aws-xray-sdk's streaming strategy, walking the segment tree without recursion.

    The SDK's own walks the chain of open subsegments recursively each time one
    ends, so a deep chain (a traced recursion) runs out of stack in the middle of
    sending. This one streams the same subsegments with a loop.
    """

    def __init__(self, streaming_threshold: int = 30) -> None:
        self.streaming_threshold = streaming_threshold

    def is_eligible(self, segment: Any) -> bool:
        """Whether ``segment`` is sampled and holds more than the threshold."""
        if not segment or not segment.sampled:
            return False
        return bool(segment.get_total_subsegments_size() > self.streaming_threshold)

    def stream(self, entity: Any, callback: Any) -> None:
        """Send each finished subtree whose parent is still open, and detach it."""
        ready: dict[int, bool] = {}
        pending: list[tuple[Any, bool]] = [(entity, False)]
        while pending:
            node, visited = pending.pop()
            children = list(node.subsegments)
            if not visited:
                pending.append((node, True))
                pending.extend((child, False) for child in children)
                continue
            finished = [child for child in children if ready.pop(id(child))]
            if len(finished) == len(children) and not node.in_progress:
                ready[id(node)] = True  # its parent sends it whole, or keeps it
                continue
            for child in finished:
                callback(child)
                node.remove_subsegment(child)
            ready[id(node)] = False
