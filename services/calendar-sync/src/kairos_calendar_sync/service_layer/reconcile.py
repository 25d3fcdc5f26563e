"""Reconciliation: compare each connected calendar with what it should hold, repair drift.

Replica-safe: each run takes due connections with SKIP LOCKED and pushes their next run
``interval_s`` away in the same statement, so one replica reconciles a connection at a
time. Calendar calls happen with no transaction open; repairs are recorded in one short
transaction (drift rows, entries made pending again, CalendarSyncFailed for events
deleted outside Kairos). The sync worker then re-writes them. Policy: domain/drift.py.
"""

from __future__ import annotations

import collections
import logging

from kairos_calendar_sync.domain.bookings import Status
from kairos_calendar_sync.domain.connections import Connection, Entry
from kairos_calendar_sync.domain.drift import Drift, DriftKind, Expected, Found, classify
from kairos_calendar_sync.service_layer import outgoing
from kairos_calendar_sync.service_layer.calendars import CalendarError
from kairos_calendar_sync.service_layer.context import Context
from kairos_calendar_sync.service_layer.ports import CalendarUow, UowFactory
from kairos_platform import metrics

log = logging.getLogger(__name__)


def expected(e: Entry) -> Expected:
    return Expected(
        uid=e.ical_uid,
        href=e.href or e.external_id or "",
        sequence=e.synced_sequence if e.synced_sequence is not None else e.desired_sequence,
        cancelled=e.desired_status == Status.CANCELLED.value,
        synced=not e.pending and e.synced_sequence is not None,
    )


async def reconcile_once(
    uow_factory: UowFactory, ctx: Context, *, interval_s: float, limit: int = 10
) -> list[Drift]:
    async with uow_factory() as uow:
        due = await uow.connections.claim_for_reconcile(limit, interval_s)
        await uow.commit()
    found: list[Drift] = []
    for conn in due:
        try:
            drifts = await _reconcile(uow_factory, ctx, conn)
        except CalendarError as exc:
            log.warning("reconciliation of %s skipped: %s", conn.connection_id, exc)
            continue
        found += drifts
        for kind, n in collections.Counter(d.kind.value for d in drifts).items():
            metrics.count_reconciliation_repairs(ctx.settings.service_name, f"calendar_{kind}", n)
    return found


async def _reconcile(uow_factory: UowFactory, ctx: Context, conn: Connection) -> list[Drift]:
    client = ctx.clients(conn, ctx.box.open(conn.secret))
    try:
        remote = await client.events()
        async with uow_factory() as uow:
            entries = await uow.entries.for_connection(conn.connection_id)
        drifts = classify(
            [expected(e) for e in entries],
            [Found(r.uid, r.href, r.sequence, r.cancelled) for r in remote],
        )
        for d in drifts:
            if d.kind is DriftKind.DUPLICATE:
                for href in d.hrefs:
                    await client.remove(href)
    finally:
        await client.aclose()
    if drifts:
        await _record(uow_factory, conn, {e.ical_uid: e for e in entries}, drifts)
    return drifts


async def _record(
    uow_factory: UowFactory, conn: Connection, by_uid: dict[str, Entry], drifts: list[Drift]
) -> None:
    async with uow_factory() as uow:
        for d in drifts:
            e = by_uid[d.uid]
            action = {DriftKind.DUPLICATE: "removed", DriftKind.STALE: "rewritten"}.get(
                d.kind, "recreated"
            )
            await uow.entries.record_drift(
                conn.connection_id, e.booking_id, d.uid, d.kind.value, action, ",".join(d.hrefs)
            )
            if d.kind is not DriftKind.DUPLICATE:
                await uow.entries.resync(e.booking_id, conn.connection_id)
            if d.kind is DriftKind.DELETED_OUTSIDE:
                _report_deleted(uow, conn, e)
        await uow.commit()


def _report_deleted(uow: CalendarUow, conn: Connection, e: Entry) -> None:
    uow.emit(outgoing.deleted_outside(conn, e, uow.now()))
