"""A server-sent events client for the tests: one stream read in the background into a
queue (no polling), its messages waited for with a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from kairos_e2e.client import Gateway
from kairos_e2e.market import B


@dataclass
class Message:
    id: str | None
    event: str
    data: Any
    at: float  # time.monotonic() when it arrived


class Stream:
    """One SSE connection read in the background into a queue (no polling)."""

    def __init__(self) -> None:
        self.messages: asyncio.Queue[Message] = asyncio.Queue()
        self.opened = asyncio.Event()
        self.status: int | None = None
        self.headers: httpx.Headers | None = None

    async def read(self, http: httpx.AsyncClient, path: str, headers: dict[str, str]) -> None:
        async with http.stream(
            "GET", path, headers=headers, timeout=httpx.Timeout(10, read=None)
        ) as resp:
            self.status, self.headers = resp.status_code, resp.headers
            self.opened.set()
            if resp.status_code != 200:
                await resp.aread()
                return
            fields: dict[str, str] = {}
            async for line in resp.aiter_lines():
                if line == "":
                    if "event" in fields or "data" in fields:
                        data = json.loads(fields.get("data", "null"))
                        await self.messages.put(
                            Message(
                                fields.get("id"),
                                fields.get("event", "message"),
                                data,
                                time.monotonic(),
                            )
                        )
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")

    async def next(self, deadline: float, event: str | None = None) -> Message:
        """The next message (of type ``event``), or fail at ``deadline`` (monotonic)."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {event or 'message'} before the deadline")
            try:
                msg = await asyncio.wait_for(self.messages.get(), left)
            except TimeoutError:
                raise AssertionError(f"no {event or 'message'} before the deadline") from None
            if event is None or msg.event == event:
                return msg


@contextlib.asynccontextmanager
async def follow(
    gw: Gateway, path: str, headers: dict[str, str], last_event_id: str | None = None
) -> AsyncIterator[Stream]:
    stream = Stream()
    if last_event_id:
        headers = {**headers, "Last-Event-ID": last_event_id}
    task = asyncio.create_task(stream.read(gw.http, f"{B}{path}", headers))
    try:
        await asyncio.wait_for(stream.opened.wait(), 10)
        yield stream
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task


async def data_of(stream: Stream, event: str, timeout: float = 10.0) -> Any:
    """The data of the next ``event`` within ``timeout`` seconds."""
    return (await stream.next(time.monotonic() + timeout, event)).data
