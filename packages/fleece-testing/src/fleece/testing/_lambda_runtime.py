"""A Lambda function run by AWS's runtime interface client, against a local Runtime API.

``LambdaRuntime("dist/lambda_function.zip", "handler.lambda_handler")`` serves the
Lambda Runtime API on 127.0.0.1 and starts ``awslambdaric`` in a fresh interpreter
whose task root is a read-only copy of the zip, with only the packages Lambda's
runtime provides beside it. Events go in through :meth:`LambdaRuntime.invoke`; the
responses, the errors the client reports and the function's output come back as
data.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fleece.testing._process import stop_process
from fleece.testing._task_root import (
    lambda_runtime_packages,
    make_writable,
    unpack_read_only,
)

_API = "/2018-06-01/runtime"
# The task root and the runtime's packages go on sys.path ahead of the standard
# library, as /var/task and /var/runtime do in Lambda; -I -S keep this interpreter's
# own site-packages (and PYTHON* variables) out.
_BOOT = (
    "import runpy, sys\n"
    "sys.path[:0] = sys.argv[1:3]\n"
    "sys.argv = ['awslambdaric', sys.argv[3]]\n"
    "runpy.run_module('awslambdaric', run_name='__main__', alter_sys=True)\n"
)


@dataclass(frozen=True)
class Invocation:
    """What one invocation came back with.

    Attributes:
        request_id: the request id the runtime client was given.
        result: the handler's return value, decoded from the JSON the client posted.
        error: the error the client reported (``errorMessage``, ``errorType``,
            ``stackTrace``): the handler raised, the function could not start
            (the init error, as Lambda answers it), or the process died.
        logs: what the function wrote to stdout/stderr during the invocation.
    """

    request_id: str
    result: Any = None
    error: dict[str, Any] | None = None
    logs: tuple[str, ...] = ()


@dataclass
class _Pending:
    request_id: str
    body: bytes
    headers: dict[str, str]
    answered: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: dict[str, Any] | None = None


class LambdaRuntime:
    """Run a Lambda bundle under AWS's runtime interface client, locally.

    The function's environment holds Lambda's variables (``AWS_LAMBDA_*``,
    ``LAMBDA_TASK_ROOT``, ``_HANDLER``, ``AWS_REGION``, ...) plus ``environment``,
    and nothing of this process's own environment. Lambda runs as a user that
    cannot write to ``/var/task``; here every file is read-only and the interpreter
    writes no bytecode, but a process run by root could still write.

    Args:
        bundle: the zip, or a folder holding what the zip holds.
        handler: the handler, as Lambda's ``Handler`` setting names it
            (``"handler.lambda_handler"``).
        environment: the function's environment variables.
        function_name: the function's name.
        memory_size: the memory setting, in MB, as the context reports it.
        timeout: the function timeout in seconds, which sets each invocation's
            deadline.
        runtime_packages: a folder with the packages the runtime provides; None
            prepares one from this environment (:func:`lambda_runtime_packages`).
        on_output: called with each line the function writes (stdout and stderr).
    """

    def __init__(
        self,
        bundle: str | os.PathLike[str],
        handler: str,
        *,
        environment: Mapping[str, str] | None = None,
        function_name: str = "function",
        memory_size: int = 128,
        timeout: float = 30.0,
        runtime_packages: str | os.PathLike[str] | None = None,
        on_output: Callable[[str], None] | None = None,
    ) -> None:
        self.bundle = Path(bundle)
        self.handler = handler
        self.environment = dict(environment or {})
        self.function_name = function_name
        self.memory_size = memory_size
        self.timeout = timeout
        self._runtime_packages = runtime_packages
        self._on_output = on_output
        self._api: _RuntimeAPI | None = None
        self._api_thread: threading.Thread | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._output_lock = threading.Lock()
        self._partial = b""
        self._lines: list[str] = []
        self._workdir: Path | None = None
        self.task_root: Path | None = None
        """The read-only copy of the bundle the function runs from."""

    @property
    def init_error(self) -> dict[str, Any] | None:
        """The error the client reported when the handler could not be loaded."""
        return self._api.init_error if self._api is not None else None

    @property
    def logs(self) -> list[str]:
        """Every line the function has written so far (stdout and stderr)."""
        with self._output_lock:
            return list(self._lines)

    @property
    def running(self) -> bool:
        """Whether the function's process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def region(self) -> str:
        """The function's region: ``AWS_REGION`` from ``environment``, or us-east-1."""
        return self.environment.get("AWS_REGION") or self.environment.get(
            "AWS_DEFAULT_REGION", "us-east-1"
        )

    def start(self, timeout: float = 60.0) -> LambdaRuntime:
        """Start the function and wait until its handler is loaded (or fails to).

        After this, :attr:`init_error` says whether the handler could be loaded.

        Raises:
            LambdaRuntimeNotInstalledError: awslambdaric or boto3 is missing.
            TimeoutError: the client neither asked for an event nor reported an
                error within ``timeout`` seconds.
        """
        if self._process is not None:
            return self
        runtime = (
            Path(self._runtime_packages)
            if self._runtime_packages is not None
            else lambda_runtime_packages()
        )
        self._workdir = Path(tempfile.mkdtemp(prefix="fleece-lambda-"))
        self.task_root = unpack_read_only(self.bundle, self._workdir / "task")
        api = self._api = _RuntimeAPI()
        self._api_thread = threading.Thread(
            target=api.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._api_thread.start()
        self._process = subprocess.Popen(
            [
                sys.executable, "-I", "-S", "-B", "-u", "-c", _BOOT,
                str(self.task_root), str(runtime), self.handler,
            ],
            cwd=self.task_root,
            env=self._function_environment(
                self.task_root, runtime, api.server_address[1]
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._reader = threading.Thread(
            target=self._read_output, args=(self._process,), daemon=True
        )
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not (api.polled.is_set() or api.init_error is not None):
            if self._process.poll() is not None:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the function did not start in {timeout} s")
            api.changed.wait(0.05)
            api.changed.clear()
        self._drain_output()
        return self

    def invoke(
        self,
        event: Any,
        *,
        trace_id: str | None = None,
        timeout: float | None = None,
    ) -> Invocation:
        """Hand one event to the function and wait for its answer.

        Args:
            event: the event, sent as JSON.
            trace_id: the X-Ray trace header (``Root=...;Parent=...;Sampled=1``) the
                client puts in ``_X_AMZN_TRACE_ID``; None makes a sampled one.
            timeout: seconds to wait for the answer; None for the function timeout
                plus 30 s.

        Returns:
            The invocation's result or error, and what the function wrote meanwhile.

        Raises:
            TimeoutError: no answer within ``timeout`` seconds (the function hangs).
        """
        process, api = self.start()._process, self._api
        if process is None or api is None:
            raise RuntimeError("the function's process could not be started")
        request_id = str(uuid.uuid4())
        with self._output_lock:
            first_line = len(self._lines)
        pending = _Pending(request_id, json.dumps(event).encode(), {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int((time.time() + self.timeout) * 1000)),
            "Lambda-Runtime-Invoked-Function-Arn": (
                f"arn:aws:lambda:{self.region}:123456789012:function:"
                f"{self.function_name}"
            ),
            # The client's native part crashes without these two headers.
            "Lambda-Runtime-Trace-Id": trace_id or new_trace_header(),
            "Content-Type": "application/json",
        })  # fmt: skip
        api.submit(pending)
        deadline = time.monotonic() + (
            timeout if timeout is not None else self.timeout + 30
        )
        while not pending.answered.wait(0.05):
            if process.poll() is not None:
                api.withdraw(pending)
                pending.error = self.init_error or _exit_error(
                    request_id, process.returncode
                )
                break
            if time.monotonic() > deadline:
                api.withdraw(pending)
                raise TimeoutError(f"no answer to {request_id} within the timeout")
        self._drain_output()
        with self._output_lock:
            logs = tuple(self._lines[first_line:])
        return Invocation(request_id, pending.result, pending.error, logs)

    def stop(self) -> None:
        """Stop the function and the Runtime API, and remove the task root copy."""
        if self._process is not None:
            stop_process(self._process)
            if self._reader is not None:
                self._reader.join(timeout=10)
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._api is not None and self._api_thread is not None:
            self._api.shutdown()
            self._api_thread.join(timeout=10)
            self._api_thread = None
            self._api.server_close()
        if self._workdir is not None:
            make_writable(self._workdir)
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> LambdaRuntime:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _function_environment(
        self, task_root: Path, runtime: Path, port: int
    ) -> dict[str, str]:
        python = f"{sys.version_info[0]}.{sys.version_info[1]}"
        stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        return {
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": str(runtime),
            "_HANDLER": self.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{python}",
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            **self.environment,
        }

    def _read_output(self, process: subprocess.Popen[bytes]) -> None:
        if process.stdout is None:
            return
        pipe = process.stdout.fileno()
        while True:
            ready, _, _ = select.select([pipe], [], [], 0.1)
            if not ready:
                if process.poll() is not None and not _pending_bytes(pipe):
                    break
                continue
            with self._output_lock:
                chunk = os.read(pipe, 65536)
                if not chunk:
                    self._emit(self._partial, final=True)
                    break
                self._emit(chunk)

    def _emit(self, chunk: bytes, *, final: bool = False) -> None:
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        if final and self._partial:
            lines.append(self._partial)
            self._partial = b""
        for line in lines:
            text = line.decode(errors="replace").rstrip("\r")
            self._lines.append(text)
            if self._on_output is not None:
                self._on_output(text)

    def _drain_output(self) -> None:
        """Wait until every byte the function wrote so far has been read.

        The client flushes the handler's output before it posts the answer, so
        once the pipe is empty (and the reader holds no chunk) the lines of the
        invocation are all in.
        """
        if self._process is None or self._process.stdout is None:
            return
        pipe = self._process.stdout.fileno()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with self._output_lock:
                if self._process.stdout.closed or not _pending_bytes(pipe):
                    return
            time.sleep(0.001)


def new_trace_header() -> str:
    """A sampled X-Ray trace header, as Lambda makes one for each invocation."""
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=1"


def _pending_bytes(pipe: int) -> int:
    try:
        return int.from_bytes(
            fcntl.ioctl(pipe, termios.FIONREAD, b"\0\0\0\0"), sys.byteorder
        )
    except OSError:
        return 0


def _exit_error(request_id: str, returncode: int) -> dict[str, Any]:
    """The error Lambda reports when the runtime process dies mid-invocation."""
    how = f"signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with {how}",
    }


class _RuntimeAPI(ThreadingHTTPServer):
    """The Runtime API endpoints the client uses, on a free local port."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RuntimeAPIHandler)
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._waiting = threading.Condition(self._lock)
        self._pending: dict[str, _Pending] = {}
        self._closing = False
        self.init_error: dict[str, Any] | None = None
        self.polled = threading.Event()
        """Set once the client asks for an event: the handler is loaded."""
        self.changed = threading.Event()

    def submit(self, pending: _Pending) -> None:
        with self._waiting:
            self._pending[pending.request_id] = pending
            self._queue.append(pending)
            self._waiting.notify_all()

    def withdraw(self, pending: _Pending) -> None:
        with self._waiting:
            self._pending.pop(pending.request_id, None)
            if pending in self._queue:
                self._queue.remove(pending)

    def next_event(self) -> _Pending | None:
        """Block until an event is queued; None once the server shuts down."""
        self.polled.set()
        self.changed.set()
        with self._waiting:
            self._waiting.wait_for(lambda: self._queue or self._closing)
            return self._queue.pop(0) if self._queue else None

    def answer(self, request_id: str, result: Any, error: Any) -> bool:
        with self._waiting:
            pending = self._pending.pop(request_id, None)
        if pending is None:
            return False
        pending.result, pending.error = result, error
        pending.answered.set()
        return True

    def report_init_error(self, error: dict[str, Any]) -> None:
        self.init_error = error
        self.changed.set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore a client that went away (the function exited); report the rest."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def shutdown(self) -> None:
        with self._waiting:
            self._closing = True
            self._waiting.notify_all()
        super().shutdown()


class _RuntimeAPIHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _RuntimeAPI

    def log_message(self, format: str, *args: Any) -> None:  # base's name
        """Stay quiet: the test's output is the function's, not this server's."""

    def do_GET(self) -> None:  # the name http.server dispatches to
        """Hand out the next event (``/invocation/next``), waiting for one."""
        if self.path != f"{_API}/invocation/next":
            self._send(404, {"errorMessage": f"no such resource: {self.path}"})
            return
        pending = self.server.next_event()
        if pending is None:
            self._send(503, {"errorMessage": "the runtime is shutting down"})
            return
        self.send_response(200)
        for name, value in pending.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(pending.body)))
        self.end_headers()
        self.wfile.write(pending.body)

    def do_POST(self) -> None:  # the name http.server dispatches to
        """Take a response, an invocation error or an init error."""
        payload = _decoded(self._read_body())
        parts = self.path.removeprefix(_API + "/").split("/")
        if parts == ["init", "error"]:
            self.server.report_init_error(_as_error(payload))
            self._send(202, {"status": "OK"})
            return
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
            known = self.server.answer(parts[1], payload, None)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
            known = self.server.answer(parts[1], None, _as_error(payload))
        else:
            self._send(404, {"errorMessage": f"no such resource: {self.path}"})
            return
        if known:
            self._send(202, {"status": "OK"})
        else:
            self._send(400, {"errorMessage": "unknown or answered request id"})

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode(errors="replace")


def _as_error(payload: Any) -> dict[str, Any]:
    if isinstance(payload, dict):
        return payload
    return {"errorType": "Runtime.Unknown", "errorMessage": str(payload)}
