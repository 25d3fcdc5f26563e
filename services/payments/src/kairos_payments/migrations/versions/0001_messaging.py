"""messaging tables: outbox, outbox buckets, inbox, pings

Revision ID: 0001
Revises:
"""
from alembic import op

from kairos_payments.adapters.orm import metadata
from kairos_platform.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op, metadata)


def downgrade() -> None:
    drop_messaging_tables(op, metadata)
