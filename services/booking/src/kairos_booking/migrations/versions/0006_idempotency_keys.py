"""idempotency_keys: Idempotency-Key answers kept per user (kairos_platform.idempotency)

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from kairos_booking.adapters.orm import metadata

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.tables["idempotency_keys"].create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata.tables["idempotency_keys"].drop(op.get_bind(), checkfirst=True)
