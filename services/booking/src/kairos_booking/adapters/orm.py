"""The booking database's tables (this service's own database, nobody else's)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from kairos_platform.messaging.tables import MessagingTables
from kairos_platform.ping import PingTables

metadata = MetaData()
messaging = MessagingTables(metadata)
pings = PingTables(metadata)


def _at(name: str, nullable: bool = False) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


def _created() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


providers = Table(
    "providers",
    metadata,
    Column("provider_id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("email", Text),
    Column("time_zone", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    _created(),
)

offerings = Table(
    "offerings",
    metadata,
    Column("offering_id", UUID(as_uuid=True), primary_key=True),
    Column("provider_id", UUID(as_uuid=True), ForeignKey("providers.provider_id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("duration_min", SmallInteger, nullable=False),
    Column("price_minor", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("price_in_credits", Integer),
    Column("capacity", Integer, nullable=False),
    Column("buffer_before_min", SmallInteger, nullable=False),
    Column("buffer_after_min", SmallInteger, nullable=False),
    Column("min_notice_min", Integer, nullable=False),
    Column("horizon_days", SmallInteger, nullable=False),
    Column("refund_full_hours_before", Integer, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    _created(),
    CheckConstraint("duration_min BETWEEN 15 AND 180", name="ck_offerings_duration"),
    CheckConstraint("capacity >= 1", name="ck_offerings_capacity"),
    Index("ix_offerings_provider", "provider_id"),
)

# Weekly hours in the provider's zone: minutes since local midnight, [start, end).
weekly_hours = Table(
    "weekly_hours",
    metadata,
    Column("provider_id", UUID(as_uuid=True), ForeignKey("providers.provider_id"), nullable=False),
    Column("weekday", SmallInteger, nullable=False),
    Column("start_min", SmallInteger, nullable=False),
    Column("end_min", SmallInteger, nullable=False),
    PrimaryKeyConstraint("provider_id", "weekday", "start_min", name="pk_weekly_hours"),
)

date_overrides = Table(
    "date_overrides",
    metadata,
    Column("provider_id", UUID(as_uuid=True), ForeignKey("providers.provider_id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("kind", Text, nullable=False),
    Column("ranges", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    PrimaryKeyConstraint("provider_id", "day", name="pk_date_overrides"),
)

# One row per occurrence (offering, start) that ever had a seat taken. ``taken`` counts
# confirmed bookings plus holds not yet ended; it only moves through conditional UPDATEs
# (``taken < capacity``), so concurrent takers serialise on this row and never oversell.
slot_seats = Table(
    "slot_seats",
    metadata,
    Column("offering_id", UUID(as_uuid=True), ForeignKey("offerings.offering_id"), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("block_start", DateTime(timezone=True), nullable=False),
    Column("block_end", DateTime(timezone=True), nullable=False),
    Column("taken", Integer, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("offering_id", "starts_at", name="pk_slot_seats"),
    CheckConstraint("taken >= 0", name="ck_slot_seats_taken"),
    Index("ix_slot_seats_provider_block", "provider_id", "block_start"),
)

people = Table(
    "people",
    metadata,
    Column("user_id", UUID(as_uuid=True), primary_key=True),
    Column("email", Text),
    Column("display_name", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

holds = Table(
    "holds",
    metadata,
    Column("hold_id", UUID(as_uuid=True), primary_key=True),
    Column("offering_id", UUID(as_uuid=True), ForeignKey("offerings.offering_id"), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("mentee_id", UUID(as_uuid=True), nullable=False),
    _at("starts_at"),
    _at("ends_at"),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("price_in_credits", Integer),
    _at("expires_at"),
    Column("status", Text, nullable=False),
    Column("payment_id", UUID(as_uuid=True)),
    _at("ended_at", nullable=True),
    _created(),
    # One mentee cannot stack live holds on one slot.
    Index(
        "ux_holds_one_live_per_mentee",
        "offering_id",
        "starts_at",
        "mentee_id",
        unique=True,
        postgresql_where=text("status = 'held'"),
    ),
    Index("ix_holds_due", "expires_at", postgresql_where=text("status = 'held'")),
)

# Every verified payment booking has decided on, once: 'booked' or 'rejected'. A booking
# row must reference one (FK), and the insert trigger (migration 0002) demands that the
# inserting transaction declared that same payment: only the PaymentVerified handler does.
payment_decisions = Table(
    "payment_decisions",
    metadata,
    Column("payment_id", UUID(as_uuid=True), primary_key=True),
    Column("outcome", Text, nullable=False),
    Column("reason", Text),
    Column("booking_id", UUID(as_uuid=True)),
    _created(),
)

bookings = Table(
    "bookings",
    metadata,
    Column("booking_id", UUID(as_uuid=True), primary_key=True),
    Column("offering_id", UUID(as_uuid=True), ForeignKey("offerings.offering_id"), nullable=False),
    Column("provider_id", UUID(as_uuid=True), nullable=False),
    Column("mentee_id", UUID(as_uuid=True), nullable=False),
    _at("starts_at"),
    _at("ends_at"),
    Column(
        "payment_id",
        UUID(as_uuid=True),
        ForeignKey("payment_decisions.payment_id"),
        nullable=False,
        unique=True,
    ),
    Column("payment_method", Text, nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("hold_id", UUID(as_uuid=True)),
    Column("status", Text, nullable=False),
    Column("sequence", Integer, nullable=False, server_default=text("0")),
    _at("cancelled_at", nullable=True),
    Column("cancelled_by", Text),
    Column("cancel_reason", Text),
    Column("cancel_note", Text),
    Column("refund_amount_minor", Integer),
    _created(),
    Index("ix_bookings_mentee_start", "mentee_id", "starts_at"),
    Index("ix_bookings_provider_start", "provider_id", "starts_at"),
    Index("ix_bookings_occurrence", "offering_id", "starts_at"),
)
