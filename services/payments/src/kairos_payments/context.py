"""What the payments processes share besides the unit of work: the Stripe gateway and the
settings, as one typed object (``Service.context``). Routes reach it through
``entrypoints/deps.py``, jobs through :func:`payments_context`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.settings import PaymentsSettings
from kairos_platform.service import Service


@dataclass(frozen=True)
class PaymentsContext:
    gateway: StripeGateway
    settings: PaymentsSettings


def payments_context(service: Service[Any]) -> PaymentsContext:
    """The payments context of ``service`` (what ``bootstrap`` gave ``assemble``)."""
    context = service.context
    if not isinstance(context, PaymentsContext):
        raise TypeError(f"{service.name} was not bootstrapped by kairos_payments")
    return context
