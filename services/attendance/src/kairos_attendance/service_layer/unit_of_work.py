"""The attendance unit of work: the platform's, plus this service's repositories."""

from sqlalchemy.ext.asyncio import AsyncSession

from kairos_attendance.adapters import orm
from kairos_attendance.adapters.mail_repository import SqlMailRepository
from kairos_attendance.adapters.readers_repository import SqlReaderRepository
from kairos_attendance.adapters.sessions_repository import SqlSessionRepository
from kairos_attendance.adapters.standings_repository import SqlStandingRepository
from kairos_platform.ping import SqlPingRepository
from kairos_platform.uow import UnitOfWork


class ServiceUnitOfWork(UnitOfWork):
    pings: SqlPingRepository
    sessions: SqlSessionRepository
    standings: SqlStandingRepository
    mails: SqlMailRepository
    readers: SqlReaderRepository

    def _open(self, session: AsyncSession) -> None:
        self.pings = SqlPingRepository(session, orm.pings)
        self.sessions = SqlSessionRepository(session)
        self.standings = SqlStandingRepository(session)
        self.mails = SqlMailRepository(session)
        self.readers = SqlReaderRepository(session)
