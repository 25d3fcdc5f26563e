"""Process plumbing shared by every local server: spawn, poll until ready, stop.

Every child runs in its own session (so its own process group): stopping it signals the
whole group, which catches grandchildren too, and Ctrl-C in the launching terminal does not
reach it. Readiness is always polled against a deadline, never waited for with a fixed sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class StartupError(RuntimeError):
    """A local server did not become ready in time (the message says where its log is)."""


def spawn(
    argv: Sequence[str],
    log_file: Path | None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start argv detached in a new session, stdout+stderr appended to log_file."""
    out: Any = subprocess.DEVNULL
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        out = open(log_file, "ab")  # the child inherits the fd; our copy is closed below
    try:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            **as_user(user),
        )
    finally:
        if log_file is not None:
            out.close()


def as_user(user: str | None) -> dict[str, Any]:
    """Popen keyword arguments that drop to `user` (uid, primary gid, no extra groups)."""
    if user is None:
        return {}
    return {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    proc: subprocess.Popen[bytes] | None = None,
    log_file: Path | None = None,
    interval: float = 0.05,
) -> None:
    """Poll check() until it is true; fail early if proc exits, or at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:  # a probe that raises just means "not yet"
            pass
        if proc is not None and proc.poll() is not None:
            raise StartupError(f"{what} exited with code {proc.returncode}; see {log_file}")
        if time.monotonic() > deadline:
            raise StartupError(f"{what} not ready after {timeout:.0f}s; see {log_file}")
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)


def pid_alive(pid: int) -> bool:
    """True if pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        # The state field follows the parenthesised command name.
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def start_ticks(pid: int) -> int | None:
    """The process's start time (clock ticks since boot): tells a reused pid from ours."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # killpg(0) also succeeds for zombies; look for a live member.
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def signal_group(pid: int, sig: int = signal.SIGTERM) -> None:
    """Send sig to the process group led by pid (and SIGCONT, in case it was SIGSTOPped)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
        # A stopped (SIGSTOP) process only acts on SIGTERM once continued.
        os.killpg(pid, signal.SIGCONT)


def wait_groups_gone(
    pids: Sequence[int],
    timeout: float = 10.0,
    procs: Mapping[int, subprocess.Popen[bytes]] | None = None,
) -> None:
    """Wait until every group in pids is gone; SIGKILL whatever is left at the deadline."""
    procs = procs or {}

    def alive() -> list[int]:
        for proc in procs.values():
            proc.poll()  # reap our own children so they do not linger as zombies
        return [pid for pid in pids if _group_alive(pid)]

    deadline = time.monotonic() + timeout
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = alive()
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    kill_deadline = time.monotonic() + 5
    while left and time.monotonic() < kill_deadline:
        time.sleep(0.05)
        left = alive()
    for proc in procs.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1)


def stop_group(
    pid: int,
    timeout: float = 10.0,
    sig: int = signal.SIGTERM,
    proc: subprocess.Popen[bytes] | None = None,
) -> None:
    """Signal the process group led by pid, SIGKILL it after timeout, wait until gone.

    pid must be a session leader we started (spawn() makes every child one), so its pid is
    also its process-group id.
    """
    signal_group(pid, sig)
    wait_groups_gone([pid], timeout, {pid: proc} if proc is not None else None)


def run_sync(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async function to completion from sync code, even inside a running loop.

    A fresh thread with its own loop: works from the CLI and from sync pytest fixtures
    that may be called while pytest-asyncio's loop is running in this thread.
    """
    result: list[T] = []
    error: list[BaseException] = []

    def runner() -> None:
        try:
            result.append(asyncio.run(coro_fn()))
        except BaseException as exc:
            error.append(exc)

    t = threading.Thread(target=runner, name="kairos-run-sync")
    t.start()
    t.join()
    if error:
        raise error[0]
    return result[0]
