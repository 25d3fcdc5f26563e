"""idempotency_keys: Idempotency-Key answers kept per user (kairos_platform.idempotency)

Revision ID: 0006
Revises: 0005
"""

from kairos_payments.adapters.orm import metadata
from kairos_platform.migrations import idempotency_keys_steps

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

upgrade, downgrade = idempotency_keys_steps(metadata)
