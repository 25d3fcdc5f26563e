"""calendar-sync: booking projection, connections, calendar entries, email outbox, feeds, drift

Revision ID: 0002
Revises: 0001
"""

from kairos_calendar_sync.adapters.orm import CALENDAR_TABLES, metadata
from kairos_platform.migrations import tables_steps

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

upgrade, downgrade = tables_steps(metadata, CALENDAR_TABLES)
