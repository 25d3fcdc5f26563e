"""The reminder job's step: due reminders become mails, in one transaction.

The due rows are locked (``SKIP LOCKED``: replicas take others), the mails inserted and
the rows marked queued in the same commit, so a reminder is queued once whatever the
replicas, and a process killed mid-batch leaves its rows to the next pass. A reminder
found due after its session began (the service was down) is marked, not sent; of several
found due together for one person and session, only the nearest to the start goes (the
others are marked superseded: the query that finds them due says so, for the rows it
returns only; a pass over every due row each batch cost PostgreSQL more than the rest).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from kairos_calendar_sync.adapters.mail_repository import NewMail
from kairos_calendar_sync.adapters.reminders_repository import DueReminder, ReminderKey
from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.domain.bookings import Booking
from kairos_calendar_sync.domain.mails import MailKind
from kairos_calendar_sync.domain.people import Person
from kairos_calendar_sync.domain.reminders import lead_minutes, too_late
from kairos_calendar_sync.service_layer.compose import Composer
from kairos_calendar_sync.service_layer.ports import UowFactory


async def queue_due_reminders(uow_factory: UowFactory, composer: Composer, batch_size: int) -> int:
    """One batch; how many reminders it settled (0: none due)."""
    async with uow_factory() as uow:
        now = uow.now()
        due = await uow.reminders.due(now, batch_size)
        if not due:
            return 0
        people = await uow.people.many(d.reminder.user_id for d in due)
        mails: list[NewMail] = []
        outcomes: dict[str, list[ReminderKey]] = {}
        # the .ics of each session, built once for the batch: both participants' reminders
        # attach the same document (the booking as the projection holds it, stamped now)
        documents: dict[tuple[uuid.UUID, int], bytes] = {}
        for d in due:
            mail, outcome = _reminder(d, people, composer, now, documents)
            if mail is not None:
                mails.append(mail)
            outcomes.setdefault(outcome, []).append(d.key)
        await uow.mails.add_many(mails)
        for outcome, keys in outcomes.items():
            await uow.reminders.mark(keys, outcome, now)
        await uow.commit()
    return len(due)


def _document(b: Booking, now: datetime, documents: dict[tuple[uuid.UUID, int], bytes]) -> bytes:
    """The session's .ics as of ``now``, built once per booking and sequence in a batch."""
    key = (b.booking_id, b.sequence)
    if (document := documents.get(key)) is None:
        document = documents[key] = ics.event_document(b, stamp=now, method="REQUEST")
    return document


def _reminder(
    d: DueReminder,
    people: dict[uuid.UUID, Person],
    composer: Composer,
    now: datetime,
    documents: dict[tuple[uuid.UUID, int], bytes],
) -> tuple[NewMail | None, str]:
    """The mail ``d`` becomes, or None, and the outcome to mark it with."""
    b, r = d.booking, d.reminder
    if d.superseded:
        return None, "superseded"
    if too_late(b.starts_at, now):
        return None, "started"
    to = next((p for p in b.participants if p.user_id == r.user_id), None)
    if to is None or not to.email:
        return None, "no_address"
    person = people.get(r.user_id) or Person(to.user_id, to.email, to.name)
    facts = composer.session_facts(b, to)
    mail = composer.about_session(
        MailKind.REMINDER,
        b,
        to,
        person,
        replace(facts, minutes_before=lead_minutes(r, now)),
        key=f"{b.booking_id}.{b.sequence}.reminder{r.minutes_before}",
        # the session as it is now, for any calendar (same UID and SEQUENCE: no duplicate)
        ics=_document(b, now, documents),
        method="REQUEST",
    )
    return mail, "queued" if mail is not None else "unsubscribed"
