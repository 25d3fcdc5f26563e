"""Launch the localstripe fake and talk to its configuration endpoints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from kairos_localstack.ports import free_port
from kairos_localstack.proc import spawn, stop_group, wait_until

LOCAL_API_KEY = "sk_test_kairos_local"


def register_webhook(
    api_base: str,
    url: str,
    secret: str,
    webhook_id: str = "kairos",
    events: list[str] | None = None,
    api_key: str = LOCAL_API_KEY,
) -> None:
    """Tell localstripe to POST signed events to url (POST /_config/webhooks/{id})."""
    data: dict[str, str | list[str]] = {"url": url, "secret": secret}
    if events:
        data["events[]"] = events
    resp = httpx.post(
        f"{api_base.rstrip('/')}/_config/webhooks/{webhook_id}",
        data=data,
        auth=(api_key, ""),
        timeout=10,
    )
    resp.raise_for_status()


class LocalStripe:
    """localstripe on 127.0.0.1:<port>; state in state_file (None: memory only)."""

    def __init__(
        self, port: int | None = None, state_file: Path | None = None, log_file: Path | None = None
    ) -> None:
        self.port = port
        self.state_file = state_file
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        if self.proc is not None:
            return
        if self.port is None:
            self.port = free_port()
        argv = [
            sys.executable,
            "-m",
            "kairos_localstack.localstripe_server",
            "--port",
            str(self.port),
        ]
        if self.state_file is not None:
            argv += ["--state-file", str(self.state_file)]
        self.proc = spawn(argv, self.log_file)
        self.pid = self.proc.pid
        self.wait_ready(timeout)

    def _ready(self) -> bool:
        resp = httpx.get(f"{self.api_base}/v1/customers", auth=(LOCAL_API_KEY, ""), timeout=1)
        return resp.status_code == 200

    def wait_ready(self, timeout: float = 30.0) -> None:
        wait_until(self._ready, timeout, "localstripe", self.proc, self.log_file)

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None:
            return
        stop_group(self.proc.pid, timeout=timeout, proc=self.proc)
        self.proc = None
        self.pid = None
