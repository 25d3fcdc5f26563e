"""Launch the localstripe fake and talk to its configuration endpoints."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from kairos_localstack.child import ChildServer

LOCAL_API_KEY = "sk_test_kairos_local"
#: what the web app gives Stripe.js locally (localstripe takes any ``pk_`` key)
LOCAL_PUBLISHABLE_KEY = "pk_test_kairos_local"


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


class LocalStripe(ChildServer):
    """localstripe on 127.0.0.1:<port>; state in state_file (None: memory only)."""

    label = "localstripe"

    def __init__(
        self, port: int | None = None, state_file: Path | None = None, log_file: Path | None = None
    ) -> None:
        super().__init__(port, log_file)
        self.state_file = state_file

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "kairos_localstack.localstripe_server",
            "--port",
            str(self.port),
        ]
        if self.state_file is not None:
            argv += ["--state-file", str(self.state_file)]
        return argv

    def ready(self) -> bool:
        resp = httpx.get(f"{self.api_base}/v1/customers", auth=(LOCAL_API_KEY, ""), timeout=1)
        return resp.status_code == 200
