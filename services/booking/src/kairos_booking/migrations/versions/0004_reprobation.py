"""enrollments.reprobated_at (attendance's reprobation, until reactivation)

Revision ID: 0004
Revises: 0003

0003 creates ``enrollments`` from the current table definition, so on a fresh database the
column exists already: IF NOT EXISTS keeps this a no-op there.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE enrollments ADD COLUMN IF NOT EXISTS reprobated_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE enrollments DROP COLUMN IF EXISTS reprobated_at")
