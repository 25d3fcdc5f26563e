"""email_outbox: the index the mail job's claim walks (unsent rows in id order)

Revision ID: 0007
Revises: 0006

0002 creates the table from the current definition, index included, on a fresh database:
IF NOT EXISTS keeps this a no-op there.
"""

from alembic import op

from kairos_platform.leased_queue import unsent_id_index_sql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(unsent_id_index_sql("email_outbox"))


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_email_outbox_unsent_id")
