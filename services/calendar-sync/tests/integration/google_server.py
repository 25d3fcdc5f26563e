"""A tiny local stand-in for the Google Calendar API v3, answering with the recorded
request/response shapes in google_fixtures/*.json (the real API is out of reach here).

It keeps events in memory with Google's semantics that matter to us: a deleted event
stays listed with ``status: cancelled`` when ``showDeleted=true``; the access token must
be valid (else 401), and a refresh at ``/token`` hands out a new one.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).parent / "google_fixtures"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


class GoogleCalendarStub:
    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]], Any]] = []
        self.valid_tokens = {"ya29.valid"}
        self.down = False
        self.refuse_refresh = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls(self, method: str | None = None) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _, _ in self.requests if method in (None, m)]

    def live(self) -> list[dict[str, Any]]:
        return [e for e in self.events.values() if e["status"] != "cancelled"]

    # --- the API ------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, auth: str | None
    ) -> tuple[int, Any]:
        self.requests.append((method, path, query, body))
        if self.down:
            return 503, {"error": {"code": 503, "message": "Backend Error"}}
        if path == "/token":
            return self._refresh()
        if auth not in {f"Bearer {t}" for t in self.valid_tokens}:
            shape = fixture("unauthorized")["response"]
            return shape["status"], shape["body"]
        parts = [unquote(p) for p in path.removeprefix("/calendar/v3/").split("/")]
        if len(parts) == 2 and method == "GET":
            return 200, fixture("calendars_get")["response"]["body"] | {"id": parts[1]}
        if len(parts) == 3 and method == "GET":
            return self._list(query)
        if len(parts) == 3 and method == "POST":
            return self._insert(body)
        event_id = parts[3]
        if method == "PATCH":
            return self._patch(event_id, body)
        if method == "DELETE":
            return self._delete(event_id)
        return 404, {"error": {"code": 404, "message": "Not Found"}}

    def _refresh(self) -> tuple[int, Any]:
        if self.refuse_refresh:
            shape = fixture("token_refresh")["revoked"]
            return shape["status"], shape["body"]
        body = fixture("token_refresh")["response"]["body"]
        token = f"{body['access_token']}-{len(self.valid_tokens)}"
        self.valid_tokens.add(token)
        return 200, body | {"access_token": token}

    def _list(self, q: dict[str, list[str]]) -> tuple[int, Any]:
        items = list(self.events.values())
        if "iCalUID" in q:
            items = [e for e in items if e["iCalUID"] == q["iCalUID"][0]]
        if q.get("showDeleted", ["false"])[0] != "true":
            items = [e for e in items if e["status"] != "cancelled"]
        for prop in q.get("privateExtendedProperty", []):
            k, _, v = prop.partition("=")
            items = [
                e for e in items if e.get("extendedProperties", {}).get("private", {}).get(k) == v
            ]
        return 200, fixture("events_list")["response"]["body"] | {"items": items}

    def _insert(self, body: dict[str, Any]) -> tuple[int, Any]:
        event_id = uuid.uuid4().hex
        shape = json.loads(
            json.dumps(fixture("events_insert")["response"]["body"]).replace("{id}", event_id)
        )
        event = shape | body | {"id": event_id, "status": body.get("status", "confirmed")}
        self.events[event_id] = event
        return 200, event

    def _patch(self, event_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        if event_id not in self.events:
            return 404, {"error": {"code": 404, "message": "Not Found"}}
        shape = fixture("events_patch")["response"]["body"]
        self.events[event_id] = self.events[event_id] | body | shape
        return 200, self.events[event_id]

    def _delete(self, event_id: str) -> tuple[int, Any]:
        event = self.events.get(event_id)
        if event is None:
            return 404, {"error": {"code": 404, "message": "Not Found"}}
        if event["status"] == "cancelled":
            shape = fixture("events_delete")["missing"]
            return shape["status"], shape["body"]
        event["status"] = "cancelled"
        return 204, None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                body: Any = None
                if raw and "json" in ctype:
                    body = json.loads(raw)
                elif raw:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                status, payload = stub.answer(
                    self.command,
                    url.path,
                    parse_qs(url.query),
                    body,
                    self.headers.get("Authorization"),
                )
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        return Handler
