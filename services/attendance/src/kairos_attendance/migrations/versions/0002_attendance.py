"""attendance: session projection, audit, standings, notices, email outbox

Revision ID: 0002
Revises: 0001
"""

from kairos_attendance.adapters.orm import ATTENDANCE_TABLES, metadata
from kairos_platform.migrations import tables_steps

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

upgrade, downgrade = tables_steps(metadata, ATTENDANCE_TABLES)
