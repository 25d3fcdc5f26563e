"""SQL repository of the people calendar-sync mails (addresses and their choices)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, UUID, Row, all_, any_, bindparam, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.orm import people
from kairos_calendar_sync.domain.mails.model import Topic
from kairos_calendar_sync.domain.people import Person

_TOPICS = {t.value for t in Topic}

#: (user id, address, name) as an event or a token gave them
Known = tuple[uuid.UUID, str | None, str | None]

# Built once: each event of a booking runs them, and building a statement per call (its
# expression, then its cache key) was a visible share of the consumer's CPU.
_LEARN = text(
    """
    INSERT INTO people (user_id, email, name)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:emails AS text[]), CAST(:names AS text[]))
    ON CONFLICT (user_id) DO UPDATE
       SET email = coalesce(excluded.email, people.email),
           name = coalesce(excluded.name, people.name),
           updated_at = now()
     WHERE (excluded.email IS DISTINCT FROM people.email AND excluded.email IS NOT NULL)
        OR (excluded.name IS DISTINCT FROM people.name AND excluded.name IS NOT NULL)
    """
)
_MANY = select(people).where(people.c.user_id == any_(bindparam("ids", type_=ARRAY(UUID))))


def to_person(row: Row[*tuple[Any, ...]]) -> Person:
    m = row._mapping
    return Person(
        user_id=m["user_id"],
        email=m["email"],
        name=m["name"],
        time_zone=m["time_zone"],
        locale=m["locale"],
        chosen_at=m["chosen_at"],
        unsubscribed=frozenset(Topic(t) for t in m["unsubscribed"] if t in _TOPICS),
    )


class SqlPeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def learn(self, user_id: uuid.UUID, email: str | None, name: str | None) -> None:
        """Remember the address and name an event or a token gave; a missing one keeps
        what we had."""
        await self.learn_many([(user_id, email, name)])

    async def learn_many(self, known: Iterable[Known]) -> None:
        """``learn`` for several people in one statement (both participants of a booking),
        in the order of their ids: two transactions learning the same two people take
        their rows in one order. A person given twice is learnt from the last."""
        by_id = {user_id: (user_id, email, name) for user_id, email, name in known}
        rows = [by_id[k] for k in sorted(by_id)]
        if rows:
            ids, emails, names = (list(column) for column in zip(*rows, strict=True))
            await self._s.execute(_LEARN, {"ids": ids, "emails": emails, "names": names})

    async def token_said(
        self, user_id: uuid.UUID, time_zone: str | None, locale: str | None
    ) -> Person | None:
        """A token's zoneinfo/locale claims, kept unless the person chose through the API.
        The person as now stored when the claims changed their zone or locale, else None."""
        if time_zone is None and locale is None:
            return None
        new = insert(people).values(user_id=user_id, time_zone=time_zone, locale=locale)
        # a claim the token does not make keeps what we had
        zone = func.coalesce(new.excluded.time_zone, people.c.time_zone)
        loc = func.coalesce(new.excluded.locale, people.c.locale)
        upsert = new.on_conflict_do_update(
            index_elements=[people.c.user_id],
            set_={"time_zone": zone, "locale": loc, "updated_at": func.now()},
            where=people.c.chosen_at.is_(None)
            & (zone.is_distinct_from(people.c.time_zone) | loc.is_distinct_from(people.c.locale)),
        ).returning(*people.c)
        row = (await self._s.execute(upsert)).first()
        return to_person(row) if row else None

    async def get(self, user_id: uuid.UUID) -> Person | None:
        row = (await self._s.execute(_MANY, {"ids": [user_id]})).first()
        return to_person(row) if row else None

    async def many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = await self._s.execute(_MANY, {"ids": wanted})
        return {r.user_id: to_person(r) for r in rows}

    async def choose(
        self,
        user_id: uuid.UUID,
        *,
        time_zone: str | None,
        locale: str | None,
        unsubscribed: frozenset[Topic],
        at: datetime,
    ) -> Person:
        """The person's own choice (the API): it stands until they change it."""
        values = {
            "time_zone": time_zone,
            "locale": locale,
            "unsubscribed": sorted(t.value for t in unsubscribed),
            "chosen_at": at,
        }
        new = insert(people).values(user_id=user_id, **values)
        upsert = new.on_conflict_do_update(
            index_elements=[people.c.user_id], set_={**values, "updated_at": func.now()}
        ).returning(*people.c)
        return to_person((await self._s.execute(upsert)).one())

    async def unsubscribe(self, user_id: uuid.UUID, topic: Topic) -> None:
        """Stop ``topic`` for the person (a one-click link); other topics are untouched."""
        stmt = insert(people).values(user_id=user_id, unsubscribed=[topic.value])
        stmt = stmt.on_conflict_do_update(
            index_elements=[people.c.user_id],
            set_={
                "unsubscribed": func.array_append(people.c.unsubscribed, topic.value),
                "updated_at": func.now(),
            },
            where=literal(topic.value) != all_(people.c.unsubscribed),
        )
        await self._s.execute(stmt)
