"""dead_letters: what the consumer parked on <topic>.dlq, beside its dead_lettered inbox
claim, for kairos-dead-letters and GET /system/dead-letters to list and re-drive

Revision ID: 0009
Revises: 0008
"""

from kairos_payments.adapters.orm import metadata
from kairos_platform.migrations import dead_letters_steps

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

upgrade, downgrade = dead_letters_steps(metadata)
