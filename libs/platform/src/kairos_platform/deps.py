"""What a route reaches through FastAPI dependencies: the service its process runs.

Routes live on module-level routers and declare what they need with ``Annotated`` aliases;
nothing is captured in closures. The app's service is ``app.state.service``
(``runtime.build_http_app``); each service's ``entrypoints/deps.py`` narrows it to its own
unit of work, context and settings:

    # kairos_<svc>/entrypoints/deps.py
    Uow = Annotated[ServiceUnitOfWork, Depends(open_uow)]
    Ctx = Annotated[Context, Depends(context_as(Context))]

    # a route
    @router.post("/holds", status_code=201, responses=problems(*AUTHENTICATED, 409))
    async def place_hold(body: HoldIn, caller: MenteeOrAdmin, uow: Uow) -> HoldOut: ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from kairos_platform.service import Service

C = TypeVar("C")


async def current_service(request: Request) -> Service[Any]:
    service: Service[Any] = request.app.state.service
    return service


ServiceDep = Annotated[Service[Any], Depends(current_service)]


async def open_uow(service: ServiceDep) -> AsyncIterator[Any]:
    """One unit of work per request (``Service.uow_factory``), rolled back unless the route
    committed: a refused request leaves nothing written."""
    async with service.uow_factory() as uow:
        yield uow


def context_as(kind: type[C]) -> Callable[[Service[Any]], Awaitable[C]]:
    """The dependency answering the service's context as its own type ``kind``
    (``Service.context_as``: what the service's ``bootstrap`` gave ``assemble``)."""

    async def context(service: ServiceDep) -> C:
        return service.context_as(kind)

    return context
