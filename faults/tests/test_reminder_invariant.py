"""The fault run's reminder invariant over fabricated rows and Maildir messages (no
database, no stack): it flags a reminder for a cancelled session, a reminder at a sequence
a reschedule had replaced and one reminder under two Message-IDs; it notes the same
Message-ID delivered twice; it passes a clean set; a normal-length run without reminders
is vacuous."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kairos_e2e.faults import invariants as inv
from kairos_e2e.faults.invariants import Projected, ReminderSent, Step, judge_reminders

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
START = T0 + timedelta(days=3)
LATER = START + timedelta(hours=2)
WHO = "0123456789ab"


def key(booking: uuid.UUID, sequence: int, minutes: int, who: str = WHO) -> str:
    return f"{booking}.{sequence}.reminder{minutes}.{who}"


def sent(k: str, at: datetime, where: str = "maildir") -> ReminderSent:
    return ReminderSent(k, at, where)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def world() -> tuple[dict[uuid.UUID, list[Step]], dict[uuid.UUID, Projected], list[uuid.UUID]]:
    """Three bookings: kept (seq 1), cancelled at t=100 (seq 2), moved at t=50 (seq 2)."""
    kept, cancelled, moved = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    history = {
        kept: [Step(1, "BookingConfirmed", START, at(0))],
        cancelled: [
            Step(1, "BookingConfirmed", START, at(0)),
            Step(2, "BookingCancelled", START, at(100)),
        ],
        moved: [
            Step(1, "BookingConfirmed", START, at(0)),
            Step(2, "BookingRescheduled", LATER, at(50)),
        ],
    }
    projection = {
        kept: Projected(1, "confirmed", at(0)),
        cancelled: Projected(2, "cancelled", at(100)),
        moved: Projected(2, "confirmed", at(50)),
    }
    return history, projection, [kept, cancelled, moved]


def clean() -> tuple[list[ReminderSent], dict[uuid.UUID, list[Step]], dict[uuid.UUID, Projected]]:
    history, projection, (kept, cancelled, moved) = world()
    mails = [
        sent(key(kept, 1, 1440), at(10)),
        sent(key(kept, 1, 1440), at(10.2), "email_outbox"),  # the mark, after the SMTP accept
        sent(key(kept, 1, 60), at(200)),
        sent(key(cancelled, 1, 1440), at(90)),  # went before the cancellation
        sent(key(moved, 1, 1440), at(40)),  # the old time's, before the move
        sent(key(moved, 2, 1440), at(300)),  # the new time's
    ]
    return mails, history, projection


def test_a_clean_set_passes_and_counts_its_reminders() -> None:
    mails, history, projection = clean()
    got = judge_reminders(mails, history, projection, expect_some=True)
    assert got.ok, got.line()
    assert got.checked == 5 and not got.notes, got.line()
    assert got.name == inv.REMINDER_CHECK


def test_a_reminder_for_a_cancelled_session_is_a_violation() -> None:
    mails, history, projection = clean()
    cancelled = list(history)[1]
    mails.append(sent(key(cancelled, 1, 60), at(160)))  # a minute after the cancellation
    got = judge_reminders(mails, history, projection)
    assert not got.ok
    assert len(got.problems) == 1 and "BookingCancelled (seq 2) was applied" in got.problems[0]
    # marked sent by calendar-sync after the cancellation: the same
    mails[-1] = sent(key(cancelled, 1, 60), at(160), "email_outbox")
    assert not judge_reminders(mails, history, projection).ok
    # a reminder carrying the cancellation's own sequence
    mails[-1] = sent(key(cancelled, 2, 60), at(20))
    got = judge_reminders(mails, history, projection)
    assert not got.ok and "for a cancelled session (seq 2)" in got.problems[0], got.line()


def test_a_reminder_of_a_time_replaced_by_a_reschedule_is_a_violation() -> None:
    mails, history, projection = clean()
    moved = list(history)[2]
    mails.append(sent(key(moved, 1, 60), at(55)))
    got = judge_reminders(mails, history, projection)
    assert not got.ok and "BookingRescheduled (seq 2)" in got.problems[0], got.line()


def test_without_the_events_the_projection_bounds_it() -> None:
    mails, history, projection = clean()
    cancelled = list(history)[1]
    mails.append(sent(key(cancelled, 1, 60), at(160)))
    history.pop(cancelled)  # booking's outbox purged
    got = judge_reminders(mails, history, projection)
    assert not got.ok and "seq 2 (cancelled)" in got.problems[0], got.line()


def test_within_the_commit_skew_is_a_note() -> None:
    mails, history, projection = clean()
    cancelled = list(history)[1]
    mails.append(sent(key(cancelled, 1, 60), at(100.4)))
    got = judge_reminders(mails, history, projection)
    assert got.ok and "0.400s after BookingCancelled" in got.notes[0], got.line()


def test_one_reminder_twice_is_a_violation_the_same_message_id_twice_a_note() -> None:
    mails, history, projection = clean()
    kept = next(iter(history))
    # the same Message-ID delivered again (the mail job's at-least-once window): a note
    mails.append(sent(key(kept, 1, 60), at(201)))
    got = judge_reminders(mails, history, projection)
    assert got.ok and "delivered 2 times" in got.notes[0], got.line()
    # the same reminder (booking, recipient, 60 min, same start) under a second Message-ID
    history[kept].append(Step(2, "BookingRestored", START, at(250)))
    projection[kept] = Projected(2, "confirmed", at(250))
    mails.append(sent(key(kept, 2, 60), at(260)))
    got = judge_reminders(mails, history, projection)
    assert not got.ok
    assert any("under 2 Message-IDs" in p for p in got.problems), got.line()
    # another recipient's is another reminder
    mails[-1] = sent(key(kept, 2, 60, "ba9876543210"), at(260))
    assert judge_reminders(mails, history, projection).ok


def test_a_normal_length_run_without_reminders_is_vacuous() -> None:
    history, projection, _ = world()
    got = judge_reminders([], history, projection, expect_some=True)
    assert not got.ok and "vacuous" in got.problems[0]
    assert judge_reminders([], history, projection).ok  # a short run need not have any


def test_the_maildir_is_read_by_message_id_and_file_time(tmp_path: Path) -> None:
    booking = uuid.uuid4()
    (tmp_path / "new").mkdir()
    (tmp_path / "cur").mkdir()
    mid = f"<{key(booking, 3, 60)}@kairos>"
    (tmp_path / "new" / "a").write_bytes(f"Message-ID: {mid}\r\nSubject: r\r\n\r\nx\r\n".encode())
    (tmp_path / "cur" / "b").write_bytes(b"Message-ID: <receipt.x.y@kairos>\r\n\r\nx\r\n")
    (found,) = inv.maildir_reminders(str(tmp_path))
    assert found.key == key(booking, 3, 60) and found.where == "maildir"
    assert found.parts == (booking, 3, 60, WHO)
    assert abs((found.at - datetime.now(UTC)).total_seconds()) < 60
