"""a booking's payments: payments and refunds by booking, and the cycle that paid each
programme session (GET /bookings/{booking_id}/payments)

Revision ID: 0008
Revises: 0007

0002 creates payments and refunds from the current definitions, so on a fresh database
their indexes exist already: IF NOT EXISTS.
"""

from alembic import op

from kairos_payments.adapters.orm import metadata

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_payments_booking ON payments (booking_id)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_refunds_booking ON refunds (booking_id)")
    metadata.tables["session_payments"].create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata.tables["session_payments"].drop(op.get_bind(), checkfirst=True)
    op.execute("DROP INDEX IF EXISTS ix_refunds_booking")
    op.execute("DROP INDEX IF EXISTS ix_payments_booking")
