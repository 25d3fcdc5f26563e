"""A Madrid mentor with a Tuesday-18:00 programme, and the events payments sends about it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kairos_booking.domain.model import (
    Booking,
    BookingStatus,
    Enrollment,
    Offering,
    OfferingKind,
    Person,
    Provider,
    WeeklyTime,
)
from kairos_booking.service_layer import payment_events, subscriptions
from kairos_contracts import Envelope, Event
from kairos_contracts.events.payments import (
    PaymentVerified,
    SubscriptionCancelled,
    SubscriptionReactivated,
)
from kairos_contracts.types import BillingCycle

from .fakes import FakeBookingUow

NOW = datetime(2030, 3, 1, 8, tzinfo=UTC)  # a Friday
MENTOR = uuid.uuid4()
TUESDAY_18 = WeeklyTime(1, 18 * 60)


@dataclass
class World:
    uow: FakeBookingUow
    offering: Offering
    mentee: Person = field(default_factory=lambda: Person(uuid.uuid4(), "m@example.com", "Mo"))
    subscription_id: uuid.UUID = field(default_factory=uuid.uuid4)

    async def deliver(self, event: Event) -> None:
        """The event as payments sends it, handled by booking's handler of its type."""
        envelope = Envelope.wrap(event, source="payments")
        if isinstance(event, PaymentVerified):
            await payment_events.on_payment_verified(event, envelope, self.uow)
        elif isinstance(event, SubscriptionCancelled):
            await subscriptions.on_subscription_cancelled(event, envelope, self.uow)
        elif isinstance(event, SubscriptionReactivated):
            await subscriptions.on_subscription_reactivated(event, envelope, self.uow)
        else:
            raise KeyError(type(event))  # as the table of handlers it replaces
        await self.uow.commit()

    def cycle(
        self,
        number: int,
        start: datetime,
        end: datetime,
        *,
        amount: int = 4000,
        payment_id: uuid.UUID | None = None,
        mentee: Person | None = None,
        subscription_id: uuid.UUID | None = None,
    ) -> PaymentVerified:
        return PaymentVerified(
            payment_id=payment_id or uuid.uuid4(), method="subscription",
            mentee_id=(mentee or self.mentee).user_id, offering_id=self.offering.offering_id,
            amount_minor=amount, currency="EUR",
            subscription_id=subscription_id or self.subscription_id,
            cycle=BillingCycle(number=number, starts_at=start, ends_at=end),
            verified_at=self.uow.now(),
        )  # fmt: skip

    def unsubscribe(self, at: datetime, by: str = "mentee") -> SubscriptionCancelled:
        return SubscriptionCancelled(
            subscription_id=self.subscription_id, mentee_id=self.mentee.user_id,
            offering_id=self.offering.offering_id, unsubscribed_at=at, cancelled_by=by,
        )  # fmt: skip

    def reactivate(self, undoes: datetime, by: str = "mentee") -> SubscriptionReactivated:
        return SubscriptionReactivated(
            subscription_id=self.subscription_id, mentee_id=self.mentee.user_id,
            offering_id=self.offering.offering_id, undoes_unsubscribed_at=undoes,
            reactivated_at=self.uow.now(), reactivated_by=by,
        )  # fmt: skip

    def sessions(self, mentee: Person | None = None) -> list[Booking]:
        who = (mentee or self.mentee).user_id
        found = [b for b in self.uow.bookings.bookings.values() if b.mentee_id == who]
        return sorted(found, key=lambda b: b.starts_at)

    def status(self) -> list[tuple[str, str | None]]:
        """Each session's (status, reason), in time order."""
        return [(str(b.status), b.cancel_reason) for b in self.sessions()]

    def confirmed(self) -> list[Booking]:
        return [b for b in self.sessions() if b.status is BookingStatus.CONFIRMED]

    def enrollment(self) -> Enrollment:
        found = self.uow.enrollments.enrollments[(self.offering.offering_id, self.mentee.user_id)]
        return found


async def world(capacity: int = 2, now: datetime = NOW, zone: str = "Europe/Madrid") -> World:
    uow = FakeBookingUow(now)
    provider = Provider(uuid.uuid4(), MENTOR, "Ada", "ada@example.com", zone)
    offering = Offering(
        uuid.uuid4(), provider.provider_id, "Programme", 60, 4000, "EUR", capacity,
        kind=OfferingKind.RECURRING, pattern=(TUESDAY_18,),
    )  # fmt: skip
    await uow.catalog.add_provider(provider)
    await uow.catalog.add_offering(offering)
    w = World(uow, offering)
    await uow.people.remember(w.mentee)
    return w
