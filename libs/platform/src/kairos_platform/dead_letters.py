"""Dead letters of a service's consumer: list them with their error, re-drive one or all
once the cause is fixed. Admin-only routes every service includes, and a command:

    GET  /system/dead-letters                      the pending ones, oldest first (a page)
    POST /system/dead-letters/{event_id}/redrive   one (202; 404 unknown, 409 already
                                                   re-driven or unreadable)
    POST /system/dead-letters/redrive              all pending (200, what was re-driven;
                                                   nothing pending is an empty answer)

    kairos-dead-letters --service booking list
    kairos-dead-letters --service booking redrive EVENT_ID | --all

The command runs with the service's environment (``DATABASE_URL``...), as its processes do.
A re-drive writes the original record back to its topic through the outbox and releases
this consumer's dead-letter claim, in one transaction
(``kairos_platform.messaging.dead_letters``): the relay publishes it, the consumer
handles it like any other record, and every consumer that handled it before skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, status
from pydantic import AwareDatetime, BaseModel, Field

from kairos_platform.auth import AdminOnly
from kairos_platform.deps import ServiceDep
from kairos_platform.messaging import dead_letters as store
from kairos_platform.messaging.dead_letters import DeadLetter, Redrive, RedriveResult
from kairos_platform.pagination import Page, PageQuery, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems
from kairos_platform.refusals import Conflict, NotFound
from kairos_platform.service import Service

_UUID = "0b6f7d3e-2f4c-4a8e-9d1a-5c3e2b1a0f9e"


class DeadLetterOut(BaseModel):
    """A record this service's consumer gave up on (also parked on ``<topic>.dlq``)."""

    event_id: uuid.UUID = Field(examples=[_UUID])
    event_type: str | None = Field(
        examples=["HoldPlaced"], description="Null when the record could not be read."
    )
    topic: str = Field(examples=["kairos.booking.holds"])
    partition: int = Field(examples=[0])
    offset: int = Field(examples=[42])
    key: str | None = Field(examples=[_UUID], description="The record's Kafka key.")
    error: str = Field(
        examples=["ValueError: offering 0b6f7d3e-... is not known"],
        description="The last failure, as the consumer logged it.",
    )
    attempts: int = Field(examples=[5])
    dead_lettered_at: AwareDatetime = Field(examples=["2026-12-07T14:54:08Z"])
    redrivable: bool = Field(
        examples=[True],
        description="False for a record that is not a readable envelope: re-driving it "
        "would only fail again.",
    )

    @classmethod
    def of(cls, d: DeadLetter) -> DeadLetterOut:
        return cls(
            event_id=d.event_id,
            event_type=d.event_type,
            topic=d.topic,
            partition=d.partition,
            offset=d.offset,
            key=d.key,
            error=d.error,
            attempts=d.attempts,
            dead_lettered_at=d.dead_lettered_at,
            redrivable=d.redrivable,
        )


class RedrivenOut(BaseModel):
    """A dead letter written back to its topic: the consumer takes it again shortly."""

    event_id: uuid.UUID = Field(examples=[_UUID])
    event_type: str | None = Field(examples=["HoldPlaced"])
    topic: str = Field(examples=["kairos.booking.holds"])

    @classmethod
    def of(cls, r: Redrive) -> RedrivenOut:
        return cls(event_id=r.event_id, event_type=r.event_type, topic=r.topic or "")


class RedriveAllOut(BaseModel):
    """What re-driving every pending dead letter did (both lists empty: there were none)."""

    redriven: list[RedrivenOut] = Field(description="Written back to their topics.")
    left: list[RedrivenOut] = Field(
        description="Unreadable records left pending: re-driving them would only fail again."
    )


#: Admin-only routes every service includes (its ``entrypoints/http.py`` ROUTERS).
router = APIRouter(prefix="/system/dead-letters", tags=["system"])


@router.get("", responses=problems(*AUTHENTICATED, 403, 422))
async def list_dead_letters(
    _: AdminOnly, service: ServiceDep, page: PageQuery
) -> Page[DeadLetterOut]:
    """This service's dead letters not re-driven yet, oldest first."""
    after = page.key(AwareDatetime, uuid.UUID)
    async with service.uow_factory() as uow:
        rows = await store.pending(
            uow.session,
            uow.tables,
            service.consumer_group,
            limit=page.limit + 1,
            after=(after[0], after[1]) if after else None,
        )
    return page_of(rows, page.limit, lambda d: (d.dead_lettered_at, d.event_id), DeadLetterOut.of)


@router.post(
    "/{event_id}/redrive",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(
        *AUTHENTICATED,
        403,
        404,
        409,
        s404="This service has no dead letter with that event id.",
        s409="The dead letter was re-driven already (`already-redriven`), or it is not a "
        "readable event (`unreadable-dead-letter`).",
    ),
)
async def redrive_dead_letter(
    event_id: uuid.UUID, _: AdminOnly, service: ServiceDep
) -> RedrivenOut:
    """Write the dead letter back to its topic and release its dead-letter claim, in one
    transaction: this service's consumer handles it again, once; services that handled it
    before skip it."""
    return RedrivenOut.of(refuse_unless_redriven(await redrive_one(service, event_id)))


@router.post("/redrive", responses=problems(*AUTHENTICATED, 403))
async def redrive_dead_letters(_: AdminOnly, service: ServiceDep) -> RedriveAllOut:
    """Re-drive every pending dead letter of this service, in one transaction."""
    results = await redrive_every(service)
    return RedriveAllOut(
        redriven=[RedrivenOut.of(r) for r in results if r.result is RedriveResult.REDRIVEN],
        left=[RedrivenOut.of(r) for r in results if r.result is RedriveResult.UNREADABLE],
    )


# --- the operations, shared by the routes and the command -----------------------------


async def list_pending(service: Service[Any]) -> list[DeadLetter]:
    async with service.uow_factory() as uow:
        return await store.pending(uow.session, uow.tables, service.consumer_group)


async def redrive_one(service: Service[Any], event_id: uuid.UUID) -> Redrive:
    async with service.uow_factory() as uow:
        result = await store.redrive(uow.session, uow.tables, service.consumer_group, event_id)
        await uow.commit()
        return result


async def redrive_every(service: Service[Any]) -> list[Redrive]:
    async with service.uow_factory() as uow:
        results = await store.redrive_all(uow.session, uow.tables, service.consumer_group)
        await uow.commit()
        return results


def refuse_unless_redriven(r: Redrive) -> Redrive:
    """The refusal for a re-drive that did nothing (the routes' 404 and 409s)."""
    if r.result is RedriveResult.UNKNOWN:
        raise NotFound(f"No dead letter {r.event_id} here.")
    if r.result is RedriveResult.ALREADY_REDRIVEN:
        raise Conflict(
            f"Dead letter {r.event_id} was re-driven already.",
            slug="already-redriven",
            event_id=str(r.event_id),
        )
    if r.result is RedriveResult.UNREADABLE:
        raise Conflict(
            f"Dead letter {r.event_id} is not a readable event; re-driving it would fail again.",
            slug="unreadable-dead-letter",
            event_id=str(r.event_id),
        )
    return r


# --- the command ---------------------------------------------------------------------------


def load_service(name: str) -> Service[Any]:
    """The service called ``name`` (booking, payments, attendance, calendar-sync), from its
    own ``bootstrap()`` and the environment."""
    module = importlib.import_module(f"kairos_{name.replace('-', '_')}.bootstrap")
    service: Service[Any] = module.bootstrap()
    return service


async def _command(service: Service[Any], args: argparse.Namespace, *, owned: bool) -> int:
    try:
        if args.action == "list":
            for d in await list_pending(service):
                print(json.dumps(DeadLetterOut.of(d).model_dump(mode="json")))
            return 0
        if args.all:
            results = await redrive_every(service)
            for r in results:
                print(json.dumps({"event_id": str(r.event_id), "result": str(r.result)}))
            return 0
        r = await redrive_one(service, args.event_id)
        print(json.dumps({"event_id": str(r.event_id), "result": str(r.result)}))
        return 0 if r.result is RedriveResult.REDRIVEN else 1
    finally:
        if owned:
            await service.engine.dispose()


def main(argv: Sequence[str] | None = None, service: Service[Any] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kairos-dead-letters",
        description="List a service's dead-lettered events, or re-drive them once the cause "
        "is fixed. Prints one JSON object per line.",
    )
    parser.add_argument("--service", required=service is None,
                        help="booking, payments, attendance or calendar-sync")  # fmt: skip
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="the pending dead letters, oldest first, with their error")
    redrive = sub.add_parser("redrive", help="re-drive one dead letter (by event id) or --all")
    which = redrive.add_mutually_exclusive_group(required=True)
    which.add_argument("event_id", nargs="?", type=uuid.UUID)
    which.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    if service is not None:
        return asyncio.run(_command(service, args, owned=False))
    return asyncio.run(_command(load_service(args.service), args, owned=True))


def cli() -> None:
    sys.exit(main())


__all__ = ["DeadLetterOut", "RedriveAllOut", "RedrivenOut", "cli", "main", "router"]
