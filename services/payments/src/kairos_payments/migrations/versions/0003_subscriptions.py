"""subscriptions: offering price list, Stripe customers, subscriptions, paid cycles

Revision ID: 0003
Revises: 0002
"""

from kairos_payments.adapters.orm import SUBSCRIPTION_TABLES, metadata
from kairos_platform.migrations import tables_steps

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

upgrade, downgrade = tables_steps(metadata, SUBSCRIPTION_TABLES)
