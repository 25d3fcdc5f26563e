"""How the queued mails are stored: bodies and invitations compressed with lz4 (the
PostgreSQL the tests run is built with it), and a queued mail reads back whole."""

from __future__ import annotations

import uuid

from kairos_calendar_sync.adapters.mail_repository import NewMail
from kairos_calendar_sync.domain.mails.model import MailKind

from .conftest import Cal


async def test_mail_bodies_and_invitations_are_stored_with_lz4(cal: Cal) -> None:
    rows = await cal.rows(
        "SELECT attname, attcompression::text AS attcompression FROM pg_attribute "
        "WHERE attrelid = 'email_outbox'::regclass AND attname IN ('body_text', 'body_html', 'ics')"
    )
    assert {(r.attname, r.attcompression) for r in rows} == {
        ("body_text", "l"),
        ("body_html", "l"),
        ("ics", "l"),
    }
    html = "<p>" + "Your session starts soon. " * 400 + "</p>"  # large enough to compress
    ics = b"BEGIN:VCALENDAR\r\n" + b"RDATE:19770403T030000\r\n" * 300 + b"END:VCALENDAR\r\n"
    mail = NewMail(f"k.{uuid.uuid4()}", MailKind.REMINDER, "a@example.org", "s", "t", html, ics=ics)
    async with cal.uows() as uow:
        await uow.mails.add_many([mail])
        await uow.commit()
    [stored] = await cal.rows(
        "SELECT body_html, ics, pg_column_compression(body_html) AS method, "
        "pg_column_size(body_html) < octet_length(body_html) AS smaller "
        "FROM email_outbox WHERE mail_key = :key",
        key=mail.mail_key,
    )
    assert stored.body_html == html and bytes(stored.ics) == ics
    assert stored.method == "lz4" and stored.smaller
