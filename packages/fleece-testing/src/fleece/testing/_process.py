"""Ending the helper processes fleece-testing starts."""

from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Ask ``process`` to stop, kill it after ``timeout`` seconds, and reap it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
