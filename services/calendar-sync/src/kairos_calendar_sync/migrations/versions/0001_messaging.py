"""messaging tables: outbox, outbox buckets, inbox, pings

Revision ID: 0001
Revises:
"""

from kairos_calendar_sync.adapters.orm import metadata
from kairos_platform.migrations import messaging_steps

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

upgrade, downgrade = messaging_steps(metadata)
