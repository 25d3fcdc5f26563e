"""The calendar-sync database's tables (this service's own database, nobody else's)."""

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    text,
)

from kairos_platform.leased_queue import claim_index
from kairos_platform.orm import party_columns, service_tables, stamped, timestamp, uuid_column

metadata, messaging, idempotency_keys, pings = service_tables()


# Booking's bookings as we learned them from Booking* events. ``sequence`` is the highest
# seen; an event with a lower or equal one is stale and changes nothing.
bookings = Table(
    "bookings",
    metadata,
    uuid_column("booking_id", primary_key=True),
    Column("sequence", Integer, nullable=False),
    Column("status", Text, nullable=False),  # confirmed | cancelled
    Column("title", Text, nullable=False),
    timestamp("starts_at", nullable=False),
    timestamp("ends_at", nullable=False),
    Column("time_zone", Text, nullable=False),
    *party_columns(),
    Column("meeting_url", Text),
    # the offering's reminders (minutes before the start); NULL: the platform's default
    Column("reminder_minutes", ARRAY(Integer)),
    stamped("updated_at"),
    Index("ix_bookings_provider", "provider_user_id"),
    Index("ix_bookings_mentee", "mentee_user_id"),
)

# A user's calendar (CalDAV collection or Google calendar). ``secret`` is Fernet-sealed
# JSON (CalDAV username/password or Google OAuth tokens), never stored in clear.
connections = Table(
    "connections",
    metadata,
    uuid_column("connection_id", primary_key=True),
    uuid_column("user_id", nullable=False, index=True),
    Column("kind", Text, nullable=False),  # caldav | google
    Column("calendar_url", Text, nullable=False),  # CalDAV collection URL or Google calendar id
    Column("secret", LargeBinary, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'active'")),  # active | broken
    Column("failures", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    timestamp("last_error_at", nullable=True),
    # Backoff per connection: its entries wait until then after a failure.
    stamped("retry_at"),
    timestamp("last_synced_at", nullable=True),
    # Reconciliation takes a connection for a while; replicas skip it meanwhile.
    stamped("reconcile_at"),
    stamped("created_at"),
)

# One row per (booking, connection): what the calendar should show (desired_*), what we
# last wrote there (synced_*), and where (href/etag for CalDAV, event id for Google). The
# handler only writes desired_*; the sync worker does every network call.
calendar_entries = Table(
    "calendar_entries",
    metadata,
    uuid_column("booking_id", primary_key=True),
    uuid_column("connection_id", primary_key=True),
    uuid_column("user_id", nullable=False),
    Column("ical_uid", Text, nullable=False),
    Column("desired_sequence", Integer, nullable=False),
    Column("desired_status", Text, nullable=False),
    Column("synced_sequence", Integer),
    Column("synced_status", Text),
    Column("pending", Boolean, nullable=False, server_default=text("true")),
    Column("href", Text),
    Column("etag", Text),
    Column("external_id", Text),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    timestamp("lease_until", nullable=True),
    stamped("updated_at"),
    Index("ix_calendar_entries_pending", "pending", postgresql_where=text("pending")),
    Index("ix_calendar_entries_connection", "connection_id"),
)

# Every mail calendar-sync sends (confirmations with or without the .ics invitation,
# reminders, receipts), rendered when queued. ``mail_key`` says which mail it is (a booking's
# sequence and recipient, a reminder, a payment's receipt): it exists once however often
# the event or the reminder job comes, and it is the Message-ID, stable across a resend.
email_outbox = Table(
    "email_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mail_key", Text, nullable=False),
    Column("kind", Text, nullable=False),  # domain.mails.MailKind
    uuid_column("booking_id"),
    Column("sequence", Integer),
    uuid_column("user_id"),
    Column("recipient", Text, nullable=False),
    Column("method", Text),  # of the attached .ics: REQUEST | CANCEL; NULL: none attached
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("ics", LargeBinary),
    # one-click unsubscribe (RFC 8058) for this mail's topic; NULL for receipts
    Column("unsubscribe_url", Text),
    timestamp("sent_at", nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    stamped("retry_at"),
    timestamp("lease_until", nullable=True),
    stamped("created_at"),
    Index("uq_email_key", "mail_key", unique=True),
    Index("ix_email_outbox_unsent", "retry_at", postgresql_where=text("sent_at IS NULL")),
    Index("ix_email_outbox_booking", "booking_id", postgresql_where=text("sent_at IS NULL")),
)
claim_index(email_outbox)

# Private ICS feeds: only the SHA-256 of the token is stored (the URL is the secret).
feeds = Table(
    "feeds",
    metadata,
    Column("token_hash", Text, primary_key=True),
    uuid_column("user_id", nullable=False, index=True),
    stamped("created_at"),
    timestamp("revoked_at", nullable=True),
)

# What reconciliation found in calendars that Kairos did not put there (or lost).
calendar_drift = Table(
    "calendar_drift",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uuid_column("connection_id", nullable=False),
    uuid_column("booking_id"),
    Column("ical_uid", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("detail", Text),
    Column("action", Text, nullable=False),  # recreated | removed | rewritten
    stamped("found_at"),
)

# Whom we mail: the address and name last seen (booking's events, payments' events, the
# person's own token), and what the person chose: time zone, locale, topics unsubscribed.
# ``chosen_at``: set through the API; a token's zoneinfo/locale claims no longer override.
people = Table(
    "people",
    metadata,
    uuid_column("user_id", primary_key=True),
    Column("email", Text),
    Column("name", Text),
    Column("time_zone", Text),
    Column("locale", Text),
    timestamp("chosen_at", nullable=True),
    Column("unsubscribed", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    stamped("updated_at"),
)

# A reminder per live booking, participant and offset. The projection plans them in the
# event's transaction (a reschedule moves them, a cancellation deletes the unsent ones);
# the reminder job turns the due ones into mails in one transaction with
# ``queued_at``, so each is queued once whatever the replicas and the kills.
reminders = Table(
    "reminders",
    metadata,
    uuid_column("booking_id", primary_key=True),
    uuid_column("user_id", primary_key=True),
    Column("minutes_before", Integer, primary_key=True),
    Column("sequence", Integer, nullable=False),
    timestamp("starts_at", nullable=False),
    timestamp("due_at", nullable=False),
    timestamp("queued_at", nullable=True),
    # queued | started (the session began first) | unsubscribed | no_address
    Column("outcome", Text),
    Index("ix_reminders_due", "due_at", postgresql_where=text("queued_at IS NULL")),
)

CALENDAR_TABLES = (
    "bookings",
    "connections",
    "calendar_entries",
    "email_outbox",
    "feeds",
    "calendar_drift",
)

#: created by migration 0005 (0002 creates CALENDAR_TABLES)
MAIL_TABLES = ("people", "reminders")
