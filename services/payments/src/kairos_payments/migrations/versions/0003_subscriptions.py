"""subscriptions: offering price list, Stripe customers, subscriptions, paid cycles

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from kairos_payments.adapters.orm import SUBSCRIPTION_TABLES, metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for name in SUBSCRIPTION_TABLES:
        metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(SUBSCRIPTION_TABLES):
        metadata.tables[name].drop(bind)
