"""offerings.reminder_minutes_before (when a session's reminder mails go out; [] = none)

Revision ID: 0008
Revises: 0007

0002 creates ``offerings`` from the current table definition (adapters/orm.py), so on a
fresh database the column exists already, with the same type, default and NOT NULL as
below: IF NOT EXISTS keeps this a no-op there. On a database migrated before it, existing
offerings get the platform's default, 24 h and 1 h before.
(tests/integration/test_migrations.py runs both paths and compares the columns.)
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE offerings ADD COLUMN IF NOT EXISTS reminder_minutes_before jsonb"
        " NOT NULL DEFAULT '[1440, 60]'::jsonb"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE offerings DROP COLUMN IF EXISTS reminder_minutes_before")
