"""one-time payments and credit purchases keep the payer's contact (email, name) from
their token, for the receipts of their money events

Revision ID: 0010
Revises: 0009

0002 creates payments and credit_purchases from the current definitions, so on a fresh
database the columns exist already: IF NOT EXISTS.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("payments", "credit_purchases")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS payer_email text")
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS payer_name text")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS payer_name")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS payer_email")
