"""Faults on a stack this process started: kill/restart of a service process, a broker node
SIGKILLed and restarted (in a cluster, the node leading the most partitions; and rolling
restarts), a broker pause, a PostgreSQL restart, webhook misdelivery. Every fault is logged
with when, what and how it went."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from dataclasses import dataclass, field

from kairos_e2e.faults.webhooks import WebhookRelay
from kairos_localstack.stack import Stack

KINDS = {"kill": 40, "broker": 10, "pause": 10, "postgres": 8, "webhook": 32}
#: a three-node cluster also gets rolling restarts of all its nodes
CLUSTER_KINDS = {**KINDS, "rolling": 4}


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
        """Freeze the busiest broker node (SIGSTOP) for a while: connections stay open and
        nothing answers (a single node: the whole broker)."""
        seconds = self.pause_s if seconds is None else seconds
        name = await asyncio.to_thread(self.stack.busiest_kafka_node)
        fault = self._new("pause", f"{name} {seconds:.0f}s")
        start = time.monotonic()
        try:
            self.stack.signal_process(name, signal.SIGSTOP)
            try:
                await asyncio.sleep(seconds)  # the fault's duration: the broker stays frozen
            finally:
                self.stack.signal_process(name, signal.SIGCONT)
        except Exception as exc:
            fault.ok, fault.detail = False, repr(exc)
        fault.took_s = time.monotonic() - start
        return fault

    async def kill_broker(self, down_s: float | None = None) -> Fault:
        """SIGKILL the broker node leading the most partitions, leave it down a few seconds
        (a cluster elects other leaders meanwhile; a single node is simply gone), restart it
        on the same log dir."""
        down_s = self.rng.uniform(2, 10) if down_s is None else down_s
        name = await asyncio.to_thread(self.stack.busiest_kafka_node)
        fault = self._new("broker", f"{name} SIGKILL, down {down_s:.0f}s")
        start = time.monotonic()
        try:
            await asyncio.to_thread(self.stack.kill_kafka_node, name)
            await asyncio.sleep(down_s)  # the fault's duration: the node stays down
            await asyncio.to_thread(self.stack.restart_kafka_node, name)
        except Exception as exc:
            fault.ok, fault.detail = False, repr(exc)
        fault.took_s = time.monotonic() - start
        return fault

    async def rolling_restart(self) -> Fault:
        """Each node of the cluster in turn stopped cleanly and started again, the next only
        once every partition is back in sync (as an SRE upgrades brokers)."""
        names = self.stack.kafka_node_names()
        fault = self._new("rolling", ",".join(names))
        start = time.monotonic()
        try:
            for name in names:
                await asyncio.to_thread(self.stack.kill_kafka_node, name, 60.0, True)
                await asyncio.to_thread(self.stack.restart_kafka_node, name)
                await asyncio.to_thread(self.stack.wait_kafka_in_sync, 120.0)
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
        if kind == "broker":
            return await self.kill_broker()
        if kind == "rolling":
            return await self.rolling_restart()
        if kind == "postgres":
            return await self.restart_postgres()
        return self.webhook()

    async def random_until(self, until: float, gap_s: tuple[float, float]) -> None:
        """Faults one after another at random intervals until the deadline."""
        table = CLUSTER_KINDS if len(self.stack.kafka_node_names()) > 1 else KINDS
        kinds, weights = list(table), list(table.values())
        while True:
            # the schedule itself: a random gap before the next fault
            await asyncio.sleep(self.rng.uniform(*gap_s))
            if time.monotonic() >= until:
                return
            await self.one(self.rng.choices(kinds, weights)[0])
