"""The sync worker: push each pending calendar entry (desired state) to its calendar.

1. claim a bounded batch of pending entries (SKIP LOCKED + a lease) and commit;
2. talk to the calendars with no transaction open;
3. record each result in its own short transaction, with CalendarEventSynced or
   CalendarSyncFailed in the outbox.
A failing connection backs off (its other entries wait; other connections go on) and is
marked broken after ``policy.broken_after`` failures in a row.
"""

from __future__ import annotations

import logging
import uuid

from kairos_calendar_sync.domain.bookings import Booking
from kairos_calendar_sync.domain.connections import Connection, Entry
from kairos_calendar_sync.service_layer import outgoing
from kairos_calendar_sync.service_layer.calendars import CalendarError, Stored, Written
from kairos_calendar_sync.service_layer.context import Context
from kairos_calendar_sync.service_layer.ports import UowFactory
from kairos_platform import metrics

log = logging.getLogger(__name__)


async def sync_once(uow_factory: UowFactory, ctx: Context) -> int:
    """One batch; the number of entries claimed (0: nothing to do now)."""
    async with uow_factory() as uow:
        claimed = await uow.entries.claim(ctx.batch_size, ctx.lease_s)
        bookings = await uow.bookings.many(list({e.booking_id for e in claimed}))
        connections = await uow.connections.many(list({e.connection_id for e in claimed}))
        await uow.commit()
    failed: set[uuid.UUID] = set()
    for entry in claimed:
        conn, booking = connections.get(entry.connection_id), bookings.get(entry.booking_id)
        if conn is None or booking is None or entry.connection_id in failed:
            await _release(uow_factory, entry)  # this connection just failed: back off as a whole
            continue
        if not await _push(uow_factory, ctx, conn, booking, entry):
            failed.add(entry.connection_id)
    return len(claimed)


async def sync_until_idle(uow_factory: UowFactory, ctx: Context, max_rounds: int = 100) -> None:
    for _ in range(max_rounds):
        if await sync_once(uow_factory, ctx) == 0:
            return


async def _release(uow_factory: UowFactory, entry: Entry) -> None:
    async with uow_factory() as uow:
        await uow.entries.release(entry)
        await uow.commit()


async def _push(
    uow_factory: UowFactory, ctx: Context, conn: Connection, booking: Booking, entry: Entry
) -> bool:
    secret = ctx.box.open(conn.secret)
    client = ctx.clients(conn, secret)
    stored = Stored(entry.href, entry.etag, entry.external_id)
    try:
        written = await client.write(booking, stored)
    except CalendarError as exc:
        await _record_failure(uow_factory, ctx, conn, booking, entry, str(exc))
        return False
    finally:
        await client.aclose()
    refreshed = client.refreshed_secret()
    sealed = ctx.box.seal(refreshed) if refreshed else None
    await _record_success(uow_factory, conn, booking, entry, written, sealed)
    return True


async def _record_success(
    uow_factory: UowFactory,
    conn: Connection,
    booking: Booking,
    entry: Entry,
    written: Written,
    secret: bytes | None,
) -> None:
    async with uow_factory() as uow:
        await uow.entries.synced(
            entry,
            booking.sequence,
            booking.status.value,
            written.href,
            written.etag,
            written.external_id,
        )
        await uow.connections.succeeded(conn.connection_id, secret)
        uow.emit(outgoing.calendar_event_synced(conn, booking, entry, written, uow.now()))
        await uow.commit()


async def _record_failure(
    uow_factory: UowFactory,
    ctx: Context,
    conn: Connection,
    booking: Booking,
    entry: Entry,
    error: str,
) -> None:
    async with uow_factory() as uow:
        attempt = await uow.entries.failed(entry, error)
        failures = await uow.connections.count_failure(conn.connection_id) or 1
        broken = ctx.policy.is_broken(failures)
        if broken and not ctx.policy.is_broken(failures - 1):  # broken by this failure
            metrics.count_calendar_connection_broken(ctx.settings.service_name)
        await uow.connections.failed(
            conn.connection_id, error, ctx.policy.backoff_s(failures), broken
        )
        uow.emit(
            outgoing.calendar_sync_failed(
                conn, booking, entry, error, not broken, attempt, uow.now()
            )
        )
        await uow.commit()
    log.warning("calendar %s failed (%d in a row): %s", conn.connection_id, failures, error)
