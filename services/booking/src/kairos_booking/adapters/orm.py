"""The booking database's tables (this service's own database, nobody else's)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from kairos_platform.orm import service_tables, stamped, timestamp, uuid_column

metadata, messaging, idempotency_keys, pings = service_tables()


providers = Table(
    "providers",
    metadata,
    uuid_column("provider_id", primary_key=True),
    uuid_column("user_id", nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("email", Text),
    Column("time_zone", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    stamped("created_at"),
)

offerings = Table(
    "offerings",
    metadata,
    uuid_column("offering_id", primary_key=True),
    uuid_column("provider_id", ForeignKey("providers.provider_id"), nullable=False),
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
    # recurring offerings (migration 0003): kind, weekly pattern [[weekday, minute], ...],
    # and the version OfferingPublished carries (grows with each change)
    Column("kind", Text, nullable=False, server_default=text("'one_time'")),
    Column("pattern", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("version", Integer, nullable=False, server_default=text("0")),
    Column("meeting_url", Text),  # migration 0005
    # minutes before a session its reminders go out, earliest first (migration 0008)
    Column(
        "reminder_minutes_before",
        JSONB,
        nullable=False,
        server_default=text("'[1440, 60]'::jsonb"),
    ),
    stamped("created_at"),
    CheckConstraint("duration_min BETWEEN 15 AND 180", name="ck_offerings_duration"),
    CheckConstraint("capacity >= 1", name="ck_offerings_capacity"),
    Index("ix_offerings_provider", "provider_id"),
)

# Weekly hours in the provider's zone: minutes since local midnight, [start, end).
weekly_hours = Table(
    "weekly_hours",
    metadata,
    uuid_column("provider_id", ForeignKey("providers.provider_id"), nullable=False),
    Column("weekday", SmallInteger, nullable=False),
    Column("start_min", SmallInteger, nullable=False),
    Column("end_min", SmallInteger, nullable=False),
    PrimaryKeyConstraint("provider_id", "weekday", "start_min", name="pk_weekly_hours"),
)

date_overrides = Table(
    "date_overrides",
    metadata,
    uuid_column("provider_id", ForeignKey("providers.provider_id"), nullable=False),
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
    uuid_column("offering_id", ForeignKey("offerings.offering_id"), nullable=False),
    timestamp("starts_at", nullable=False),
    uuid_column("provider_id", nullable=False),
    timestamp("ends_at", nullable=False),
    timestamp("block_start", nullable=False),
    timestamp("block_end", nullable=False),
    Column("taken", Integer, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("offering_id", "starts_at", name="pk_slot_seats"),
    CheckConstraint("taken >= 0", name="ck_slot_seats_taken"),
    Index("ix_slot_seats_provider_block", "provider_id", "block_start"),
)

people = Table(
    "people",
    metadata,
    uuid_column("user_id", primary_key=True),
    Column("email", Text),
    Column("display_name", Text),
    stamped("updated_at"),
)

holds = Table(
    "holds",
    metadata,
    uuid_column("hold_id", primary_key=True),
    uuid_column("offering_id", ForeignKey("offerings.offering_id"), nullable=False),
    uuid_column("provider_id", nullable=False),
    uuid_column("mentee_id", nullable=False),
    timestamp("starts_at", nullable=False),
    timestamp("ends_at", nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("price_in_credits", Integer),
    timestamp("expires_at", nullable=False),
    Column("status", Text, nullable=False),
    uuid_column("payment_id"),
    timestamp("ended_at", nullable=True),
    stamped("created_at"),
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
    uuid_column("payment_id", primary_key=True),
    Column("outcome", Text, nullable=False),
    Column("reason", Text),
    uuid_column("booking_id"),
    stamped("created_at"),
)

bookings = Table(
    "bookings",
    metadata,
    uuid_column("booking_id", primary_key=True),
    uuid_column("offering_id", ForeignKey("offerings.offering_id"), nullable=False),
    uuid_column("provider_id", nullable=False),
    uuid_column("mentee_id", nullable=False),
    timestamp("starts_at", nullable=False),
    timestamp("ends_at", nullable=False),
    # one booking per one-time payment; a subscription cycle's payment pays for all the
    # cycle's sessions (ux_bookings_one_per_payment below)
    uuid_column("payment_id", ForeignKey("payment_decisions.payment_id"), nullable=False),
    Column("payment_method", Text, nullable=False),
    Column("amount_minor", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    uuid_column("hold_id"),
    Column("status", Text, nullable=False),
    Column("sequence", Integer, nullable=False, server_default=text("0")),
    timestamp("cancelled_at", nullable=True),
    Column("cancelled_by", Text),
    Column("cancel_reason", Text),
    Column("cancel_note", Text),
    Column("refund_amount_minor", Integer),
    # subscription sessions (migration 0003)
    uuid_column("enrollment_id"),
    uuid_column("subscription_id"),
    Column("cycle_number", Integer),
    timestamp("cycle_starts_at", nullable=True),
    timestamp("cycle_ends_at", nullable=True),
    Column("local_date", Date),
    stamped("created_at"),
    Index("ix_bookings_mentee_start", "mentee_id", "starts_at"),
    Index("ix_bookings_provider_start", "provider_id", "starts_at"),
    Index("ix_bookings_occurrence", "offering_id", "starts_at"),
    Index(
        "ux_bookings_one_per_payment",
        "payment_id",
        unique=True,
        postgresql_where=text("subscription_id IS NULL"),
    ),
    # one session per offering, mentee and date; a cancelled one keeps its row, so a
    # reactivation restores it by UPDATE (never a second row)
    Index(
        "ux_bookings_session_per_day",
        "offering_id",
        "mentee_id",
        "local_date",
        unique=True,
        postgresql_where=text("local_date IS NOT NULL"),
    ),
    Index("ix_bookings_enrollment", "enrollment_id", "starts_at"),
)

# One mentee's place in one recurring offering (unique per offering and mentee). Its id
# stays across cycles; ``subscription_id`` is the subscription paying for it now and
# ``unsubscribed_at`` the unsubscribe the next reactivation undoes.
enrollments = Table(
    "enrollments",
    metadata,
    uuid_column("enrollment_id", primary_key=True),
    uuid_column("offering_id", ForeignKey("offerings.offering_id"), nullable=False),
    uuid_column("provider_id", nullable=False),
    uuid_column("mentee_id", nullable=False),
    uuid_column("subscription_id", nullable=False),
    Column("status", Text, nullable=False),
    timestamp("unsubscribed_at", nullable=True),
    Column("unsubscribed_by", Text),
    Column("cycle_number", Integer),
    timestamp("cycle_starts_at", nullable=True),
    timestamp("cycle_ends_at", nullable=True),
    # set by MenteeReprobated, cleared by MenteeReactivated (migration 0004)
    timestamp("reprobated_at", nullable=True),
    stamped("created_at"),
    stamped("updated_at"),
    Index("ux_enrollments_offering_mentee", "offering_id", "mentee_id", unique=True),
    Index("ix_enrollments_mentee", "mentee_id"),
)

# Each paid cycle of a subscription, once: the same cycle paid again creates nothing more.
enrollment_cycles = Table(
    "enrollment_cycles",
    metadata,
    uuid_column("enrollment_id", nullable=False),
    uuid_column("subscription_id", nullable=False),
    Column("number", Integer, nullable=False),
    uuid_column("payment_id", nullable=False),
    timestamp("starts_at", nullable=False),
    timestamp("ends_at", nullable=False),
    Column("occurrences", Integer, nullable=False),
    stamped("created_at"),
    PrimaryKeyConstraint("enrollment_id", "subscription_id", "number", name="pk_enrollment_cycles"),
)

# Occurrences a paid cycle could not get (closed date, full, in the past) or a
# reactivation could not give back (seat taken meanwhile): never silently dropped.
# Each went out as BookingRejected(occurrence_unavailable) so payments gives credits.
occurrence_rejections = Table(
    "occurrence_rejections",
    metadata,
    uuid_column("rejection_id", primary_key=True),
    uuid_column("payment_id", nullable=False),
    uuid_column("enrollment_id", nullable=False),
    uuid_column("booking_id"),
    Column("local_date", Date, nullable=False),
    timestamp("starts_at", nullable=False),
    timestamp("ends_at", nullable=False),
    Column("detail", Text, nullable=False),
    Column("amount_minor", Integer, nullable=False),
    stamped("created_at"),
    Index("ix_occurrence_rejections_enrollment", "enrollment_id", "local_date"),
)
