"""Alembic, the same way for every service.

Each service keeps its own migration scripts (its own database), and their ``env.py`` is
two lines that call :func:`run_env`. The messaging tables every service has are created by
:func:`create_messaging_tables` from the service's first migration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from kairos_platform.leased_queue import unsent_id_index_sql
from kairos_platform.messaging.tables import OUTBOX_BUCKETS

# Replicas may all run `migrate` at start; one at a time does the work.
_MIGRATION_LOCK = 7_240_311


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, revision)


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online, async engine)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})

    async def run() -> None:
        engine = create_async_engine(str(url), poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
            await conn.commit()
        await engine.dispose()

    asyncio.run(run())


class Binds(Protocol):
    """What a migration step needs of alembic's ``op``: the migration's connection."""

    def get_bind(self) -> Connection: ...


def create_messaging_tables(op: Binds, metadata: MetaData) -> None:
    """Create outbox, outbox_bucket (filled), inbox, pings and pongs from ``metadata``."""
    bind = op.get_bind()
    for name in ("outbox", "outbox_bucket", "inbox", "pings", "pongs"):
        metadata.tables[name].create(bind)
    bind.execute(
        text("INSERT INTO outbox_bucket SELECT generate_series(0, :n - 1)"), {"n": OUTBOX_BUCKETS}
    )


def drop_messaging_tables(op: Binds, metadata: MetaData) -> None:
    bind = op.get_bind()
    for name in ("pongs", "pings", "inbox", "outbox_bucket", "outbox"):
        metadata.tables[name].drop(bind)


def downgrade(script_location: Path, url: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url)
    command.downgrade(cfg, revision)


Steps = tuple[Callable[[], None], Callable[[], None]]


def messaging_steps(metadata: MetaData) -> Steps:
    """(upgrade, downgrade) of a service's first migration: its messaging tables."""
    from alembic import op

    return (
        lambda: create_messaging_tables(op, metadata),
        lambda: drop_messaging_tables(op, metadata),
    )


def tables_steps(metadata: MetaData, names: Sequence[str], *, checkfirst: bool = False) -> Steps:
    """(upgrade, downgrade) that create ``names`` from ``metadata`` in order and drop them in
    reverse. ``checkfirst`` where an earlier migration may have created them already (it
    creates its tables from the current definitions)."""
    from alembic import op

    def create() -> None:
        bind = op.get_bind()
        for name in names:
            metadata.tables[name].create(bind, checkfirst=checkfirst)

    def drop() -> None:
        bind = op.get_bind()
        for name in reversed(names):
            metadata.tables[name].drop(bind, checkfirst=checkfirst)

    return create, drop


def idempotency_keys_steps(metadata: MetaData) -> Steps:
    """(upgrade, downgrade) of the migration that adds ``idempotency_keys`` (the answers
    ``kairos_platform.idempotency`` keeps per Idempotency-Key and user)."""
    return tables_steps(metadata, ("idempotency_keys",), checkfirst=True)


def dead_letters_steps(metadata: MetaData) -> Steps:
    """(upgrade, downgrade) of the migration that adds ``dead_letters`` (what the consumer
    parked on ``<topic>.dlq``, for ``kairos_platform.dead_letters`` to list and re-drive)."""
    return tables_steps(metadata, ("dead_letters",), checkfirst=True)


def unsent_id_index_steps(table_name: str) -> Steps:
    """(upgrade, downgrade) of the index a leased queue's claim walks (unsent rows in id
    order): IF (NOT) EXISTS, as the table's own migration may have created it."""
    from alembic import op

    return (
        lambda: op.execute(unsent_id_index_sql(table_name)),
        lambda: op.execute(f"DROP INDEX IF EXISTS ix_{table_name}_unsent_id"),
    )


def lz4_steps(table_name: str, columns: Sequence[str]) -> Steps:
    """(upgrade, downgrade) that store the large values of ``columns`` compressed with lz4
    from then on (rows written before keep theirs): PostgreSQL's default, pglz, costs
    several times lz4's CPU for each row a mail queue takes. A server built without lz4
    keeps the default; the step then changes nothing."""
    from alembic import op

    def compression(method: str) -> None:
        sets = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION {method}" for c in columns)
        op.execute(
            "DO $$ BEGIN "
            f"EXECUTE 'ALTER TABLE {table_name} {sets}'; "
            "EXCEPTION WHEN feature_not_supported THEN "
            "RAISE NOTICE 'lz4 is not available: % keeps the default compression', "
            f"'{table_name}'; "
            "END $$"
        )

    return lambda: compression("lz4"), lambda: compression("default")
