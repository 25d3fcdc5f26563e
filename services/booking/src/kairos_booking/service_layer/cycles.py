"""A paid subscription cycle -> that cycle's sessions. Called only by on_payment_verified
(PaymentVerified stays the only thing that inserts bookings), in the Dispatcher's
transaction, after it checked that this payment has no decision yet.

The enrollment of (offering, mentee) is created or locked first, so every handler of one
enrollment serialises. The cycle is recorded once per (enrollment, subscription, number):
the same cycle paid again creates nothing more. Each occurrence of the weekly pattern in
``[cycle.starts_at, cycle.ends_at)`` (provider's zone, DST-correct) becomes one session,
unique per offering, mentee and local date, or, when it cannot be had (in the past, a
session already on that date, a date override closing it, no free seat), a recorded
rejection and BookingRejected(occurrence_unavailable) with its share of the price, so
payments credits the mentee. Nothing is silently dropped.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from zoneinfo import ZoneInfo

from kairos_booking.domain import recurring
from kairos_booking.domain.model import (
    Availability,
    Booking,
    BookingStatus,
    CycleRecord,
    Enrollment,
    EnrollmentStatus,
    OccurrenceRejection,
    Offering,
    Person,
    Provider,
)
from kairos_booking.domain.recurring import PlannedSession
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.ports import BookingUow
from kairos_booking.service_layer.reprobation import cancel_reprobated
from kairos_booking.service_layer.seats import take_seat
from kairos_booking.service_layer.subscriptions import cancel_unsubscribed
from kairos_contracts.events.booking import RejectionReason
from kairos_contracts.events.payments import PaymentVerified

log = logging.getLogger(__name__)


async def on_cycle_paid(event: PaymentVerified, uow: BookingUow) -> None:
    assert event.subscription_id is not None and event.cycle is not None  # contract
    if event.mentee is not None:
        # A subscriber may never have called booking: payments passes on the contact
        # their token gave it, so the sessions' events (and attendance's mails) carry it.
        m = event.mentee
        await uow.people.remember(Person(m.user_id, m.email, m.display_name))
    offering = await uow.catalog.get_offering(event.offering_id)
    provider = await uow.catalog.get_provider(offering.provider_id) if offering else None
    refusal = _refusal(offering, provider)
    if refusal is not None or offering is None or provider is None:
        await _reject_cycle(uow, event, offering, refusal or RejectionReason.OFFERING_GONE)
        return
    enrollment = await uow.enrollments.enroll(offering, event.mentee_id, event.subscription_id)
    cycle = event.cycle
    if await uow.enrollments.cycle_payment(
        enrollment.enrollment_id, event.subscription_id, cycle.number
    ):
        # another payment already paid this cycle: nothing more is created
        log.warning("cycle %s of %s paid again", cycle.number, event.subscription_id)
        await uow.bookings.decide(event.payment_id, "cycle_already_paid")
        return
    _follow(enrollment, event)
    await uow.enrollments.save(enrollment)
    await _book_cycle(uow, event, enrollment, offering, provider)


def _refusal(offering: Offering | None, provider: Provider | None) -> RejectionReason | None:
    if offering is None or provider is None or not offering.recurring or not offering.active:
        return RejectionReason.OFFERING_GONE
    if not provider.active:
        return RejectionReason.PROVIDER_INACTIVE
    return None


def _follow(enrollment: Enrollment, event: PaymentVerified) -> None:
    """The enrollment follows its newest cycle. A cycle of another subscription that is
    newer means the mentee subscribed again: that subscription starts active."""
    cycle = event.cycle
    assert cycle is not None and event.subscription_id is not None
    if enrollment.cycle_starts_at is not None and cycle.starts_at < enrollment.cycle_starts_at:
        return  # a late, older cycle: its sessions are made, the enrollment stays as is
    if enrollment.subscription_id != event.subscription_id:
        enrollment.subscription_id = event.subscription_id
        enrollment.status = EnrollmentStatus.ACTIVE
        enrollment.unsubscribed_at = enrollment.unsubscribed_by = None
    enrollment.cycle_number = cycle.number
    enrollment.cycle_starts_at, enrollment.cycle_ends_at = cycle.starts_at, cycle.ends_at


async def _book_cycle(
    uow: BookingUow,
    event: PaymentVerified,
    enrollment: Enrollment,
    offering: Offering,
    provider: Provider,
) -> None:
    cycle = event.cycle
    assert cycle is not None and event.subscription_id is not None
    zone = ZoneInfo(provider.time_zone)
    plan = recurring.cycle_sessions(offering, zone, cycle.starts_at, cycle.ends_at)
    await uow.bookings.decide(event.payment_id, "cycle")
    await uow.bookings.declare_verifying(event.payment_id)
    await uow.enrollments.add_cycle(
        CycleRecord(
            enrollment.enrollment_id, event.subscription_id, cycle.number, event.payment_id,
            cycle.starts_at, cycle.ends_at, len(plan),
        )
    )  # fmt: skip
    if not plan:  # a cycle too short for any occurrence: all of it goes back
        await _reject_cycle(uow, event, offering, RejectionReason.OCCURRENCE_UNAVAILABLE)
        return
    booked = await uow.bookings.session_dates(
        offering.offering_id, event.mentee_id, [s.local_date for s in plan]
    )
    availability = await uow.catalog.availability(provider.provider_id)
    prices = recurring.split_price(event.amount_minor, len(plan))
    for session, price in zip(plan, prices, strict=True):
        why = _unavailable(uow, session, offering, availability, booked)
        if why is None and not await take_seat(uow, offering, session.starts_at):
            why = "no free seat"
        if why is not None:
            await _reject_occurrence(uow, event, enrollment, offering, session, price, why)
            continue
        booking = await _book_session(uow, event, enrollment, offering, provider, session, price)
        await _apply_known_unsubscribe(uow, event, enrollment, booking, offering, provider)
        await _apply_known_reprobation(uow, enrollment, booking, offering, provider)


def _unavailable(
    uow: BookingUow,
    session: PlannedSession,
    offering: Offering,
    availability: Availability,
    booked: set[date],
) -> str | None:
    """Why an occurrence cannot be booked, before seats are looked at (None: it can)."""
    if session.starts_at <= uow.now():
        return "in the past"
    if session.local_date in booked:
        return "a session already exists on that date"
    if recurring.closed_for(session, offering, availability):
        return "the provider is closed that date"
    return None


async def _book_session(
    uow: BookingUow,
    event: PaymentVerified,
    enrollment: Enrollment,
    offering: Offering,
    provider: Provider,
    session: PlannedSession,
    price: int,
) -> Booking:
    """The second insert site of bookings (test_only_payment_verified_creates_bookings)."""
    cycle = event.cycle
    assert cycle is not None
    booking = Booking(
        booking_id=uuid.uuid4(),
        offering_id=offering.offering_id,
        provider_id=provider.provider_id,
        mentee_id=event.mentee_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        payment_id=event.payment_id,
        payment_method=str(event.method),
        amount_minor=price,
        currency=event.currency,
        enrollment_id=enrollment.enrollment_id,
        subscription_id=event.subscription_id,
        cycle_number=cycle.number,
        cycle_starts_at=cycle.starts_at,
        cycle_ends_at=cycle.ends_at,
        local_date=session.local_date,
    )
    await uow.bookings.add(booking)
    mentee = await uow.people.get(booking.mentee_id)
    uow.emit(outgoing.booking_confirmed(booking, offering, provider, mentee))
    return booking


async def _apply_known_unsubscribe(
    uow: BookingUow,
    event: PaymentVerified,
    enrollment: Enrollment,
    booking: Booking,
    offering: Offering,
    provider: Provider,
) -> None:
    """The cycle's payment arrived after its subscription's unsubscribe (another topic, so
    no order): a session after the unsubscribe time is cancelled as unsubscribed at once,
    exactly as if it had existed then, so a reactivation restores it like the others."""
    at = enrollment.unsubscribed_at
    if at is None or enrollment.subscription_id != event.subscription_id:
        return
    if booking.starts_at > at:
        by = enrollment.unsubscribed_by or "system"
        await cancel_unsubscribed(uow, booking, offering, provider, at, by)


async def _apply_known_reprobation(
    uow: BookingUow,
    enrollment: Enrollment,
    booking: Booking,
    offering: Offering,
    provider: Provider,
) -> None:
    """A cycle paid while the mentee is reprobated: its sessions exist (billing continues)
    but stay cancelled as reprobated until a reactivation brings them back
    (reprobation.py)."""
    at = enrollment.reprobated_at
    if at is not None and booking.status is BookingStatus.CONFIRMED and booking.starts_at > at:
        await cancel_reprobated(uow, booking, offering, provider, at)


async def _reject_occurrence(
    uow: BookingUow,
    event: PaymentVerified,
    enrollment: Enrollment,
    offering: Offering,
    session: PlannedSession,
    price: int,
    why: str,
) -> None:
    rejection = OccurrenceRejection(
        rejection_id=uuid.uuid5(event.payment_id, f"occurrence:{session.local_date}"),
        payment_id=event.payment_id,
        enrollment_id=enrollment.enrollment_id,
        local_date=session.local_date,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        detail=why,
        amount_minor=price,
    )
    await uow.enrollments.add_rejection(rejection)
    await _emit_rejected(
        uow, event, offering, RejectionReason.OCCURRENCE_UNAVAILABLE, rejection.rejection_id,
        price, session, enrollment.enrollment_id,
    )  # fmt: skip


async def _reject_cycle(
    uow: BookingUow, event: PaymentVerified, offering: Offering | None, reason: RejectionReason
) -> None:
    """The whole cycle gets nothing (offering gone, provider inactive, no occurrence)."""
    if await uow.bookings.decision(event.payment_id) is None:
        await uow.bookings.decide(event.payment_id, "rejected", reason=str(reason))
    rejection_id = uuid.uuid5(event.payment_id, "rejection")
    await _emit_rejected(uow, event, offering, reason, rejection_id, event.amount_minor)


async def _emit_rejected(
    uow: BookingUow,
    event: PaymentVerified,
    offering: Offering | None,
    reason: RejectionReason,
    rejection_id: uuid.UUID,
    amount: int,
    session: PlannedSession | None = None,
    enrollment_id: uuid.UUID | None = None,
) -> None:
    mentee = await uow.people.get(event.mentee_id)
    uow.emit(
        outgoing.cycle_rejected(
            event, offering, mentee, reason, rejection_id, amount, uow.now(), session, enrollment_id
        )
    )
