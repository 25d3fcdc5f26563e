"""The absence sweep and the absence rules on real PostgreSQL, mails through the real SMTP
sink: absent/attended/absent warns only; absent/absent reprobates; two sweeps at once mark
each session once and send each mail once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import text

from kairos_attendance.service_layer.sweep import sweep
from kairos_contracts import Envelope
from kairos_contracts.events.attendance import AbsenceRecorded, MenteeReprobated, MenteeWarned
from kairos_contracts.events.booking import BookingConfirmed
from kairos_localstack.smtp_sink import SmtpSink
from kairos_platform.messaging.tables import bucket_of
from kairos_platform.testing_services import eventually

from .conftest import Att, Clock, Programme, mentee, mentor, open_att

pytestmark = pytest.mark.integration


def _to(sink: SmtpSink, address: str) -> list[EmailMessage]:
    return [m for m in sink.messages() if m["To"] == address]


async def _mails(sink: SmtpSink, address: str, n: int) -> list[EmailMessage]:
    async def enough() -> list[EmailMessage] | None:
        got = _to(sink, address)
        return got if len(got) >= n else None

    return await eventually(enough) or _to(sink, address)


async def _absent_after(att: Att, s: BookingConfirmed) -> int:
    att.clock.now = s.ends_at + att.ctx.settings.sweep_grace + timedelta(seconds=1)
    return await sweep(att.uows, att.ctx)


async def test_absent_attended_absent_warns_twice_and_never_reprobates(
    att: Att, smtp_sink: SmtpSink
) -> None:
    p = Programme(mentor(), mentee())
    sessions = [p.session(i) for i in range(3)]
    for s in sessions:
        await att.deliver(s)
    assert await _absent_after(att, sessions[0]) == 1
    att.clock.now = sessions[1].starts_at
    joined = await att.client.post(
        f"/sessions/{sessions[1].booking_id}/join", headers=att.auth(p.mentee.user_id)
    )
    assert joined.status_code == 200
    assert await _absent_after(att, sessions[2]) == 1
    assert await sweep(att.uows, att.ctx) == 0  # idempotent: nothing left to mark

    warned = await att.outbox("MenteeWarned")
    assert [w["booking_id"] for w in warned] == [
        str(sessions[0].booking_id),
        str(sessions[2].booking_id),
    ]
    assert await att.outbox("MenteeReprobated") == []
    absences = await att.outbox("AbsenceRecorded")
    assert [a["consecutive_absences"] for a in absences] == [1, 1]
    [standing] = await att.rows("SELECT status, streak, absences FROM standings")
    assert (standing.status, standing.streak, standing.absences) == ("warned", 1, 2)

    await att.send_mails()
    for address in (p.mentee.email, p.mentor.email):
        got = await _mails(smtp_sink, address or "", 2)
        assert len(got) == 2, [m["Subject"] for m in got]
        assert all("missed a session" in m["Subject"] for m in got)
    [first] = _to(smtp_sink, p.mentee.email or "")[:1]
    html = first.get_body(("html",))
    plain = first.get_body(("plain",))
    assert html is not None and plain is not None
    assert "/settings/notifications" in plain.get_content()
    assert "Manage your other notifications" in html.get_content()
    assert first["List-Unsubscribe"] is None  # account notices: no one-click unsubscribe


async def test_two_absences_in_a_row_reprobate_once(att: Att, smtp_sink: SmtpSink) -> None:
    p = Programme(mentor(), mentee())
    sessions = [p.session(i) for i in range(4)]
    for s in sessions:
        await att.deliver(s)
    await _absent_after(att, sessions[0])
    await _absent_after(att, sessions[1])
    [reprobated] = await att.outbox("MenteeReprobated")
    assert reprobated["absent_booking_ids"] == [str(s.booking_id) for s in sessions[:2]]
    assert reprobated["enrollment_id"] == str(p.enrollment_id)
    assert reprobated["cycle"]["ends_at"].startswith(p.cycle.ends_at.date().isoformat())
    assert len(await att.outbox("MenteeWarned")) == 1
    # a third absence while reprobated announces nothing more
    await _absent_after(att, sessions[2])
    assert len(await att.outbox("MenteeReprobated")) == 1
    assert len(await att.outbox("MenteeWarned")) == 1
    [standing] = await att.rows("SELECT status, streak, absences FROM standings")
    assert (standing.status, standing.streak, standing.absences) == ("reprobated", 3, 3)

    await att.send_mails()
    subjects = [m["Subject"] for m in await _mails(smtp_sink, p.mentor.email or "", 2)]
    assert sorted(subjects) == sorted(
        ["Ana missed a session: Weekly mentoring", "Ana is reprobated: Weekly mentoring"]
    )


async def test_a_mentor_correction_recomputes_the_streak(att: Att) -> None:
    p = Programme(mentor(), mentee())
    sessions = [p.session(i) for i in range(3)]
    for s in sessions:
        await att.deliver(s)
    await _absent_after(att, sessions[0])
    fixed = await att.client.put(
        f"/sessions/{sessions[0].booking_id}/attendance", json={"attended": True},
        headers=att.auth(p.mentor.user_id, "mentor"),
    )  # fmt: skip
    assert fixed.status_code == 200
    await _absent_after(att, sessions[1])
    # absent (corrected to attended), absent: one lone absence, no reprobation
    assert await att.outbox("MenteeReprobated") == []
    assert [w["booking_id"] for w in await att.outbox("MenteeWarned")] == [
        str(sessions[0].booking_id), str(sessions[1].booking_id),
    ]  # fmt: skip


async def test_two_sweeps_at_once_mark_each_session_once_and_mail_once(
    fresh_database: str, keypair: tuple[bytes, bytes], smtp_sink: SmtpSink
) -> None:
    clock = Clock()
    # two replicas: two services, two engines, one database; small batches interleave (one
    # in flight each: batches in flight in one process have a test of their own below)
    one = {"SWEEP_BATCH_SIZE": 7, "SWEEP_CONCURRENCY": 1}
    a = await open_att(fresh_database, keypair, smtp_sink.port or 0, clock, **one)
    b = await open_att(fresh_database, keypair, smtp_sink.port or 0, clock, **one)
    try:
        programmes = [Programme(mentor(), mentee()) for _ in range(30)]
        for p in programmes:
            for week in range(2):
                await a.deliver(p.session(week))
        clock.now = programmes[0].session(2).starts_at
        marked = await asyncio.gather(sweep(a.uows, a.ctx), sweep(b.uows, b.ctx))
        assert sum(marked) == 60 and all(marked)  # both replicas did part of the work
        audit = await a.rows("SELECT booking_id FROM attendance_audit")
        assert len(audit) == 60 and len({r.booking_id for r in audit}) == 60
        absences = await a.outbox("AbsenceRecorded")
        assert len({x["booking_id"] for x in absences}) == len(absences) == 60
        reprobations = await a.outbox("MenteeReprobated")
        assert Counter(r["enrollment_id"] for r in reprobations) == Counter(
            {str(p.enrollment_id): 1 for p in programmes}
        )
        queued = await a.rows("SELECT dedupe_key, recipient FROM email_outbox")
        before = len(smtp_sink.messages())
        senders = [a.send_once(), b.send_once()]
        while sum(await asyncio.gather(*senders)):
            senders = [a.send_once(), b.send_once()]

        async def all_arrived() -> bool:
            return len(smtp_sink.messages()) - before >= len(queued)

        await eventually(all_arrived)
        sent = smtp_sink.messages()[before:]
        assert len(sent) == len(queued)
        assert len({m["Message-ID"] for m in sent}) == len(sent)  # no mail twice
    finally:
        for x in (a, b):
            await x.client.aclose()
            await x.service.engine.dispose()


async def test_one_batch_warns_and_reprobates_with_valid_envelopes_and_queued_mails(
    att: Att,
) -> None:
    """One sweep batch with every case at once: a run of two first seen together (warning
    and reprobation), a lone absence (warning), a one-time session (no standing). Every
    outbox row is a valid envelope of the contracts, keyed and bucketed by its aggregate."""
    two, one, single = (Programme(mentor(), mentee("Ana")) for _ in range(3))
    runs = [two.session(0), two.session(1)]
    lone = one.session(1)
    solo = single.session(
        1, enrollment_id=None, subscription_id=None, cycle=None, payment_method="card"
    )
    for s in [*runs, two.session(3), lone, solo]:
        await att.deliver(s)
    assert await _absent_after(att, solo) == 4

    rows = await att.rows(
        "SELECT topic, key, bucket, event_type, payload, headers FROM outbox ORDER BY id"
    )
    envelopes = [Envelope.from_json(json.dumps(r.payload)) for r in rows]
    for r, env in zip(rows, envelopes, strict=True):
        event = env.payload()  # a valid event of its contract, subject = its aggregate id
        assert (env.type, env.source) == (r.event_type, "attendance")
        assert (r.topic, r.key, r.bucket) == (env.topic, env.subject, bucket_of(env.subject))
        assert r.headers["event_id"] == str(env.event_id) and r.headers["event_type"] == env.type
        assert env.correlation_id == env.event_id and env.causation_id is None
        assert type(event).TYPE == env.type
    events = [e.payload() for e in envelopes]
    absences = {e.booking_id: e for e in events if isinstance(e, AbsenceRecorded)}
    assert {b: a.consecutive_absences for b, a in absences.items()} == {
        runs[0].booking_id: 1, runs[1].booking_id: 2, lone.booking_id: 1, solo.booking_id: 1,
    }  # fmt: skip
    assert absences[solo.booking_id].enrollment_id is None
    assert all(a.marked_by == "system" and not a.corrects_previous_mark for a in absences.values())
    warned = [e for e in events if isinstance(e, MenteeWarned)]
    assert sorted((w.enrollment_id, w.booking_id) for w in warned) == sorted(
        [(two.enrollment_id, runs[0].booking_id), (one.enrollment_id, lone.booking_id)]
    )
    [reprobated] = [e for e in events if isinstance(e, MenteeReprobated)]
    assert reprobated.absent_booking_ids == [s.booking_id for s in runs]
    assert reprobated.cycle == two.cycle and reprobated.mentee == two.mentee
    # per enrollment (one key, one bucket), the warning is published before the reprobation
    order = [e.type for e in envelopes if e.subject == str(two.enrollment_id)]
    assert order == ["MenteeWarned", "MenteeReprobated"]

    mails = await att.rows("SELECT recipient, template, params FROM email_outbox")
    assert sorted((m.template, m.recipient) for m in mails) == sorted(
        [
            ("warning_mentee", two.mentee.email), ("warning_mentor", two.mentor.email),
            ("reprobation_mentee", two.mentee.email), ("reprobation_mentor", two.mentor.email),
            ("warning_mentee", one.mentee.email), ("warning_mentor", one.mentor.email),
        ]
    )  # fmt: skip
    assert {m.params["absences"] for m in mails if m.template.startswith("reprobation")} == {"2"}
    standings = await att.rows("SELECT enrollment_id, status, streak, absences FROM standings")
    assert {(r.enrollment_id, r.status, r.streak, r.absences) for r in standings} == {
        (two.enrollment_id, "reprobated", 2, 2), (one.enrollment_id, "warned", 1, 1),
    }  # fmt: skip


async def test_a_batch_failing_midway_writes_nothing_and_the_next_sweep_does_it_once(
    att: Att,
) -> None:
    """Queuing the mails fails after the batch marked, audited and judged: marks, audit
    rows, notices, standings and events all roll back; the next sweep does it all once."""
    p = Programme(mentor(), mentee())
    sessions = [p.session(i) for i in range(2)]
    for s in sessions:
        await att.deliver(s)
    async with att.service.engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION refuse_mail() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'SMTP queue on fire'; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER refuse_mail BEFORE INSERT ON email_outbox"
                " FOR EACH STATEMENT EXECUTE FUNCTION refuse_mail()"
            )
        )
    with pytest.raises(Exception, match="SMTP queue on fire"):
        await _absent_after(att, sessions[1])
    for table in ("outbox", "attendance_audit", "notices", "email_outbox"):
        assert await att.rows(f"SELECT 1 FROM {table}") == [], table
    assert [r.attended for r in await att.rows("SELECT attended FROM sessions")] == [None, None]
    [standing] = await att.rows("SELECT status, absences FROM standings")
    assert (standing.status, standing.absences) == ("active", 0)

    async with att.service.engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER refuse_mail ON email_outbox"))
    assert await sweep(att.uows, att.ctx) == 2
    assert await sweep(att.uows, att.ctx) == 0
    types = Counter(r.event_type for r in await att.rows("SELECT event_type FROM outbox"))
    assert types == {"AbsenceRecorded": 2, "MenteeWarned": 1, "MenteeReprobated": 1}
    assert len(await att.rows("SELECT 1 FROM attendance_audit")) == 2
    assert len(await att.rows("SELECT 1 FROM email_outbox")) == 4


async def test_one_sweeper_with_batches_in_flight_marks_each_session_once(
    fresh_database: str, keypair: tuple[bytes, bytes], smtp_sink: SmtpSink
) -> None:
    """SWEEP_CONCURRENCY batches at once in one process: disjoint claims, every session
    marked and announced once, one warning and one reprobation per enrollment."""
    clock = Clock()
    a = await open_att(
        fresh_database, keypair, smtp_sink.port or 0, clock,
        SWEEP_BATCH_SIZE=5, SWEEP_CONCURRENCY=3,
    )  # fmt: skip
    try:
        programmes = [Programme(mentor(), mentee()) for _ in range(20)]
        for p in programmes:
            for week in range(2):
                await a.deliver(p.session(week))
        clock.now = programmes[0].session(2).starts_at
        assert await sweep(a.uows, a.ctx) == 40
        assert await sweep(a.uows, a.ctx) == 0
        audit = await a.rows("SELECT booking_id FROM attendance_audit")
        assert len(audit) == len({r.booking_id for r in audit}) == 40
        absences = await a.outbox("AbsenceRecorded")
        assert len({x["booking_id"] for x in absences}) == len(absences) == 40
        assert Counter(x["consecutive_absences"] for x in absences) == {1: 20, 2: 20}
        for kind in ("MenteeWarned", "MenteeReprobated"):
            assert Counter(r["enrollment_id"] for r in await a.outbox(kind)) == Counter(
                {str(p.enrollment_id): 1 for p in programmes}
            ), kind
        assert len(await a.rows("SELECT 1 FROM email_outbox")) == 80
    finally:
        await a.client.aclose()
        await a.service.engine.dispose()
