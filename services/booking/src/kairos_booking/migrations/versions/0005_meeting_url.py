"""offerings.meeting_url (where the sessions take place; given to booked mentees only)

Revision ID: 0005
Revises: 0004

0002 creates ``offerings`` from the current table definition, so on a fresh database the
column exists already: IF NOT EXISTS keeps this a no-op there.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE offerings ADD COLUMN IF NOT EXISTS meeting_url text")


def downgrade() -> None:
    op.execute("ALTER TABLE offerings DROP COLUMN IF EXISTS meeting_url")
