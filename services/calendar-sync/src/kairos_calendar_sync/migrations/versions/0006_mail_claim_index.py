"""email_outbox: the index the mail job's claim walks (unsent rows in id order)

Revision ID: 0006
Revises: 0005

0002 creates the table from the current definition, index included, on a fresh database:
IF NOT EXISTS keeps this a no-op there.
"""

from kairos_platform.migrations import unsent_id_index_steps

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

upgrade, downgrade = unsent_id_index_steps("email_outbox")
