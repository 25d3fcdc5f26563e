"""Radicale CalDAV server on 127.0.0.1:<port>, filesystem storage under a data dir.

Auth defaults to ``none`` (any user name, any password): each user gets their own
collections under ``/<user>/`` and can create calendars there with MKCALENDAR/MKCOL, which is
what calendar-sync tests need. Pass ``users={"alice": "pw"}`` for htpasswd (plain) auth.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from kairos_localstack.ports import free_port
from kairos_localstack.proc import spawn, stop_group, wait_until


class RadicaleServer:
    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        users: dict[str, str] | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.users = users
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        auth = "type = none"
        if self.users is not None:
            htpasswd = self.data_dir / "htpasswd"
            htpasswd.write_text("".join(f"{u}:{p}\n" for u, p in self.users.items()))
            auth = f"type = htpasswd\nhtpasswd_filename = {htpasswd}\nhtpasswd_encryption = plain"
        config = self.data_dir / "radicale.conf"
        # An explicit config file: Radicale then ignores /etc/radicale and ~/.config.
        config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n\n"
            f"[auth]\n{auth}\n\n"
            "[rights]\ntype = owner_only\n\n"
            f"[storage]\nfilesystem_folder = {self.data_dir / 'collections'}\n\n"
            "[logging]\nlevel = warning\nmask_passwords = True\n"
        )
        return config

    def start(self, timeout: float = 30.0) -> None:
        if self.proc is not None:
            return
        if self.port is None:
            self.port = free_port()
        config = self._write_config()
        argv = [sys.executable, "-m", "radicale", "--config", str(config)]
        self.proc = spawn(argv, self.log_file)
        self.pid = self.proc.pid
        self.wait_ready(timeout)

    def _ready(self) -> bool:
        resp = httpx.request("OPTIONS", self.url, timeout=1)
        return resp.status_code < 500

    def wait_ready(self, timeout: float = 30.0) -> None:
        wait_until(self._ready, timeout, "radicale", self.proc, self.log_file)

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None:
            return
        stop_group(self.proc.pid, timeout=timeout, proc=self.proc)
        self.proc = None
        self.pid = None
