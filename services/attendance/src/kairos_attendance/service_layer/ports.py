"""What the handlers need of a unit of work: the SQL one or the unit tests' fake."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol, TypeAlias

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.readers import Reader
from kairos_attendance.domain.sessions import AuditEntry, Change, Session
from kairos_attendance.domain.streaks import Mark
from kairos_attendance.service_layer.templates import Mail
from kairos_platform.uow import UnitOfWorkPort

#: (enrollment id, kind, key): a warning or reprobation announced once
Notice: TypeAlias = tuple[uuid.UUID, str, str]


class SessionRepository(Protocol):
    async def apply(self, s: Session) -> bool: ...
    async def get(self, booking_id: uuid.UUID, *, lock: bool = False) -> Session | None: ...
    async def mark(
        self,
        booking_id: uuid.UUID,
        attended: bool,
        by: str,
        by_user: uuid.UUID | None,
        at: datetime,
    ) -> None: ...
    async def mark_overdue_absent(
        self, cutoff: datetime, limit: int, at: datetime
    ) -> list[Session]: ...
    async def audit(self, changes: Sequence[Change]) -> None: ...
    async def history(
        self, booking_id: uuid.UUID, after: int | None, limit: int
    ) -> list[AuditEntry]: ...
    async def marks_of(
        self, enrollment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[Mark]]: ...
    async def latest_of(self, enrollment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Session]: ...
    async def recent_of(
        self, enrollment_ids: Sequence[uuid.UUID], now: datetime, per: int
    ) -> dict[uuid.UUID, list[Session]]: ...
    async def many(self, booking_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Session]: ...


class StandingRepository(Protocol):
    async def know(self, s: Session) -> None: ...
    async def lock(self, enrollment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Enrollment]: ...
    async def get(self, enrollment_id: uuid.UUID, *, lock: bool = False) -> Enrollment | None: ...
    async def save_many(self, enrollments: Sequence[Enrollment]) -> None: ...
    async def announce(self, wanted: Sequence[Notice]) -> set[Notice]: ...
    async def subscribers_of(
        self,
        mentor: uuid.UUID,
        after: tuple[str | None, uuid.UUID] | None,
        limit: int,
    ) -> list[Enrollment]: ...


class MailRepository(Protocol):
    """Queueing only: the mail job claims and settles through ``kairos_platform.mail``."""

    async def add(self, mails: Sequence[Mail]) -> None: ...


class ReaderRepository(Protocol):
    async def apply(self, reader: Reader) -> bool: ...


class AttendanceUow(UnitOfWorkPort, Protocol):
    # Read-only: a plain attribute of a Protocol is invariant, so a unit of work whose
    # repositories are narrower types (the SQL ones, the unit tests' fakes) would not match.
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def standings(self) -> StandingRepository: ...
    @property
    def mails(self) -> MailRepository: ...
    @property
    def readers(self) -> ReaderRepository: ...


#: opens a unit of work (``Service.uow_factory``, or a test's fake): for work of several
#: transactions, each ``async with uow_factory() as uow``
UowFactory: TypeAlias = Callable[[], AbstractAsyncContextManager[AttendanceUow]]
