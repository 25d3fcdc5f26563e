"""payments: hold projection, payments, refunds, credits, webhook events, stripe cursor

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from kairos_payments.adapters.orm import PAYMENT_TABLES, metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for name in PAYMENT_TABLES:
        metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(PAYMENT_TABLES):
        metadata.tables[name].drop(bind)
