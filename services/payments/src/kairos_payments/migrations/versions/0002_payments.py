"""payments: hold projection, payments, refunds, credits, webhook events, stripe cursor

Revision ID: 0002
Revises: 0001
"""

from kairos_payments.adapters.orm import PAYMENT_TABLES, metadata
from kairos_platform.migrations import tables_steps

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

upgrade, downgrade = tables_steps(metadata, PAYMENT_TABLES)
