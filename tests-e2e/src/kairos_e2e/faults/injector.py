"""Faults on a stack this process started: kill/restart, broker pause, PostgreSQL restart,
webhook misdelivery. Every fault is logged with when, what and how it went."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from dataclasses import dataclass, field

from kairos_e2e.faults.webhooks import WebhookRelay
from kairos_localstack.stack import Stack

KINDS = {"kill": 45, "pause": 15, "postgres": 8, "webhook": 32}


@dataclass
class Fault:
    at: float  # seconds since the run started
    kind: str
    target: str
    took_s: float = 0.0
    ok: bool = True
    detail: str = ""

    def line(self) -> str:
        mark = "" if self.ok else f"  (recovery failed: {self.detail})"
        extra = f" {self.detail}" if self.ok and self.detail else ""
        return f"t={self.at:7.1f}s  {self.kind:9s} {self.target}{extra} [{self.took_s:.1f}s]{mark}"


@dataclass
class Injector:
    stack: Stack
    relay: WebhookRelay
    rng: random.Random
    pause_s: float = 30.0
    t0: float = field(default_factory=time.monotonic)
    log: list[Fault] = field(default_factory=list)

    def _new(self, kind: str, target: str) -> Fault:
        fault = Fault(time.monotonic() - self.t0, kind, target)
        self.log.append(fault)
        return fault

    async def kill(self, name: str | None = None) -> Fault:
        name = name or self.rng.choice(self.stack.service_process_names())
        fault = self._new("kill", name)
        start = time.monotonic()
        try:
            await asyncio.to_thread(self.stack.restart_process, name)
            await asyncio.to_thread(self.stack.wait_process_ready, name, 120.0)
        except Exception as exc:
            fault.ok, fault.detail = False, repr(exc)
        fault.took_s = time.monotonic() - start
        return fault

    async def pause_broker(self, seconds: float | None = None) -> Fault:
        seconds = self.pause_s if seconds is None else seconds
        fault = self._new("pause", f"kafka {seconds:.0f}s")
        start = time.monotonic()
        try:
            self.stack.signal_process("kafka", signal.SIGSTOP)
            try:
                await asyncio.sleep(seconds)  # the fault's duration: the broker stays frozen
            finally:
                self.stack.signal_process("kafka", signal.SIGCONT)
        except Exception as exc:
            fault.ok, fault.detail = False, repr(exc)
        fault.took_s = time.monotonic() - start
        return fault

    async def restart_postgres(self) -> Fault:
        fault = self._new("postgres", "restart")
        start = time.monotonic()
        try:
            await asyncio.to_thread(self.stack.restart_postgres)
        except Exception as exc:
            fault.ok, fault.detail = False, repr(exc)
        fault.took_s = time.monotonic() - start
        return fault

    def webhook(self, mode: str | None = None) -> Fault:
        mode = mode or self.rng.choice(["duplicate", "late", "drop", "replay"])
        self.relay.inject(mode)
        return self._new("webhook", mode)

    async def one(self, kind: str) -> Fault:
        if kind == "kill":
            return await self.kill()
        if kind == "pause":
            return await self.pause_broker()
        if kind == "postgres":
            return await self.restart_postgres()
        return self.webhook()

    async def random_until(self, until: float, gap_s: tuple[float, float]) -> None:
        """Faults one after another at random intervals until the deadline."""
        kinds, weights = list(KINDS), list(KINDS.values())
        while True:
            # the schedule itself: a random gap before the next fault
            await asyncio.sleep(self.rng.uniform(*gap_s))
            if time.monotonic() >= until:
                return
            await self.one(self.rng.choices(kinds, weights)[0])
