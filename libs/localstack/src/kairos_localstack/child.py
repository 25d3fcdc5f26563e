"""The lifecycle every locally started server shares: pick a port, spawn, poll until
ready, stop its process group. Subclasses say only how to start and how to tell ready.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from kairos_localstack.ports import free_port
from kairos_localstack.proc import spawn, stop_group, wait_until


class ChildServer:
    #: what timeouts and errors call it
    label = "server"

    def __init__(self, port: int | None = None, log_file: Path | None = None) -> None:
        self.port = port
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None
        #: the child's working directory (None: ours)
        self.cwd: Path | None = None

    def argv(self) -> list[str]:
        """The command line, once ``self.port`` is set (write config files here too)."""
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self, timeout: float = 30.0) -> None:
        if self.proc is not None:
            return
        if self.port is None:
            self.port = free_port()
        self.proc = spawn(self.argv(), self.log_file, cwd=self.cwd)
        self.pid = self.proc.pid
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30.0) -> None:
        wait_until(self.ready, timeout, self.label, self.proc, self.log_file)

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None:
            return
        stop_group(self.proc.pid, timeout=timeout, proc=self.proc)
        self.proc = None
        self.pid = None
