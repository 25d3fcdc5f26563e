"""payments by mentee and creation time: the statement (GET /me/payments) read a page at
a time, newest first

Revision ID: 0007
Revises: 0006

0002 creates its tables from the current definitions, so on a fresh database the index
exists already: IF NOT EXISTS.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_payments_mentee_created "
        "ON payments (mentee_id, created_at, payment_id)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_payments_mentee_created")
