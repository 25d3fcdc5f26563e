"""email_outbox: mail bodies and invitations compressed with lz4

Revision ID: 0007
Revises: 0006
"""

from kairos_platform.migrations import lz4_steps

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

upgrade, downgrade = lz4_steps("email_outbox", ["body_text", "body_html", "ics"])
