"""What a service is made of: the parts its ``bootstrap`` wires and the runners use.

Every service's ``bootstrap()`` returns a :class:`Service`; the three processes (HTTP,
consumer, relay) and ``migrate`` are the same code for all four services.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_contracts import Event
from kairos_platform.clock import Clock, system_clock
from kairos_platform.db import make_engine, make_session_factory
from kairos_platform.messaging.consumer import BatchHandler, Handler
from kairos_platform.messaging.tables import MessagingTables
from kairos_platform.settings import ServiceSettings
from kairos_platform.uow import UnitOfWork

#: a background job: runs until ``stop`` is set
Job = Callable[["Service[Any]", asyncio.Event], Coroutine[Any, Any, None]]

#: the service's own unit of work (the platform's plus its repositories)
U = TypeVar("U", bound=UnitOfWork)
#: covariant: a service with its own unit of work is a Service[UnitOfWork] to the runners
U_co = TypeVar("U_co", bound=UnitOfWork, covariant=True)
C = TypeVar("C")


@dataclass
class Service(Generic[U_co]):
    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    metadata: MetaData
    uow_factory: Callable[[], U_co]
    #: event class -> handler(event, envelope, uow); the consumer's whole job
    handlers: Mapping[type[Event], Handler]
    #: the topics the consumer subscribes to (those the handlers' events travel on)
    topics: Sequence[str]
    routers: Sequence[APIRouter]
    migrations: Path
    #: the service's own typed context (its gateway, mailer...), which its
    #: ``entrypoints/deps.py`` and jobs read as their own type
    context: Any = None
    #: scheduled jobs the consumer process runs next to its subscriber; each must be safe
    #: with several replicas running (claim work with ``FOR UPDATE SKIP LOCKED``)
    jobs: Sequence[Job] = ()
    #: optional set-based handlers for runs of records of one type (consumer.BatchHandler);
    #: each event class here also has its per-record handler in ``handlers``
    batch_handlers: Mapping[type[Event], BatchHandler] = field(default_factory=dict)

    @property
    def consumer_group(self) -> str:
        return self.name

    def context_as(self, kind: type[C]) -> C:
        """The service's context as its own type (what its ``bootstrap`` gave ``assemble``);
        a TypeError for a service another package bootstrapped."""
        if not isinstance(self.context, kind):
            raise TypeError(f"{self.name}'s context is not a {kind.__qualname__}")
        return self.context


def assemble(
    *,
    name: str,
    settings: ServiceSettings | None,
    engine: AsyncEngine | None,
    metadata: MetaData,
    tables: MessagingTables,
    uow_class: type[U],
    handlers: Mapping[type[Event], Handler],
    routers: Sequence[APIRouter],
    migrations: Path,
    jobs: Sequence[Job] = (),
    batch_handlers: Mapping[type[Event], BatchHandler] | None = None,
    context: Any = None,
    clock: Clock = system_clock,
) -> Service[U]:
    """Wire a service from its parts; what a service's ``bootstrap()`` calls.

    ``settings`` and ``engine`` default to the ones the environment describes; tests pass
    their own, and may pin ``clock`` (what every unit of work answers as ``now()``).
    Nothing connects here: the engine opens connections on first use.
    """
    settings = settings or ServiceSettings(SERVICE_NAME=name)
    engine = engine or make_engine(settings)
    sessions = make_session_factory(engine)

    def uow_factory() -> U:
        return uow_class(sessions, tables, source=name, clock=clock)

    return Service(
        name=name,
        settings=settings,
        engine=engine,
        metadata=metadata,
        uow_factory=uow_factory,
        handlers=handlers,
        topics=sorted({cls.TOPIC for cls in handlers}),
        # module-level routers: they reach the service through kairos_platform.deps
        routers=list(routers),
        migrations=migrations,
        jobs=jobs,
        batch_handlers=dict(batch_handlers or {}),
        context=context,
    )
