"""The attendance database's tables (this service's own database, nobody else's)."""

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from kairos_platform.leased_queue import claim_index
from kairos_platform.orm import party_columns, service_tables, stamped, timestamp, uuid_column

metadata, messaging, idempotency_keys, pings = service_tables()


# Booking's sessions as learned from Booking* events (highest ``sequence`` wins), plus the
# attendance mark, which is ours. ``attended`` is NULL until someone marks it.
sessions = Table(
    "sessions",
    metadata,
    uuid_column("booking_id", primary_key=True),
    Column("sequence", Integer, nullable=False),
    Column("status", Text, nullable=False),  # confirmed | cancelled
    Column("cancel_reason", Text),
    uuid_column("enrollment_id"),
    uuid_column("subscription_id"),
    uuid_column("offering_id", nullable=False),
    Column("title", Text, nullable=False),
    uuid_column("provider_id", nullable=False),
    *party_columns(),
    Column("time_zone", Text, nullable=False),
    timestamp("starts_at", nullable=False),
    timestamp("ends_at", nullable=False),
    Column("meeting_url", Text),
    Column("cycle_number", Integer),
    timestamp("cycle_starts_at", nullable=True),
    timestamp("cycle_ends_at", nullable=True),
    Column("attended", Boolean),
    Column("marked_by", Text),  # system | mentor
    uuid_column("marked_by_user_id"),
    timestamp("marked_at", nullable=True),
    stamped("updated_at"),
    Index("ix_sessions_enrollment", "enrollment_id", "starts_at"),
    Index("ix_sessions_mentee", "mentee_user_id"),
    # the sweep's work list stays small: only live sessions nobody marked yet
    Index(
        "ix_sessions_unmarked",
        "ends_at",
        postgresql_where=text("attended IS NULL AND status = 'confirmed'"),
    ),
)

# Every change of a mark: who, when, before, after (never updated, never deleted).
attendance_audit = Table(
    "attendance_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    uuid_column("booking_id", nullable=False, index=True),
    Column("changed_by", Text, nullable=False),  # system | mentor | admin
    uuid_column("changed_by_user_id"),
    timestamp("changed_at", nullable=False),
    Column("before", Boolean),
    Column("after", Boolean, nullable=False),
    Column("source", Text, nullable=False),  # join | sweep | mentor
)

# One row per enrollment: the mentee's standing with their mentor. Its row lock
# serialises every evaluation of the enrollment's rules.
standings = Table(
    "standings",
    metadata,
    uuid_column("enrollment_id", primary_key=True),
    uuid_column("subscription_id"),
    uuid_column("offering_id", nullable=False),
    uuid_column("provider_id", nullable=False),
    *party_columns(),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    Column("streak", Integer, nullable=False, server_default=text("0")),
    Column("absences", Integer, nullable=False, server_default=text("0")),
    timestamp("reprobated_at", nullable=True),
    timestamp("reactivated_at", nullable=True),
    stamped("updated_at"),
    Index("ix_standings_provider", "provider_user_id", "mentee_name", "enrollment_id"),
)

# What was announced once: (enrollment, kind, key) -> inserted once, so a warning or a
# reprobation is emitted once however often the rules are evaluated.
notices = Table(
    "notices",
    metadata,
    uuid_column("enrollment_id", primary_key=True),
    Column("kind", Text, primary_key=True),  # warned | reprobated | reactivated
    Column("key", Text, primary_key=True),  # the absence's booking id, or a timestamp
    stamped("created_at"),
)

# Mails waiting for SMTP, written in the transaction that decided them. ``dedupe_key`` =
# (enrollment, kind, occurrence, recipient): the same mail is never queued twice.
email_outbox = Table(
    "email_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", Text, nullable=False, unique=True),
    Column("recipient", Text, nullable=False),
    # rendered when sent (templates/), so queuing stays cheap (migration 0003)
    Column("template", Text, nullable=False),
    Column("params", JSONB, nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    stamped("retry_at"),
    timestamp("lease_until", nullable=True),
    timestamp("sent_at", nullable=True),
    stamped("created_at"),
    Index("ix_email_outbox_due", "retry_at", postgresql_where=text("sent_at IS NULL")),
)
claim_index(email_outbox)

ATTENDANCE_TABLES = ("sessions", "attendance_audit", "standings", "notices", "email_outbox")

# Each person's time zone and locale for mail, as calendar-sync announces them
# (MailPreferencesChanged; the latest changed_at wins). Created by migration 0006 only.
readers = Table(
    "readers",
    metadata,
    uuid_column("user_id", primary_key=True),
    Column("time_zone", Text),
    Column("locale", Text),
    timestamp("changed_at", nullable=False),
    stamped("updated_at"),
)
