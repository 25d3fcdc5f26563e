"""The attendance database's tables (this service's own database, nobody else's)."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from kairos_platform.idempotency import idempotency_table
from kairos_platform.messaging.tables import MessagingTables
from kairos_platform.ping import PingTables

metadata = MetaData()
messaging = MessagingTables(metadata)
#: Idempotency-Key answers kept per user (kairos_platform.idempotency)
idempotency_keys = idempotency_table(metadata)
pings = PingTables(metadata)


def _at(name: str, nullable: bool = True) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


def _now(name: str) -> Column:
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


def _uuid(name: str, **kw: object) -> Column:
    return Column(name, UUID(as_uuid=True), **kw)  # type: ignore[arg-type]


# Booking's sessions as learned from Booking* events (highest ``sequence`` wins), plus the
# attendance mark, which is ours. ``attended`` is NULL until someone marks it.
sessions = Table(
    "sessions",
    metadata,
    _uuid("booking_id", primary_key=True),
    Column("sequence", Integer, nullable=False),
    Column("status", Text, nullable=False),  # confirmed | cancelled
    Column("cancel_reason", Text),
    _uuid("enrollment_id"),
    _uuid("subscription_id"),
    _uuid("offering_id", nullable=False),
    Column("title", Text, nullable=False),
    _uuid("provider_id", nullable=False),
    _uuid("provider_user_id", nullable=False),
    Column("provider_email", Text),
    Column("provider_name", Text),
    _uuid("mentee_user_id", nullable=False),
    Column("mentee_email", Text),
    Column("mentee_name", Text),
    Column("time_zone", Text, nullable=False),
    _at("starts_at", nullable=False),
    _at("ends_at", nullable=False),
    Column("meeting_url", Text),
    Column("cycle_number", Integer),
    _at("cycle_starts_at"),
    _at("cycle_ends_at"),
    Column("attended", Boolean),
    Column("marked_by", Text),  # system | mentor
    _uuid("marked_by_user_id"),
    _at("marked_at"),
    _now("updated_at"),
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
    _uuid("booking_id", nullable=False, index=True),
    Column("changed_by", Text, nullable=False),  # system | mentor | admin
    _uuid("changed_by_user_id"),
    _at("changed_at", nullable=False),
    Column("before", Boolean),
    Column("after", Boolean, nullable=False),
    Column("source", Text, nullable=False),  # join | sweep | mentor
)

# One row per enrollment: the mentee's standing with their mentor. Its row lock
# serialises every evaluation of the enrollment's rules.
standings = Table(
    "standings",
    metadata,
    _uuid("enrollment_id", primary_key=True),
    _uuid("subscription_id"),
    _uuid("offering_id", nullable=False),
    _uuid("provider_id", nullable=False),
    _uuid("provider_user_id", nullable=False),
    Column("provider_email", Text),
    Column("provider_name", Text),
    _uuid("mentee_user_id", nullable=False),
    Column("mentee_email", Text),
    Column("mentee_name", Text),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    Column("streak", Integer, nullable=False, server_default=text("0")),
    Column("absences", Integer, nullable=False, server_default=text("0")),
    _at("reprobated_at"),
    _at("reactivated_at"),
    _now("updated_at"),
    Index("ix_standings_provider", "provider_user_id", "mentee_name", "enrollment_id"),
)

# What was announced once: (enrollment, kind, key) -> inserted once, so a warning or a
# reprobation is emitted once however often the rules are evaluated.
notices = Table(
    "notices",
    metadata,
    _uuid("enrollment_id", primary_key=True),
    Column("kind", Text, primary_key=True),  # warned | reprobated | reactivated
    Column("key", Text, primary_key=True),  # the absence's booking id, or a timestamp
    _now("created_at"),
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
    _now("retry_at"),
    _at("lease_until"),
    _at("sent_at"),
    _now("created_at"),
    Index("ix_email_outbox_due", "retry_at", postgresql_where=text("sent_at IS NULL")),
)

ATTENDANCE_TABLES = ("sessions", "attendance_audit", "standings", "notices", "email_outbox")
