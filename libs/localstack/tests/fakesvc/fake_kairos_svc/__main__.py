"""python -m fake_kairos_svc migrate|http|consumer|relay: the smallest contract-keeping service."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def migrate() -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        await conn.execute("CREATE TABLE IF NOT EXISTS migrated (id int)")
        await conn.close()

    asyncio.run(run())


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path in ("/health/ready", "/health/live", "/env"):
            keys = (
                "SERVICE_NAME",
                "DATABASE_URL",
                "KAFKA_BOOTSTRAP_SERVERS",
                "SMTP_PORT",
                "LIVE_TOKEN_SECRET",
            )
            body = json.dumps({k: os.environ.get(k) for k in keys}).encode()
            self.send_response(200)
        else:
            body = b"{}"
            self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve(port_var: str) -> None:
    ThreadingHTTPServer(("127.0.0.1", int(os.environ[port_var])), Handler).serve_forever()


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "migrate":
        migrate()
    elif role == "http":
        serve("HTTP_PORT")
    else:
        serve("METRICS_PORT")
