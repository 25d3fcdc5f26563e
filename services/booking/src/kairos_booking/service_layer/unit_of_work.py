"""The booking unit of work: the platform's, plus this service's repositories."""

from sqlalchemy.ext.asyncio import AsyncSession

from kairos_booking.adapters import orm
from kairos_platform.ping import SqlPingRepository
from kairos_platform.uow import UnitOfWork


class ServiceUnitOfWork(UnitOfWork):
    pings: SqlPingRepository

    def _open(self, session: AsyncSession) -> None:
        self.pings = SqlPingRepository(session, orm.pings)
