"""The calendar-sync database's tables (this service's own database, nobody else's)."""

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from kairos_platform.orm import service_tables, stamped, timestamp, uuid_column

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
    uuid_column("provider_user_id", nullable=False),
    Column("provider_email", Text),
    Column("provider_name", Text),
    uuid_column("mentee_user_id", nullable=False),
    Column("mentee_email", Text),
    Column("mentee_name", Text),
    Column("meeting_url", Text),
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

# Invitations for participants without a connected calendar. The unique key makes a mail
# for one (booking, sequence, recipient, method) exist once, however often the event comes.
email_outbox = Table(
    "email_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uuid_column("booking_id", nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("method", Text, nullable=False),  # REQUEST | CANCEL
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("ics", LargeBinary, nullable=False),
    timestamp("sent_at", nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    stamped("retry_at"),
    timestamp("lease_until", nullable=True),
    stamped("created_at"),
    UniqueConstraint("booking_id", "sequence", "recipient", "method", name="uq_email_once"),
    Index("ix_email_outbox_unsent", "retry_at", postgresql_where=text("sent_at IS NULL")),
)

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

CALENDAR_TABLES = (
    "bookings",
    "connections",
    "calendar_entries",
    "email_outbox",
    "feeds",
    "calendar_drift",
)
