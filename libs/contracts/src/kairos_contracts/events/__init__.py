"""Every event model, one module per producing service. Importing this registers them."""

from kairos_contracts.events import attendance, booking, calendar, payments, system  # noqa: F401
