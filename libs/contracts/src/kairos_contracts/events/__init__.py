"""Every event model. Importing this package registers them all."""

from kairos_contracts.events import system  # noqa: F401
