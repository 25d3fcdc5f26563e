"""readers: each person's time zone and locale for mail (MailPreferencesChanged)

Revision ID: 0006
Revises: 0005

0002 creates only ATTENDANCE_TABLES, which do not include readers: this revision creates
it, IF NOT EXISTS as every later table here.
"""

from kairos_attendance.adapters.orm import metadata
from kairos_platform.migrations import tables_steps

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

upgrade, downgrade = tables_steps(metadata, ("readers",), checkfirst=True)
