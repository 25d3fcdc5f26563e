"""What every service's ``adapters/orm.py`` builds its tables with: the tables every
service has (:func:`service_tables`) and the column helpers.

Each says what the column is (a UUID, a point in time, a time the database stamps) and
nothing the table should decide: whether a point in time may be missing is always said
where the column is declared (``nullable=``), never a default that differs by service.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Column, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from kairos_platform.idempotency import idempotency_table
from kairos_platform.messaging.tables import MessagingTables
from kairos_platform.ping import PingTables


class ServiceTables(NamedTuple):
    metadata: MetaData
    #: outbox, outbox_bucket, inbox
    messaging: MessagingTables
    #: Idempotency-Key answers kept per user (kairos_platform.idempotency)
    idempotency_keys: Table
    pings: PingTables


def service_tables() -> ServiceTables:
    """A service's own MetaData, holding the tables every service has; the service adds
    its tables to ``metadata``."""
    metadata = MetaData()
    messaging = MessagingTables(metadata)
    return ServiceTables(metadata, messaging, idempotency_table(metadata), PingTables(metadata))


def uuid_column(name: str, *args: Any, **kw: Any) -> Column[Any]:
    """A ``uuid`` column read as :class:`uuid.UUID` (``args``: a ForeignKey, say)."""
    return Column(name, UUID(as_uuid=True), *args, **kw)


def timestamp(name: str, *, nullable: bool, **kw: Any) -> Column[Any]:
    """A ``timestamptz`` column."""
    return Column(name, DateTime(timezone=True), nullable=nullable, **kw)


def stamped(name: str, *, nullable: bool = False) -> Column[Any]:
    """A ``timestamptz`` column the database fills with ``now()`` when a row is inserted
    without it (``created_at``, ``updated_at``, a queue's ``retry_at``)."""
    return Column(name, DateTime(timezone=True), nullable=nullable, server_default=func.now())


def party_columns() -> list[Column[Any]]:
    """A booking's two people as its Booking* events carry them, for the services that
    project bookings: the mentor's and the mentee's user id, address and name."""
    return [
        uuid_column("provider_user_id", nullable=False),
        Column("provider_email", Text),
        Column("provider_name", Text),
        uuid_column("mentee_user_id", nullable=False),
        Column("mentee_email", Text),
        Column("mentee_name", Text),
    ]
