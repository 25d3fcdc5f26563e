"""What the payments processes share besides the unit of work: the Stripe gateway and the
settings, as one typed object (``Service.context``). Routes reach it through
``entrypoints/deps.py``, jobs through :func:`context_of`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.settings import PaymentsSettings
from kairos_platform.service import Service


@dataclass(frozen=True)
class Context:
    gateway: StripeGateway
    settings: PaymentsSettings


def context_of(service: Service[Any]) -> Context:
    """The context of ``service`` (what ``bootstrap`` passed to ``assemble``)."""
    return service.context_as(Context)
