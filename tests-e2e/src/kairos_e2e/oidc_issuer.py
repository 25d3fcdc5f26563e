"""The browser tests' OpenID Connect issuer (``web/tests/oidc/issuer.mjs``: panva's
oidc-provider, run by Node) as a child process: a public client registered for the web
app's callback, PKCE required, JWT access tokens for the API's audience carrying each
account's ``roles``."""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kairos_e2e.web import WEB
from kairos_localstack.child import ChildServer

__all__ = ["Account", "OidcIssuer"]

#: the API's resource indicator (RFC 8707) the web app asks tokens for
RESOURCE = "https://api.kairos.test/"


@dataclass(frozen=True)
class Account:
    name: str
    email: str
    roles: tuple[str, ...]
    sub: uuid.UUID = field(default_factory=uuid.uuid4)


class OidcIssuer(ChildServer):
    label = "oidc issuer"

    def __init__(
        self,
        accounts: list[Account],
        redirect_uri: str,
        folder: Path,
        client_id: str = "kairos-web",
        audience: str = "kairos",
    ) -> None:
        super().__init__(log_file=folder / "oidc-issuer.log")
        self.accounts, self.redirect_uri, self.folder = accounts, redirect_uri, folder
        self.client_id, self.audience = client_id, audience
        self.cwd = WEB

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        node = shutil.which("node")
        assert node, "Node.js is needed for the OIDC issuer"
        accounts = self.folder / "oidc-accounts.json"
        accounts.write_text(
            json.dumps(
                {
                    str(a.sub): {"name": a.name, "email": a.email, "roles": list(a.roles)}
                    for a in self.accounts
                }
            )
        )
        return [
            node,
            "tests/oidc/issuer.mjs",
            f"--port={self.port}",
            f"--client-id={self.client_id}",
            f"--redirect-uri={self.redirect_uri}",
            f"--audience={self.audience}",
            f"--resource={RESOURCE}",
            f"--accounts={accounts}",
        ]

    def ready(self) -> bool:
        url = f"{self.url}/.well-known/openid-configuration"
        return httpx.get(url, timeout=1).status_code == 200
