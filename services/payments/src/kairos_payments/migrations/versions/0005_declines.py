"""payments remember the last card refusal (a declined card leaves the payment open)

Revision ID: 0005
Revises: 0004

0002 creates its tables from the current definitions, so on a fresh database the columns
exist already: IF NOT EXISTS.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ("decline_code", "decline_message", "declined_charge")


def upgrade() -> None:
    for column in COLUMNS:
        op.execute(f"ALTER TABLE payments ADD COLUMN IF NOT EXISTS {column} text")


def downgrade() -> None:
    for column in COLUMNS:
        op.execute(f"ALTER TABLE payments DROP COLUMN IF EXISTS {column}")
