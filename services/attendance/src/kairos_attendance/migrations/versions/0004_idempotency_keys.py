"""idempotency_keys: Idempotency-Key answers kept per user (kairos_platform.idempotency)

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from kairos_attendance.adapters.orm import metadata

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.tables["idempotency_keys"].create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata.tables["idempotency_keys"].drop(op.get_bind(), checkfirst=True)
