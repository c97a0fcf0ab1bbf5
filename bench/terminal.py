"""Timing a program in a pseudo-terminal: from launch until a given text is drawn."""

from __future__ import annotations

import os
import pty
import select
import signal
import time


def time_to_text(argv: list[str], marker: bytes, env: dict[str, str] | None = None, timeout: float = 20.0,
                 columns: int = 100, rows: int = 30) -> float:
    """Seconds from spawning `argv` in a fresh 100x30 pty until `marker` appears in what it writes."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env or {})
        os.environ.update({"COLUMNS": str(columns), "LINES": str(rows), "TERM": "xterm-256color"})
        os.execvp(argv[0], argv)
    seen = b""
    try:
        while marker not in seen:
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"{marker!r} not drawn within {timeout} s by {' '.join(argv)}")
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        return time.perf_counter() - start
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
