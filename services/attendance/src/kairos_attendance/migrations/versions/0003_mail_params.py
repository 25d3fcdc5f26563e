"""email_outbox keeps the template and its values, rendered when sent

Revision ID: 0003
Revises: 0002

0002 creates its tables from the current definitions, so on a fresh database the new
columns exist already and the old ones never did: every step is IF (NOT) EXISTS. Mails
queued under 0002 (already rendered) are dropped if unsent; none were sent in production.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in (
        "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS template text",
        "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS params jsonb",
        "DELETE FROM email_outbox WHERE sent_at IS NULL AND template IS NULL",
        "UPDATE email_outbox SET template = 'legacy', params = '{}'::jsonb WHERE template IS NULL",
        "ALTER TABLE email_outbox ALTER COLUMN template SET NOT NULL",
        "ALTER TABLE email_outbox ALTER COLUMN params SET NOT NULL",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS subject",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS body_text",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS body_html",
    ):
        op.execute(statement)


def downgrade() -> None:
    # The rendered bodies were never kept, so 0002's columns come back holding the
    # template name and its values; unsent mails cannot be rendered by 0002 code.
    for statement in (
        "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS subject text",
        "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS body_text text",
        "ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS body_html text",
        "DELETE FROM email_outbox WHERE sent_at IS NULL",
        "UPDATE email_outbox SET subject = template, body_text = params::text, body_html = ''",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS template",
        "ALTER TABLE email_outbox DROP COLUMN IF EXISTS params",
    ):
        op.execute(statement)
