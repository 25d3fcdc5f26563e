"""What payments routes declare they need, as typed ``Annotated`` aliases over the
service their process runs (``kairos_platform.deps.ServiceDep``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from kairos_payments.service_layer.checkout import Caller
from kairos_payments.service_layer.context import Context
from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.service_layer.ports import PaymentsUow, UowFactory
from kairos_payments.settings import PaymentsSettings
from kairos_platform.auth import CurrentUser, Principal, ensure_owner, is_admin
from kairos_platform.deps import ServiceDep, context_as, open_uow


async def _uow_factory(service: ServiceDep) -> UowFactory:
    factory: UowFactory = service.uow_factory
    return factory


Ctx = Annotated[Context, Depends(context_as(Context))]


async def _settings(context: Ctx) -> PaymentsSettings:
    return context.settings


async def _gateway(context: Ctx) -> StripeGateway:
    return context.gateway


#: an open unit of work (one transaction: reads); a ServiceUnitOfWork, of which
#: PaymentsUow is the part the routes and the service layer use
Uow = Annotated[PaymentsUow, Depends(open_uow)]
#: units of work to open, for what calls Stripe between its transactions
Uows = Annotated[UowFactory, Depends(_uow_factory)]
Settings = Annotated[PaymentsSettings, Depends(_settings)]
Gateway = Annotated[StripeGateway, Depends(_gateway)]


async def _owner(
    user: CurrentUser,
    user_id: Annotated[
        uuid.UUID | None,
        Query(description="Whose (an admin may name anyone); yours when left out."),
    ] = None,
) -> uuid.UUID:
    owner = user_id or user.user_id
    ensure_owner(user, owner)  # 403 for anyone else's
    return owner


#: the user whose money a read shows: the caller, or the one an admin names
Owner = Annotated[uuid.UUID, Depends(_owner)]


def caller(user: Principal) -> Caller:
    return Caller(user.user_id, is_admin=is_admin(user), contact=user.contact())
