"""The sentences that depend on the facts (who cancelled and why, what brought a session
back, how long until it starts). They are built here, as plain strings, rather than in a
shared template of macros: a macro compiled without autoescaping would put a person's name
into the HTML body unescaped, while a string passed to the template is escaped there."""

from __future__ import annotations

from datetime import datetime

from kairos_platform.mail_templates import ReaderClock

MENTOR = "mentor"
MENTEE = "mentee"


def _other(role: str, other_name: str | None) -> str:
    """The other participant, by name when known ("Ana", "your mentor", "your mentee")."""
    if other_name:
        return other_name
    return "your mentee" if role == MENTOR else "your mentor"


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def with_whom(role: str, other_name: str | None) -> str:
    """ "with your mentor Ana" / "with Ana, your mentee" in plain words."""
    part = "mentee" if role == MENTOR else "mentor"
    if other_name:
        return f"with {other_name} (your {part})"
    return f"with your {part}"


def when(clock: ReaderClock, starts_at: datetime, ends_at: datetime | None, role: str) -> str:
    """The session on the reader's clock, the zone named, and on the provider's when that
    reads differently ("... 10:00 AM - 11:00 AM (America/New_York) — 4:00 PM - 5:00 PM in
    Europe/Madrid, the mentor's time")."""
    whose = "your own schedule's time" if role == MENTOR else "the mentor's time"
    return clock.when(starts_at, ends_at, whose=whose)


def cancelled_because(reason: str | None, role: str, other_name: str | None) -> str:
    """Who cancelled the session and why, for the reader."""
    other = _other(role, other_name)
    mentor_reads = role == MENTOR
    match reason:
        case "by_mentee":
            if mentor_reads:
                return f"{_cap(other)} cancelled this session."
            return "You cancelled this session."
        case "by_mentor":
            if mentor_reads:
                return "You cancelled this session."
            return f"{_cap(other)} cancelled this session."
        case "by_admin":
            return "The Kairos team cancelled this session."
        case "unsubscribed":
            if mentor_reads:
                return (
                    f"{_cap(other)} unsubscribed from your mentorship, so their upcoming "
                    "sessions were cancelled."
                )
            return "You unsubscribed from this mentorship, so its upcoming sessions were cancelled."
        case "reprobated":
            if mentor_reads:
                return (
                    f"{_cap(other)} missed two sessions in a row, so the remaining sessions of "
                    "this cycle were cancelled."
                )
            return (
                "After two absences in a row, the remaining sessions of this cycle were cancelled."
            )
        case "provider_inactive":
            if mentor_reads:
                return "Your mentor account is no longer active, so this session was cancelled."
            return f"{_cap(other)} is no longer taking sessions, so this session was cancelled."
        case "offering_gone":
            return "The offering this session belonged to was withdrawn, so it was cancelled."
        case _:
            return "This session was cancelled."


def restored_because(cause: str | None, role: str, other_name: str | None) -> str:
    """What brought a cancelled session back."""
    other = _other(role, other_name)
    mentor_reads = role == MENTOR
    match cause:
        case "unsubscribe_undone":
            if mentor_reads:
                return f"{_cap(other)} took back their unsubscription, so this session is on again."
            return "You took back your unsubscription, so this session is on again."
        case "reactivation":
            if mentor_reads:
                return "Your mentor account is active again, so this session is on again."
            return f"{_cap(other)} is taking sessions again, so this session is on again."
        case _:
            return "This session, cancelled before, is on again."


def lead(minutes_before: int | None) -> str:
    """How long until the session starts: "in 24 hours", "in 1 hour", "in 30 minutes"."""
    if minutes_before is None or minutes_before <= 0:
        return "soon"
    if minutes_before % 60 == 0:
        hours = minutes_before // 60
        return f"in {hours} hour{'' if hours == 1 else 's'}"
    return f"in {minutes_before} minute{'' if minutes_before == 1 else 's'}"
