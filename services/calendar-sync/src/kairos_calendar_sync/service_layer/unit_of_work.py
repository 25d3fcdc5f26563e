"""The calendar-sync unit of work: the platform's, plus this service's repositories."""

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters import orm
from kairos_calendar_sync.adapters.bookings_repository import SqlBookingRepository
from kairos_calendar_sync.adapters.connections_repository import SqlConnectionRepository
from kairos_calendar_sync.adapters.entries_repository import SqlEntryRepository
from kairos_calendar_sync.adapters.feeds_repository import SqlFeedRepository
from kairos_calendar_sync.adapters.mail_repository import SqlMailRepository
from kairos_calendar_sync.adapters.people_repository import SqlPeopleRepository
from kairos_calendar_sync.adapters.reminders_repository import SqlReminderRepository
from kairos_calendar_sync.service_layer.ports import CalendarUow
from kairos_platform.ping import SqlPingRepository
from kairos_platform.uow import UnitOfWork


class ServiceUnitOfWork(UnitOfWork):
    pings: SqlPingRepository
    bookings: SqlBookingRepository
    connections: SqlConnectionRepository
    entries: SqlEntryRepository
    mails: SqlMailRepository
    feeds: SqlFeedRepository
    people: SqlPeopleRepository
    reminders: SqlReminderRepository

    def _open(self, session: AsyncSession) -> None:
        self.pings = SqlPingRepository(session, orm.pings)
        self.bookings = SqlBookingRepository(session)
        self.connections = SqlConnectionRepository(session)
        self.entries = SqlEntryRepository(session)
        self.mails = SqlMailRepository(session)
        self.feeds = SqlFeedRepository(session)
        self.people = SqlPeopleRepository(session)
        self.reminders = SqlReminderRepository(session)


if TYPE_CHECKING:
    # mypy checks here that the SQL unit of work is what the service layer asks for
    _conforms: type[CalendarUow] = ServiceUnitOfWork
