"""mail: email_outbox carries every mail (confirmations, reminders, receipts) keyed by
mail_key; people (address, zone, locale, unsubscribed topics); reminders; the bookings
projection keeps its offering's reminder minutes

Revision ID: 0005
Revises: 0004

0002 creates its tables from the current definitions, so on a fresh database the new
columns exist already and the old constraint never did: every step is IF (NOT) EXISTS. An
invitation queued under 0004 gets the key it was sent with (its Message-ID).
"""

from alembic import op

from kairos_calendar_sync.adapters.orm import MAIL_TABLES, metadata

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_OUTBOX_UP = (
    "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS mail_key text",
    "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS kind text",
    "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS user_id uuid",
    "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS unsubscribe_url text",
    """UPDATE email_outbox SET kind = 'booking_confirmed',
         mail_key = booking_id || '.' || sequence || '.' || lower(method) || '.'
                    || left(encode(sha256(convert_to(recipient, 'UTF8')), 'hex'), 12)
       WHERE mail_key IS NULL""",
    "ALTER TABLE email_outbox ALTER COLUMN mail_key SET NOT NULL",
    "ALTER TABLE email_outbox ALTER COLUMN kind SET NOT NULL",
    "ALTER TABLE email_outbox ALTER COLUMN booking_id DROP NOT NULL",
    "ALTER TABLE email_outbox ALTER COLUMN sequence DROP NOT NULL",
    "ALTER TABLE email_outbox ALTER COLUMN method DROP NOT NULL",
    "ALTER TABLE email_outbox ALTER COLUMN ics DROP NOT NULL",
    "ALTER TABLE email_outbox DROP CONSTRAINT IF EXISTS uq_email_once",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_email_key ON email_outbox (mail_key)",
    """CREATE INDEX IF NOT EXISTS ix_email_outbox_booking ON email_outbox (booking_id)
       WHERE sent_at IS NULL""",
    "ALTER TABLE bookings ADD COLUMN IF NOT EXISTS reminder_minutes integer[]",
)


def upgrade() -> None:
    for statement in _OUTBOX_UP:
        op.execute(statement)
    bind = op.get_bind()
    for name in MAIL_TABLES:
        metadata.tables[name].create(bind, checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(MAIL_TABLES):
        metadata.tables[name].drop(bind, checkfirst=True)
    # 0004 knew invitations only: the other mails go, unsent or not
    for statement in (
        "DELETE FROM email_outbox WHERE ics IS NULL OR booking_id IS NULL",
        "DROP INDEX IF EXISTS ix_email_outbox_booking",
        "DROP INDEX IF EXISTS uq_email_key",
        """ALTER TABLE email_outbox ADD CONSTRAINT uq_email_once
             UNIQUE (booking_id, sequence, recipient, method)""",
        "ALTER TABLE email_outbox ALTER COLUMN ics SET NOT NULL",
        "ALTER TABLE email_outbox ALTER COLUMN method SET NOT NULL",
        "ALTER TABLE email_outbox ALTER COLUMN sequence SET NOT NULL",
        "ALTER TABLE email_outbox ALTER COLUMN booking_id SET NOT NULL",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS unsubscribe_url",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS user_id",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS kind",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS mail_key",
        "ALTER TABLE bookings DROP COLUMN IF EXISTS reminder_minutes",
    ):
        op.execute(statement)
