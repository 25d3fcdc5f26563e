"""The payments unit of work: the platform's, plus this service's repositories."""

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from kairos_payments.adapters import orm
from kairos_payments.adapters.credits_repository import SqlCreditRepository
from kairos_payments.adapters.holds_repository import SqlHoldRepository
from kairos_payments.adapters.payments_repository import (
    SqlPaymentRepository,
    SqlRefundRepository,
)
from kairos_payments.adapters.statement_repository import SqlStatementRepository
from kairos_payments.adapters.stripe_events_repository import SqlStripeEventRepository
from kairos_payments.adapters.subscriptions_repository import (
    SqlOfferingRepository,
    SqlSubscriptionRepository,
)
from kairos_payments.service_layer.ports import PaymentsUow
from kairos_platform.ping import SqlPingRepository
from kairos_platform.uow import UnitOfWork


class ServiceUnitOfWork(UnitOfWork):
    pings: SqlPingRepository
    holds: SqlHoldRepository
    payments: SqlPaymentRepository
    refunds: SqlRefundRepository
    credits: SqlCreditRepository
    stripe_events: SqlStripeEventRepository
    offerings: SqlOfferingRepository
    subscriptions: SqlSubscriptionRepository
    statements: SqlStatementRepository

    def _open(self, session: AsyncSession) -> None:
        self.pings = SqlPingRepository(session, orm.pings)
        self.holds = SqlHoldRepository(session)
        self.payments = SqlPaymentRepository(session)
        self.refunds = SqlRefundRepository(session)
        self.credits = SqlCreditRepository(session)
        self.stripe_events = SqlStripeEventRepository(session)
        self.offerings = SqlOfferingRepository(session)
        self.subscriptions = SqlSubscriptionRepository(session)
        self.statements = SqlStatementRepository(session)


if TYPE_CHECKING:
    # mypy checks here that the SQL unit of work is what the service layer asks for
    _conforms: type[PaymentsUow] = ServiceUnitOfWork
