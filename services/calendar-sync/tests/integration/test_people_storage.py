"""What calendar-sync learns of people from events, stored: an address or a name an event
does not give keeps what was known, a person given twice in one call is learnt once (from
the last), and the stored row changes only when something new was said."""

from __future__ import annotations

import uuid

from .conftest import Cal


async def test_learning_keeps_what_an_event_leaves_out_and_takes_a_repeat_once(cal: Cal) -> None:
    ada, bo = uuid.uuid4(), uuid.uuid4()
    async with cal.uows() as uow:
        await uow.people.learn_many([(ada, "ada@example.org", "Ada"), (bo, "bo@example.org", None)])
        await uow.commit()
    async with cal.uows() as uow:
        before = await uow.people.many([ada, bo])
        # Ada twice (the last wins), Bo with a name now and no address
        await uow.people.learn_many(
            [(ada, None, "Ada L."), (bo, None, "Bo"), (ada, "ada@new.example.org", None)]
        )
        await uow.commit()
    async with cal.uows() as uow:
        after = await uow.people.many([ada, bo])
    assert (after[ada].email, after[ada].name) == ("ada@new.example.org", "Ada")
    assert (after[bo].email, after[bo].name) == ("bo@example.org", "Bo")
    assert before[bo].name is None
    [row] = await cal.rows("SELECT updated_at FROM people WHERE user_id = :u", u=ada)
    async with cal.uows() as uow:
        await uow.people.learn_many([(ada, "ada@new.example.org", "Ada")])  # nothing new
        await uow.commit()
    [again] = await cal.rows("SELECT updated_at FROM people WHERE user_id = :u", u=ada)
    assert again.updated_at == row.updated_at
