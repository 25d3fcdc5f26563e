"""recurring offerings, enrollments, subscription sessions

Revision ID: 0003
Revises: 0002

0002 creates its tables from the *current* table definitions, so on a fresh database
``offerings`` and ``bookings`` already have the columns and indexes below; on a database
migrated to 0002 before this change they do not. Every step is therefore written to be a
no-op when its object exists (IF NOT EXISTS / checkfirst).
"""

from alembic import op

from kairos_booking.adapters.orm import metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NEW_TABLES = ("enrollments", "enrollment_cycles", "occurrence_rejections")

UPGRADE = [
    "ALTER TABLE offerings ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'one_time'",
    "ALTER TABLE offerings ADD COLUMN IF NOT EXISTS pattern jsonb NOT NULL DEFAULT '[]'::jsonb",
    "ALTER TABLE offerings ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 0",
    "ALTER TABLE bookings ADD COLUMN IF NOT EXISTS enrollment_id uuid",
    "ALTER TABLE bookings ADD COLUMN IF NOT EXISTS subscription_id uuid",
    "ALTER TABLE bookings ADD COLUMN IF NOT EXISTS cycle_number integer",
    "ALTER TABLE bookings ADD COLUMN IF NOT EXISTS cycle_starts_at timestamptz",
    "ALTER TABLE bookings ADD COLUMN IF NOT EXISTS cycle_ends_at timestamptz",
    "ALTER TABLE bookings ADD COLUMN IF NOT EXISTS local_date date",
    # a cycle's payment pays for several sessions: one booking per payment only one-time
    "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_payment_id_key",
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_bookings_one_per_payment ON bookings (payment_id)"
    " WHERE subscription_id IS NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_bookings_session_per_day"
    " ON bookings (offering_id, mentee_id, local_date) WHERE local_date IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS ix_bookings_enrollment ON bookings (enrollment_id, starts_at)",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)
    bind = op.get_bind()
    for name in NEW_TABLES:
        metadata.tables[name].create(bind, checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(NEW_TABLES):
        metadata.tables[name].drop(bind, checkfirst=True)
    op.execute("DROP INDEX IF EXISTS ix_bookings_enrollment")
    op.execute("DROP INDEX IF EXISTS ux_bookings_session_per_day")
    op.execute("DROP INDEX IF EXISTS ux_bookings_one_per_payment")
    op.execute("ALTER TABLE bookings ADD CONSTRAINT bookings_payment_id_key UNIQUE (payment_id)")
    for column in ("local_date", "cycle_ends_at", "cycle_starts_at", "cycle_number"):
        op.execute(f"ALTER TABLE bookings DROP COLUMN {column}")
    op.execute("ALTER TABLE bookings DROP COLUMN subscription_id")
    op.execute("ALTER TABLE bookings DROP COLUMN enrollment_id")
    for column in ("version", "pattern", "kind"):
        op.execute(f"ALTER TABLE offerings DROP COLUMN {column}")
