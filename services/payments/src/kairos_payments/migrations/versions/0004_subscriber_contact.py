"""subscriptions keep the subscriber's contact (email, name) from their token

Revision ID: 0004
Revises: 0003

0003 creates its tables from the current definitions, so on a fresh database the columns
exist already: IF NOT EXISTS.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS mentee_email text")
    op.execute("ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS mentee_name text")


def downgrade() -> None:
    op.execute("ALTER TABLE subscriptions DROP COLUMN IF EXISTS mentee_name")
    op.execute("ALTER TABLE subscriptions DROP COLUMN IF EXISTS mentee_email")
