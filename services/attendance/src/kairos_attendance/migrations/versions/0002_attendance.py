"""attendance: session projection, audit, standings, notices, email outbox

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from kairos_attendance.adapters.orm import ATTENDANCE_TABLES, metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for name in ATTENDANCE_TABLES:
        metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(ATTENDANCE_TABLES):
        metadata.tables[name].drop(bind)
