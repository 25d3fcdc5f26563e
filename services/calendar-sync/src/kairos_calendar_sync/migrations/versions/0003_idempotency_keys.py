"""idempotency_keys: Idempotency-Key answers kept per user (kairos_platform.idempotency)

Revision ID: 0003
Revises: 0002
"""

from kairos_calendar_sync.adapters.orm import metadata
from kairos_platform.migrations import idempotency_keys_steps

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

upgrade, downgrade = idempotency_keys_steps(metadata)
