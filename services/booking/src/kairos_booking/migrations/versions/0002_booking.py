"""booking tables: providers, offerings, hours, slot seats, people, holds, decisions, bookings

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from kairos_booking.adapters.orm import metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (
    "providers",
    "offerings",
    "weekly_hours",
    "date_overrides",
    "slot_seats",
    "people",
    "holds",
    "payment_decisions",
    "bookings",
)

# The database itself refuses a booking row unless the inserting transaction declared,
# with set_config('kairos.verifying_payment', <payment id>, true), the very payment the
# row carries. Only the PaymentVerified handler does that.
GUARD = """
CREATE FUNCTION bookings_require_verifying_payment() RETURNS trigger AS $$
BEGIN
  IF current_setting('kairos.verifying_payment', true) IS DISTINCT FROM NEW.payment_id::text
  THEN
    RAISE EXCEPTION 'a booking is created only while its payment % is being verified',
      NEW.payment_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
GUARD_TRIGGER = """
CREATE TRIGGER bookings_insert_guard BEFORE INSERT ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_require_verifying_payment()
"""


def upgrade() -> None:
    bind = op.get_bind()
    for name in TABLES:
        metadata.tables[name].create(bind)
    op.execute(GUARD)
    op.execute(GUARD_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS bookings_insert_guard ON bookings")
    op.execute("DROP FUNCTION IF EXISTS bookings_require_verifying_payment()")
    bind = op.get_bind()
    for name in reversed(TABLES):
        metadata.tables[name].drop(bind)
