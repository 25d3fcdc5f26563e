"""idempotency_keys: Idempotency-Key answers kept per user (kairos_platform.idempotency)

Revision ID: 0004
Revises: 0003
"""

from kairos_attendance.adapters.orm import metadata
from kairos_platform.migrations import idempotency_keys_steps

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

upgrade, downgrade = idempotency_keys_steps(metadata)
