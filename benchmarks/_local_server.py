"""A local HTTP/1.1 keep-alive server for the benchmarks, run in a child process.

The server runs in a child (the benchmark script itself, with ``--serve``) so that it
does not share the client's GIL, and with Nagle's algorithm disabled so that delayed
ACKs do not add ~40 ms to every reply: the figures show the client's cost.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JSONHandler(BaseHTTPRequestHandler):
    """Answers GET and POST with :meth:`answer`; keeps connections open; quiet."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def answer(self) -> bytes:
        """The JSON body of the 200 reply to this request (``self.path``, ...)."""
        raise NotImplementedError

    def do_GET(self) -> None:
        self._send(self.answer())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(self.answer())

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(handler: type[BaseHTTPRequestHandler]) -> None:
    """Print the port of a server on 127.0.0.1, then serve until terminated."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


@contextmanager
def server_process(script: str) -> Iterator[str]:
    """Run ``script --serve`` (which calls :func:`serve`); yield its base URL."""
    process = subprocess.Popen(
        [sys.executable, script, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.terminate()
        process.wait(timeout=10)
