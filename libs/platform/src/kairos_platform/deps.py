"""What a route reaches through FastAPI dependencies: the service its process runs.

Routes live on module-level routers and declare what they need with ``Annotated`` aliases;
nothing is captured in closures. The app's service is ``app.state.service``
(``runtime.build_http_app``); each service's ``entrypoints/deps.py`` narrows it to its own
unit of work, settings and context:

    # kairos_<svc>/entrypoints/deps.py
    async def _uow(service: ServiceDep) -> AsyncIterator[SqlUnitOfWork]:
        async with service.uow_factory() as uow:
            yield uow          # rolled back unless the route committed
    Uow = Annotated[SqlUnitOfWork, Depends(_uow)]

    # a route
    @router.post("/holds", status_code=201, responses=problems(*AUTHENTICATED, 409))
    async def place_hold(body: HoldIn, caller: MenteeOrAdmin, uow: Uow) -> HoldOut: ...
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from kairos_platform.service import Service


def current_service(request: Request) -> Service[Any]:
    service: Service[Any] = request.app.state.service
    return service


ServiceDep = Annotated[Service[Any], Depends(current_service)]
