"""Each person's mail preferences: read (learning what their token says), chosen through
the API, and one topic stopped by a signed one-click link (RFC 8058)."""

from __future__ import annotations

from collections.abc import Iterable

from kairos_calendar_sync.domain import unsubscribe
from kairos_calendar_sync.domain.mails.model import Topic
from kairos_calendar_sync.domain.people import Person, nobody
from kairos_calendar_sync.domain.preferences import claimed_locale, claimed_zone
from kairos_calendar_sync.service_layer import outgoing
from kairos_calendar_sync.service_layer.ports import CalendarUow
from kairos_platform.auth import Principal
from kairos_platform.refusals import NotFound


async def _learn(uow: CalendarUow, caller: Principal) -> Person | None:
    """What the caller's token says of them: address and name (``email``, ``name``), and
    the OIDC ``zoneinfo`` and ``locale`` claims (kept unless they chose through the API).
    The person when the claims changed their zone or locale, else None."""
    email, name = caller.contact()
    if email is not None or name is not None:
        await uow.people.learn(caller.user_id, email, name)
    zone, locale = (
        claimed_zone(caller.claims.get("zoneinfo")),
        claimed_locale(caller.claims.get("locale")),
    )
    return await uow.people.token_said(caller.user_id, zone, locale)


def _mail_settings(person: Person | None) -> tuple[str | None, str | None]:
    return (person.time_zone, person.locale) if person is not None else (None, None)


async def read(uow: CalendarUow, caller: Principal) -> Person:
    """The caller's preferences, after keeping what their token says of them (other
    services hear of a new zone or locale: ``MailPreferencesChanged``)."""
    changed = await _learn(uow, caller)
    if changed is not None:
        uow.emit(outgoing.mail_preferences_changed(changed, uow.now()))
    await uow.commit()
    return await uow.people.get(caller.user_id) or nobody(caller.user_id)


async def choose(
    uow: CalendarUow,
    caller: Principal,
    *,
    time_zone: str | None,
    locale: str | None,
    unsubscribed: Iterable[Topic],
) -> Person:
    """The caller's own choice (values already checked): it stands until they change it,
    whatever their tokens say later. The same choice again stores the same. A zone or
    locale other than before (the token's claims included) is announced once
    (``MailPreferencesChanged``)."""
    before = _mail_settings(await uow.people.get(caller.user_id))
    await _learn(uow, caller)  # the choice below replaces what the token said
    person = await uow.people.choose(
        caller.user_id,
        time_zone=time_zone,
        locale=locale,
        unsubscribed=frozenset(unsubscribed),
        at=uow.now(),
    )
    if _mail_settings(person) != before:
        uow.emit(outgoing.mail_preferences_changed(person, uow.now()))
    await uow.commit()
    return person


def _no_link() -> NotFound:
    return NotFound("This unsubscribe link is not valid.", slug="unknown-unsubscribe-link")


def topic_of_link(key: bytes, token: str) -> Topic:
    """The topic a link would stop (nothing is changed); 404 for a link we did not sign."""
    found = unsubscribe.verify(key, token)
    if found is None:
        raise _no_link()
    return found[1]


async def unsubscribe_by_link(uow: CalendarUow, key: bytes, token: str) -> Topic:
    """Stop the link's topic for its person, nothing else; again changes nothing."""
    found = unsubscribe.verify(key, token)
    if found is None:
        raise _no_link()
    user_id, topic = found
    await uow.people.unsubscribe(user_id, topic)
    await uow.commit()
    return topic
