"""Running a child command: its exit status, its output, and signals passed on to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import IO, Any, TextIO

from fleece.cli._errors import CommandNotExecutableError, CommandNotFoundError

_FORWARDED = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP")
    if hasattr(signal, name)
)


def run_command(command: Sequence[str], *, shell: bool, env: Mapping[str, str]) -> int:
    """Run ``command`` until it ends and return its exit status.

    The command shares this process's stdin, stdout and stderr; when one of them is
    not a real file (``click.testing.CliRunner``, an embedding program), the data is
    relayed through it instead.

    SIGINT, SIGTERM and SIGHUP that this process receives are passed on to the
    command, which decides how to end; a Ctrl-C typed in the terminal already reaches
    the whole foreground process group, so it is not sent a second time.

    Args:
        command: one string for the shell when ``shell``, else the program and its
            arguments, passed as they are.
        shell: run ``command[0]`` through ``/bin/sh -c``.
        env: the command's whole environment.

    Returns:
        The command's exit status; ``128 + N`` when signal ``N`` ended it (as shells
        report it).

    Raises:
        CommandNotFoundError: the program does not exist.
        CommandNotExecutableError: the program cannot be executed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    streams: dict[str, Any] = {
        "stdin": _inherit_or_pipe(sys.stdin),
        "stdout": _inherit_or_pipe(sys.stdout),
        "stderr": _inherit_or_pipe(sys.stderr),
    }
    try:
        if shell:
            # Running the user's command line through the shell is the feature.
            child = subprocess.Popen(  # noqa: S602
                command[0], shell=True, env=dict(env), **streams
            )
        else:
            child = subprocess.Popen(list(command), env=dict(env), **streams)
    except FileNotFoundError:
        raise CommandNotFoundError(f"command not found: {command[0]}") from None
    except PermissionError:
        raise CommandNotExecutableError(
            f"command not executable: {command[0]}"
        ) from None
    if child.stdin is not None:
        # Not joined: reading our stdin may block after the command has ended.
        threading.Thread(
            target=_feed, args=(sys.stdin, child.stdin), daemon=True
        ).start()
    drains = [
        threading.Thread(target=_drain, args=(pipe, target), daemon=True)
        for pipe, target in ((child.stdout, sys.stdout), (child.stderr, sys.stderr))
        if pipe is not None
    ]
    for drain in drains:
        drain.start()
    with _signals_forwarded_to(child):
        status = child.wait()
    for drain in drains:
        drain.join()
    return 128 - status if status < 0 else status


def _inherit_or_pipe(stream: TextIO | None) -> int | None:
    """None (share the file descriptor) when ``stream`` has one, else a pipe.

    A stream that is None (no console) becomes /dev/null.
    """
    if stream is None:
        return subprocess.DEVNULL
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return subprocess.PIPE
    return None


def _feed(source: TextIO, pipe: IO[bytes]) -> None:
    buffer = getattr(source, "buffer", None)
    data = buffer.read() if buffer is not None else source.read().encode()
    try:
        with pipe:
            pipe.write(data)
    except BrokenPipeError:
        pass  # the command did not read all of its input: its choice


def _drain(pipe: IO[bytes], target: TextIO) -> None:
    buffer = getattr(target, "buffer", None)
    with pipe:
        # os.read returns what is there, so output streams through as it comes.
        for chunk in iter(lambda: os.read(pipe.fileno(), 65536), b""):
            if buffer is not None:
                buffer.write(chunk)
                buffer.flush()
            else:
                target.write(chunk.decode(errors="replace"))
                target.flush()


@contextmanager
def _signals_forwarded_to(child: subprocess.Popen[bytes]) -> Iterator[None]:
    def forward(signum: int, frame: FrameType | None) -> None:
        if signum != signal.SIGTERM and _terminal_signals_group():
            return
        if child.poll() is None:
            child.send_signal(signum)

    if threading.current_thread() is not threading.main_thread():
        # Python lets only the main thread install signal handlers.
        yield
        return
    previous = {signum: signal.signal(signum, forward) for signum in _FORWARDED}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _terminal_signals_group() -> bool:
    """Whether this process group is in the foreground of a terminal.

    Then the terminal delivers Ctrl-C (and hangup) to the child too, as it shares
    this process group.
    """
    if not hasattr(os, "tcgetpgrp"):
        return False
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp():
                return True
        except OSError:
            continue
    return False
