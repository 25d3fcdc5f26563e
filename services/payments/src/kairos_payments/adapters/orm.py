"""The payments database's tables (this service's own database, nobody else's)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from kairos_platform.orm import service_tables, stamped, timestamp, uuid_column

metadata, messaging, idempotency_keys, pings = service_tables()


# Booking's holds as we learned them from HoldPlaced / HoldReleased / HoldExpired. The price
# comes from here, never from the client.
holds = Table(
    "holds",
    metadata,
    uuid_column("hold_id", primary_key=True),
    uuid_column("offering_id", nullable=False),
    uuid_column("mentee_id", nullable=False),
    timestamp("starts_at", nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("price_in_credits", Integer, nullable=True),
    timestamp("expires_at", nullable=False),
    Column("state", Text, nullable=False),
    stamped("updated_at"),
)

# One payment per hold (card or credits): the unique hold_id is what stops a second
# PaymentIntent for the same hold, concurrent checkouts included.
payments = Table(
    "payments",
    metadata,
    uuid_column("payment_id", primary_key=True),
    uuid_column("hold_id", nullable=False, unique=True),
    Column("method", Text, nullable=False),
    uuid_column("mentee_id", nullable=False),
    uuid_column("offering_id", nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("credits_spent", Integer, nullable=True),
    Column("status", Text, nullable=False),
    Column("stripe_payment_intent_id", Text, nullable=True, unique=True),
    uuid_column("booking_id", nullable=True),
    # Why a pending cancel was asked for (hold_expired / hold_released).
    Column("cancel_reason", Text, nullable=True),
    Column("refunded_minor", BigInteger, nullable=False, server_default=text("0")),
    # The last card refusal (the payment stays open for another card until its hold ends).
    Column("decline_code", Text, nullable=True),
    Column("decline_message", Text, nullable=True),
    Column("declined_charge", Text, nullable=True),
    # The payer's contact from their token at checkout (an admin paying for a mentee
    # leaves it empty): for the receipts of the payment's money events.
    Column("payer_email", Text, nullable=True),
    Column("payer_name", Text, nullable=True),
    # Whoever calls Stripe for this row owns it until then (replicas never call twice).
    timestamp("lease_until", nullable=True),
    stamped("created_at"),
    stamped("updated_at"),
    Index("ix_payments_status_updated", "status", "updated_at"),
    # a mentee's statement, newest first, page after page (GET /me/payments)
    Index("ix_payments_mentee_created", "mentee_id", "created_at", "payment_id"),
    # a booking's payment (GET /bookings/{booking_id}/payments)
    Index("ix_payments_booking", "booking_id"),
)

# Refunds after a capture (or of credits). refund_id is derived from its cause, so a
# replayed cause finds the same row.
refunds = Table(
    "refunds",
    metadata,
    uuid_column("refund_id", primary_key=True),
    uuid_column("payment_id", nullable=False, index=True),
    uuid_column("booking_id", nullable=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", Text, nullable=False),  # pending | succeeded
    Column("stripe_refund_id", Text, nullable=True),
    Column("credits_returned", Integer, nullable=True),
    timestamp("lease_until", nullable=True),
    stamped("created_at"),
    stamped("updated_at"),
    # a booking's refunds (GET /bookings/{booking_id}/payments)
    Index("ix_refunds_booking", "booking_id"),
)

credit_purchases = Table(
    "credit_purchases",
    metadata,
    uuid_column("purchase_id", primary_key=True),
    uuid_column("user_id", nullable=False, index=True),
    Column("pack", Text, nullable=False),
    Column("credits", Integer, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("status", Text, nullable=False),  # creating | open | credited | failed | cancelled
    Column("stripe_payment_intent_id", Text, nullable=True, unique=True),
    # The buyer's contact from their token: for the purchase's receipt.
    Column("payer_email", Text, nullable=True),
    Column("payer_name", Text, nullable=True),
    stamped("created_at"),
    stamped("updated_at"),
)

# The balance is a row updated with a conditional UPDATE (never below zero; the CHECK is
# the last line of defence), the ledger says why it moved.
credit_balances = Table(
    "credit_balances",
    metadata,
    uuid_column("user_id", primary_key=True),
    Column("balance", Integer, nullable=False),
    CheckConstraint("balance >= 0", name="ck_credit_balances_not_negative"),
)

credit_ledger = Table(
    "credit_ledger",
    metadata,
    Column("entry_id", BigInteger, primary_key=True, autoincrement=True),
    uuid_column("user_id", nullable=False),
    Column("delta", Integer, nullable=False),
    Column("balance_after", Integer, nullable=False),
    Column("reason", Text, nullable=False),  # purchase | payment | return
    uuid_column("reference", nullable=False),
    stamped("created_at"),
    # One entry per cause: a replayed purchase or return cannot count twice.
    UniqueConstraint("reason", "reference", name="uq_credit_ledger_cause"),
    Index("ix_credit_ledger_user", "user_id", "entry_id"),
)

# Every Stripe event id we acted on, once (webhook or reconciliation).
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("type", Text, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("object_id", Text, nullable=True),
    Column("via", Text, nullable=False),  # webhook | reconciliation
    stamped("received_at"),
)

# Reconciliation's cursor over Stripe's event list, leased by one replica at a time.
stripe_cursor = Table(
    "stripe_cursor",
    metadata,
    Column("name", Text, primary_key=True),
    Column("last_created", BigInteger, nullable=False, server_default=text("0")),
    timestamp("lease_until", nullable=True),
)

# Booking's offerings as OfferingPublished tells them (the latest version wins): the price
# a subscription is billed at comes from here, never from the client.
offerings = Table(
    "offerings",
    metadata,
    uuid_column("offering_id", primary_key=True),
    Column("version", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("price_in_credits", Integer, nullable=True),
    Column("interval", Text, nullable=True),
    Column("active", Boolean, nullable=False),
    stamped("updated_at"),
)

# One Stripe customer per user, made on the first subscription.
stripe_customers = Table(
    "stripe_customers",
    metadata,
    uuid_column("user_id", primary_key=True),
    Column("stripe_customer_id", Text, nullable=False, unique=True),
    stamped("created_at"),
)

# One row per (offering, mentee) while it is live (the partial unique index is what stops
# a second Stripe subscription, concurrent requests included); a failed attempt frees it.
subscriptions = Table(
    "subscriptions",
    metadata,
    uuid_column("subscription_id", primary_key=True),
    uuid_column("offering_id", nullable=False),
    uuid_column("mentee_id", nullable=False),
    Column("status", Text, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("stripe_plan_id", Text, nullable=False),
    Column("round", Integer, nullable=False, server_default=text("0")),
    Column("stripe_customer_id", Text, nullable=True),
    Column("stripe_subscription_id", Text, nullable=True, unique=True),
    Column("payment_method", Text, nullable=True),
    timestamp("unsubscribed_at", nullable=True),
    Column("cancelled_by", Text, nullable=True),
    Column("reactivated_by", Text, nullable=True),
    timestamp("current_period_start", nullable=True),
    timestamp("current_period_end", nullable=True),
    Column("mentee_email", Text, nullable=True),
    Column("mentee_name", Text, nullable=True),
    timestamp("lease_until", nullable=True),
    stamped("created_at"),
    stamped("updated_at"),
    Index(
        "uq_subscriptions_live",
        "offering_id",
        "mentee_id",
        unique=True,
        postgresql_where=text("status <> 'failed'"),
    ),
    Index("ix_subscriptions_mentee", "mentee_id"),
)

# One row per paid invoice: the unique invoice id is what makes PaymentVerified for a
# cycle happen once, whoever (webhook, reconciliation, subscribe) sees the invoice first.
subscription_cycles = Table(
    "subscription_cycles",
    metadata,
    Column("stripe_invoice_id", Text, primary_key=True),
    uuid_column("subscription_id", nullable=False),
    uuid_column("payment_id", nullable=False, unique=True),
    Column("number", Integer, nullable=False),
    timestamp("starts_at", nullable=False),
    timestamp("ends_at", nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("stripe_subscription_id", Text, nullable=False),
    stamped("created_at"),
    UniqueConstraint("subscription_id", "number", name="uq_subscription_cycles_number"),
)

# Which cycle paid a programme session, from BookingConfirmed (a one-time session's payment
# names its booking in payments.booking_id instead): how a booking's payment is found.
session_payments = Table(
    "session_payments",
    metadata,
    uuid_column("booking_id", primary_key=True),
    uuid_column("payment_id", nullable=False),
    stamped("created_at"),
)

SUBSCRIPTION_TABLES = ("offerings", "stripe_customers", "subscriptions", "subscription_cycles")

PAYMENT_TABLES = (
    "holds",
    "payments",
    "refunds",
    "credit_purchases",
    "credit_balances",
    "credit_ledger",
    "webhook_events",
    "stripe_cursor",
)
