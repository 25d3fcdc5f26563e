"""readers: each person's time zone and locale for mail (MailPreferencesChanged)

Revision ID: 0006
Revises: 0005

0002 creates only ATTENDANCE_TABLES, which do not include readers: this revision creates
it, IF NOT EXISTS as every later table here.
"""

from alembic import op

from kairos_attendance.adapters.orm import metadata

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.tables["readers"].create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata.tables["readers"].drop(op.get_bind(), checkfirst=True)
