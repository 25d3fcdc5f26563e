"""Radicale CalDAV server on 127.0.0.1:<port>, filesystem storage under a data dir.

Auth defaults to ``none`` (any user name, any password): each user gets their own
collections under ``/<user>/`` and can create calendars there with MKCALENDAR/MKCOL, which is
what calendar-sync tests need. Pass ``users={"alice": "pw"}`` for htpasswd (plain) auth.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from kairos_localstack.child import ChildServer


class RadicaleServer(ChildServer):
    label = "radicale"

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        users: dict[str, str] | None = None,
        log_file: Path | None = None,
    ) -> None:
        super().__init__(port, log_file)
        self.data_dir = Path(data_dir)
        self.users = users

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

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "radicale", "--config", str(self._write_config())]

    def ready(self) -> bool:
        resp = httpx.request("OPTIONS", self.url, timeout=1)
        return resp.status_code < 500
