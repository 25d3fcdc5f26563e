"""calendar-sync: booking projection, connections, calendar entries, email outbox, feeds, drift

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from kairos_calendar_sync.adapters.orm import CALENDAR_TABLES, metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for name in CALENDAR_TABLES:
        metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(CALENDAR_TABLES):
        metadata.tables[name].drop(bind)
