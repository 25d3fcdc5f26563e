"""Which service publishes and which services consume each event type.

One table, so that wiring (which topics a service subscribes to), the AsyncAPI documents
and the tests all come from it. The entries that are not the obvious "the service that owns
the fact publishes it, the services that react consume it", and why:

* payments also consumes HoldPlaced (to learn the amount booking decided: the client
  never sends it) and HoldReleased (to cancel the PaymentIntent of a hold the mentee
  gave up);
* booking also consumes PaymentCancelled (a payment that ended unpaid releases its hold
  at once); PaymentFailed (a declined card) it does not: the payer keeps the hold until it
  expires and may pay with another card;
* OfferingPublished (booking -> payments): payments bills a subscription at the
  recurring offering's price, which only booking decides.
* MailPreferencesChanged (calendar-sync -> attendance): people choose their mail's time
  zone and locale at calendar-sync (or their token says them there); attendance's mails
  follow them without reading calendar-sync's tables.

A consumer subscribes to whole topics, so it also receives the other types on them; it
must acknowledge and skip the types it does not consume (see ``consumes``).
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from kairos_contracts.envelope import Event
from kairos_contracts.registry import all_events

Service = Literal["booking", "payments", "attendance", "calendar-sync"]
SERVICES: Final[tuple[Service, ...]] = get_args(Service)

_ALL: Final[tuple[Service, ...]] = SERVICES

#: event TYPE -> (publisher, consumers). Ping/Pong: every service pings and answers.
CATALOG: Final[dict[str, tuple[tuple[Service, ...], tuple[Service, ...]]]] = {
    # booking
    "OfferingPublished": (("booking",), ("payments",)),
    "HoldPlaced": (("booking",), ("payments",)),
    "HoldReleased": (("booking",), ("payments",)),
    "HoldExpired": (("booking",), ("payments",)),
    "BookingConfirmed": (("booking",), ("payments", "attendance", "calendar-sync")),
    "BookingRejected": (("booking",), ("payments", "calendar-sync")),
    "BookingCancelled": (("booking",), ("payments", "attendance", "calendar-sync")),
    "BookingRestored": (("booking",), ("attendance", "calendar-sync")),
    "BookingRescheduled": (("booking",), ("attendance", "calendar-sync")),
    # payments
    "PaymentVerified": (("payments",), ("booking", "calendar-sync")),
    "PaymentCancelled": (("payments",), ("booking",)),
    "PaymentFailed": (("payments",), ()),
    "PaymentCaptured": (("payments",), ("calendar-sync",)),
    "PaymentVoided": (("payments",), ()),
    "PaymentRefunded": (("payments",), ("calendar-sync",)),
    "CreditsPurchased": (("payments",), ("calendar-sync",)),
    "SubscriptionCancelled": (("payments",), ("booking",)),
    "SubscriptionReactivated": (("payments",), ("booking",)),
    # attendance
    "AttendanceRecorded": (("attendance",), ()),
    "AbsenceRecorded": (("attendance",), ()),
    "MenteeWarned": (("attendance",), ()),
    "MenteeReprobated": (("attendance",), ("booking",)),
    "MenteeReactivated": (("attendance",), ("booking",)),
    # calendar-sync
    "CalendarEventSynced": (("calendar-sync",), ()),
    "CalendarSyncFailed": (("calendar-sync",), ()),
    "MailPreferencesChanged": (("calendar-sync",), ("attendance",)),
    # wiring
    "Ping": (_ALL, _ALL),
    "Pong": (_ALL, _ALL),
}


def _check(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")


def publishers_of(type_: str) -> tuple[Service, ...]:
    return CATALOG[type_][0]


def consumers_of(type_: str) -> tuple[Service, ...]:
    return CATALOG[type_][1]


def published_by(service: str) -> list[type[Event]]:
    """Event classes (every registered version) that ``service`` may publish."""
    _check(service)
    return [e for e in all_events() if service in publishers_of(e.TYPE)]


def consumed_by(service: str) -> list[type[Event]]:
    """Event classes (every registered version) that ``service`` handles."""
    _check(service)
    return [e for e in all_events() if service in consumers_of(e.TYPE)]


def consumes(service: str, type_: str) -> bool:
    """Whether ``service`` handles ``type_``; anything else on its topics is skipped."""
    _check(service)
    return type_ in CATALOG and service in consumers_of(type_)


def topics_published_by(service: str) -> list[str]:
    return sorted({e.TOPIC for e in published_by(service)})


def topics_consumed_by(service: str) -> list[str]:
    """The topics ``service``'s consumer group subscribes to."""
    return sorted({e.TOPIC for e in consumed_by(service)})
