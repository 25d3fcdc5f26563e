"""What can go wrong in a command, independent of HTTP: the platform's refusals (each kind
with its status and slug), named here as the domain says them. The platform answers them
as problem+json; routes never translate."""

from __future__ import annotations

from kairos_platform.refusals import Conflict, Forbidden, Gone, Invalid, NotFound, Refusal

#: every refusal of the booking domain
DomainError = Refusal

__all__ = ["Conflict", "DomainError", "Forbidden", "Gone", "Invalid", "NotFound"]
