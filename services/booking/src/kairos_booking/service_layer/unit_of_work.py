"""The booking unit of work: the platform's, plus this service's repositories. Its
``now()`` is the platform's: the clock ``assemble`` was given (domain code gets ``now``
passed in; fakes pin it)."""

from sqlalchemy.ext.asyncio import AsyncSession

from kairos_booking.adapters import orm
from kairos_booking.adapters.bookings_repository import SqlBookingRepository, SqlPeopleRepository
from kairos_booking.adapters.catalog_repository import SqlCatalogRepository
from kairos_booking.adapters.enrollments_repository import SqlEnrollmentRepository
from kairos_booking.adapters.holds_repository import SqlHoldRepository
from kairos_booking.adapters.seats_repository import SqlSeatRepository
from kairos_platform.ping import SqlPingRepository
from kairos_platform.uow import UnitOfWork


class ServiceUnitOfWork(UnitOfWork):
    pings: SqlPingRepository
    catalog: SqlCatalogRepository
    seats: SqlSeatRepository
    holds: SqlHoldRepository
    bookings: SqlBookingRepository
    enrollments: SqlEnrollmentRepository
    people: SqlPeopleRepository

    def _open(self, session: AsyncSession) -> None:
        self.pings = SqlPingRepository(session, orm.pings)
        self.catalog = SqlCatalogRepository(session)
        self.seats = SqlSeatRepository(session)
        self.holds = SqlHoldRepository(session)
        self.bookings = SqlBookingRepository(session)
        self.enrollments = SqlEnrollmentRepository(session)
        self.people = SqlPeopleRepository(session)
