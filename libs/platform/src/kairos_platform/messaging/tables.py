"""The messaging tables every service database has (outbox, its buckets, inbox).

Each service has its own MetaData (its own database); these are attached to it so that
Alembic sees them with the service's own tables.
"""

from __future__ import annotations

import zlib

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
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

# Relays claim whole buckets (hash of the Kafka key), never single rows: a key's rows all
# live in one bucket, and one relay at a time owns a bucket, so per-key order survives
# several relays running at once.
OUTBOX_BUCKETS = 64
OUTBOX_CHANNEL = "kairos_outbox"


def bucket_of(key: str) -> int:
    return zlib.crc32(key.encode()) % OUTBOX_BUCKETS


class MessagingTables:
    def __init__(self, metadata: MetaData) -> None:
        self.outbox = Table(
            "outbox",
            metadata,
            Column("id", BigInteger, primary_key=True, autoincrement=True),
            Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
            Column("topic", Text, nullable=False),
            Column("key", Text, nullable=False),
            Column("bucket", SmallInteger, nullable=False),
            Column("event_type", Text, nullable=False),
            Column("payload", JSONB, nullable=False),
            Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
            Column(
                "created_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            Column("sent_at", DateTime(timezone=True), nullable=True),
            Index(
                "ix_outbox_unsent",
                "bucket",
                "id",
                postgresql_where=text("sent_at IS NULL"),
            ),
        )
        self.outbox_bucket = Table(
            "outbox_bucket",
            metadata,
            Column("bucket", SmallInteger, primary_key=True, autoincrement=False),
        )
        self.inbox = Table(
            "inbox",
            metadata,
            Column("consumer", Text, nullable=False),
            Column("event_id", UUID(as_uuid=True), nullable=False),
            Column("event_type", Text, nullable=False),
            Column("outcome", Text, nullable=False, server_default=text("'handled'")),
            Column(
                "received_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
        )
        # What the consumer parked on <topic>.dlq, kept beside its ``dead_lettered`` inbox
        # claim (same transaction) so that an operator can list and re-drive it
        # (``kairos_platform.dead_letters``) without reading the DLQ topics back: the
        # record outlives the topic's retention and the outbox's purge.
        self.dead_letters = Table(
            "dead_letters",
            metadata,
            Column("consumer", Text, nullable=False),
            Column("event_id", UUID(as_uuid=True), nullable=False),
            Column("event_type", Text, nullable=True),
            Column("topic", Text, nullable=False),
            Column("partition", Integer, nullable=False),
            Column("offset", BigInteger, nullable=False),
            Column("key", Text, nullable=True),
            Column("error", Text, nullable=False),
            Column("attempts", Integer, nullable=False),
            # the record's value as text (its JSON envelope), or None when not UTF-8
            Column("original", Text, nullable=True),
            Column(
                "dead_lettered_at",
                DateTime(timezone=True),
                nullable=False,
                server_default=func.now(),
            ),
            Column("redriven_at", DateTime(timezone=True), nullable=True),
            PrimaryKeyConstraint("consumer", "event_id", name="pk_dead_letters"),
        )
