"""Running a child command: its exit status, and signals passed on to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import FrameType

from fleece.cli._errors import CliError

_FORWARDED = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP")
    if hasattr(signal, name)
)


class CommandNotFoundError(CliError):
    """The program does not exist: exit status 127, as a shell answers."""

    exit_code = 127


class CommandNotExecutableError(CliError):
    """The program cannot be executed: exit status 126, as a shell answers."""

    exit_code = 126


def run_command(command: Sequence[str], *, shell: bool, env: Mapping[str, str]) -> int:
    """Run ``command`` until it ends and return its exit status.

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
    try:
        if shell:
            # Running the user's command line through the shell is the feature.
            child = subprocess.Popen(command[0], shell=True, env=dict(env))  # noqa: S602
        else:
            child = subprocess.Popen(list(command), env=dict(env))
    except FileNotFoundError:
        raise CommandNotFoundError(f"command not found: {command[0]}") from None
    except PermissionError:
        raise CommandNotExecutableError(
            f"command not executable: {command[0]}"
        ) from None
    with _signals_forwarded_to(child):
        status = child.wait()
    return 128 - status if status < 0 else status


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
