"""Each person's mail preferences through the HTTP API (real PostgreSQL, real JWT
verification), and the one-click unsubscribe links (RFC 8058)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kairos_calendar_sync.domain import unsubscribe
from kairos_calendar_sync.domain.mails.model import Topic

from .conftest import Cal

PREFS = "/me/mail-preferences"
NOTHING_CHOSEN = {
    "time_zone": None,
    "locale": None,
    "unsubscribed": [],
    "topics": ["confirmations", "reminders"],
    "chosen": False,
}


async def _people(cal: Cal, user_id: uuid.UUID) -> list[Any]:
    return await cal.rows("SELECT * FROM people WHERE user_id = :u", u=user_id)


def _link(cal: Cal, user_id: uuid.UUID, topic: Topic) -> str:
    return unsubscribe.sign(cal.ctx.settings.mail_link_key.encode(), user_id, topic)


def _assert_problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    return body


async def test_nothing_chosen_reads_as_the_defaults_and_writes_nothing(cal: Cal) -> None:
    ana = uuid.uuid4()
    resp = await cal.client.get(PREFS, headers=cal.auth(ana))
    assert resp.status_code == 200, resp.text
    assert resp.json() == NOTHING_CHOSEN
    assert await _people(cal, ana) == []  # a token saying nothing leaves no row


async def test_put_then_get_round_trip_normalises_the_locale_and_is_idempotent(cal: Cal) -> None:
    ana = uuid.uuid4()
    body = {"time_zone": "America/New_York", "locale": "es-ES", "unsubscribed": ["reminders"]}
    first = await cal.client.put(PREFS, json=body, headers=cal.auth(ana))
    assert first.status_code == 200, first.text
    want = {
        "time_zone": "America/New_York",
        "locale": "es_ES",
        "unsubscribed": ["reminders"],
        "topics": ["confirmations", "reminders"],
        "chosen": True,
    }
    assert first.json() == want
    again = await cal.client.put(PREFS, json=body, headers=cal.auth(ana))
    assert again.status_code == 200 and again.json() == want
    read = await cal.client.get(PREFS, headers=cal.auth(ana))
    assert read.status_code == 200 and read.json() == want
    [row] = await _people(cal, ana)
    assert (row.time_zone, row.locale, row.unsubscribed) == (
        "America/New_York", "es_ES", ["reminders"],
    )  # fmt: skip

    # the whole choice is replaced: back to the defaults, every topic again
    cleared: dict[str, str | list[str] | None] = {
        "time_zone": None, "locale": None, "unsubscribed": [],
    }  # fmt: skip
    resp = await cal.client.put(PREFS, json=cleared, headers=cal.auth(ana))
    assert resp.status_code == 200
    assert resp.json() == {**NOTHING_CHOSEN, "chosen": True}
    async with cal.uows() as uow:
        person = await uow.people.get(ana)
    assert person is not None and person.receives(Topic.REMINDERS)


async def test_both_topics_and_duplicates(cal: Cal) -> None:
    ana = uuid.uuid4()
    body = {
        "time_zone": "Europe/Madrid",
        "locale": "de",
        "unsubscribed": ["reminders", "confirmations", "reminders"],
    }
    resp = await cal.client.put(PREFS, json=body, headers=cal.auth(ana))
    assert resp.status_code == 200, resp.text
    assert resp.json()["unsubscribed"] == ["confirmations", "reminders"]
    assert resp.json()["locale"] == "de"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"locale": "xx_YY"}, "locale"),
        ({"locale": "not a locale"}, "locale"),
        ({"locale": "und"}, "locale"),
        ({"locale": 12}, "locale"),
        ({"unsubscribed": ["receipts"]}, "unsubscribed[0]"),
        ({"unsubscribed": ["newsletters"]}, "unsubscribed[0]"),
        ({"unsubscribed": None}, "unsubscribed"),
        ({"unsubscribed": "reminders"}, "unsubscribed"),
        ({"extra": True}, "extra"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    cal: Cal, change: dict[str, Any], field: str
) -> None:
    ana = uuid.uuid4()
    good = {"time_zone": "Europe/Madrid", "locale": "es_ES", "unsubscribed": ["reminders"]}
    before = await cal.client.put(PREFS, json=good, headers=cal.auth(ana))
    assert before.status_code == 200
    [row_before] = await _people(cal, ana)

    resp = await cal.client.put(PREFS, json={**good, **change}, headers=cal.auth(ana))
    problem = _assert_problem(resp, 422)
    assert field in [e["field"] for e in problem["errors"]], problem
    assert await _people(cal, ana) == [row_before]  # nothing written, updated_at included

    newcomer = uuid.uuid4()  # and nobody is created by a refused first choice
    resp = await cal.client.put(PREFS, json={**good, **change}, headers=cal.auth(newcomer))
    _assert_problem(resp, 422)
    assert await _people(cal, newcomer) == []


async def test_a_missing_field_is_a_422(cal: Cal) -> None:
    ana = uuid.uuid4()
    resp = await cal.client.put(PREFS, json={"time_zone": None}, headers=cal.auth(ana))
    problem = _assert_problem(resp, 422)
    assert {"locale", "unsubscribed"} <= {e["field"] for e in problem["errors"]}
    assert await _people(cal, ana) == []


async def test_no_token_is_a_401(cal: Cal) -> None:
    _assert_problem(await cal.client.get(PREFS), 401)
    body: dict[str, str | list[str] | None] = {
        "time_zone": None, "locale": None, "unsubscribed": [],
    }  # fmt: skip
    _assert_problem(await cal.client.put(PREFS, json=body), 401)


async def test_the_tokens_claims_are_kept_until_the_person_chooses(cal: Cal) -> None:
    ana = uuid.uuid4()
    said = cal.auth(ana, zoneinfo="Asia/Tokyo", locale="ja-JP", email="ana@example.org", name="Ana")
    resp = await cal.client.get(PREFS, headers=said)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {**NOTHING_CHOSEN, "time_zone": "Asia/Tokyo", "locale": "ja_JP"}
    [row] = await _people(cal, ana)
    assert (row.email, row.name, row.time_zone, row.locale, row.chosen_at) == (
        "ana@example.org", "Ana", "Asia/Tokyo", "ja_JP", None,
    )  # fmt: skip

    # a later token saying otherwise, before any choice: the token wins
    moved = cal.auth(ana, zoneinfo="Europe/Lisbon")
    resp = await cal.client.get(PREFS, headers=moved)
    assert (resp.json()["time_zone"], resp.json()["locale"]) == ("Europe/Lisbon", "ja_JP")

    # the person chooses: from now on no token overrides it
    choice = {"time_zone": "Europe/Madrid", "locale": "es_ES", "unsubscribed": []}
    resp = await cal.client.put(PREFS, json=choice, headers=said)
    assert resp.status_code == 200
    resp = await cal.client.get(PREFS, headers=cal.auth(ana, zoneinfo="UTC", locale="fr"))
    assert resp.json() == {**NOTHING_CHOSEN, **choice, "chosen": True}
    [row] = await _people(cal, ana)
    assert (row.time_zone, row.locale, row.email) == ("Europe/Madrid", "es_ES", "ana@example.org")


async def test_odd_claims_are_not_kept_and_do_not_fail_the_request(cal: Cal) -> None:
    ana = uuid.uuid4()
    odd = cal.auth(ana, zoneinfo="Nowhere/Atlantis", locale=["es"], email="not an address")
    resp = await cal.client.get(PREFS, headers=odd)
    assert resp.status_code == 200, resp.text
    assert resp.json() == NOTHING_CHOSEN
    assert await _people(cal, ana) == []


async def test_the_unsubscribe_page_says_what_it_stops_and_changes_nothing(cal: Cal) -> None:
    ana = uuid.uuid4()
    token = _link(cal, ana, Topic.REMINDERS)
    for _ in range(2):  # a link scanner, then the person
        resp = await cal.client.get(f"/unsubscribe/{token}")
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("text/html")
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert "reminders" in resp.text
        assert '<form method="post">' in resp.text
        assert 'name="List-Unsubscribe" value="One-Click"' in resp.text
        assert f"{cal.ctx.settings.public_url}/preferences" in resp.text
    assert await _people(cal, ana) == []


async def test_the_one_click_post_stops_that_topic_only_and_again_changes_nothing(
    cal: Cal,
) -> None:
    ana = uuid.uuid4()
    choice = {"time_zone": "Europe/Madrid", "locale": "es_ES", "unsubscribed": []}
    assert (await cal.client.put(PREFS, json=choice, headers=cal.auth(ana))).status_code == 200
    [before] = await _people(cal, ana)
    token = _link(cal, ana, Topic.REMINDERS)
    for _ in range(2):
        resp = await cal.client.post(
            f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
        )
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"topic": "reminders", "unsubscribed": True}
    [after] = await _people(cal, ana)
    assert after.unsubscribed == ["reminders"]
    assert (after.time_zone, after.locale, after.chosen_at) == (
        before.time_zone, before.locale, before.chosen_at,
    )  # fmt: skip
    resp = await cal.client.get(PREFS, headers=cal.auth(ana))
    assert resp.json() == {**NOTHING_CHOSEN, **choice, "unsubscribed": ["reminders"],
                           "chosen": True}  # fmt: skip

    # someone we never saw: a row with only that topic stopped, nothing chosen
    bea = uuid.uuid4()
    resp = await cal.client.post(f"/unsubscribe/{_link(cal, bea, Topic.CONFIRMATIONS)}")
    assert resp.status_code == 200 and resp.json()["topic"] == "confirmations"
    resp = await cal.client.get(PREFS, headers=cal.auth(bea))
    assert resp.json() == {**NOTHING_CHOSEN, "unsubscribed": ["confirmations"]}


async def test_the_pages_button_gets_a_page_back(cal: Cal) -> None:
    ana = uuid.uuid4()
    token = _link(cal, ana, Topic.CONFIRMATIONS)
    resp = await cal.client.post(
        f"/unsubscribe/{token}",
        data={"List-Unsubscribe": "One-Click"},
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/html")
    assert "Unsubscribed" in resp.text
    [row] = await _people(cal, ana)
    assert row.unsubscribed == ["confirmations"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_forged_or_broken_link_is_a_404_and_changes_nothing(cal: Cal, method: str) -> None:
    ana = uuid.uuid4()
    good = _link(cal, ana, Topic.REMINDERS)
    forged = unsubscribe.sign(b"someone else's key", ana, Topic.REMINDERS)
    other_topic = unsubscribe.sign(cal.ctx.settings.mail_link_key.encode(), ana,
                                   Topic.CONFIRMATIONS)  # fmt: skip
    spliced = other_topic[:40] + good[40:]  # ana's mac for another topic
    for token in (forged, good[:-3], "x", spliced, good + "AAAA"):
        resp = await cal.client.request(method, f"/unsubscribe/{token}")
        problem = _assert_problem(resp, 404)
        assert problem["type"].endswith("/unknown-unsubscribe-link")
    assert await _people(cal, ana) == []


async def _announced(cal: Cal, user_id: uuid.UUID) -> list[tuple[str | None, str | None]]:
    """The MailPreferencesChanged events of ``user_id`` in the outbox: (zone, locale)."""
    return [
        (e.get("time_zone"), e.get("locale"))
        for e in await cal.outbox("MailPreferencesChanged")
        if e["user_id"] == str(user_id)
    ]


async def test_a_changed_zone_or_locale_is_announced_once_and_a_no_op_is_not(cal: Cal) -> None:
    ana = uuid.uuid4()
    # a token saying nothing of zone or locale: nothing to tell
    await cal.client.get(PREFS, headers=cal.auth(ana, email="ana@example.org"))
    assert await _announced(cal, ana) == []

    # new claims: announced; the same claims again, or a part of them, are not
    said = cal.auth(ana, zoneinfo="Asia/Tokyo", locale="ja-JP")
    assert (await cal.client.get(PREFS, headers=said)).status_code == 200
    assert (await cal.client.get(PREFS, headers=said)).status_code == 200
    await cal.client.get(PREFS, headers=cal.auth(ana, locale="ja_JP"))
    assert await _announced(cal, ana) == [("Asia/Tokyo", "ja_JP")]
    # a token moving the zone only: the whole preference is told
    await cal.client.get(PREFS, headers=cal.auth(ana, zoneinfo="Europe/Lisbon"))
    assert await _announced(cal, ana) == [("Asia/Tokyo", "ja_JP"), ("Europe/Lisbon", "ja_JP")]

    # a choice through the API: announced once; the same again, or topics only, are not
    choice = {"time_zone": "Europe/Madrid", "locale": "es-ES", "unsubscribed": []}
    for body in (choice, choice, {**choice, "unsubscribed": ["reminders"]}):
        resp = await cal.client.put(PREFS, json=body, headers=cal.auth(ana))
        assert resp.status_code == 200, resp.text
    # chosen: later tokens change nothing, so nothing is told
    await cal.client.get(PREFS, headers=cal.auth(ana, zoneinfo="UTC", locale="fr"))
    want = [("Asia/Tokyo", "ja_JP"), ("Europe/Lisbon", "ja_JP"), ("Europe/Madrid", "es_ES")]
    assert await _announced(cal, ana) == want

    # back to no preference: told as absent values
    cleared: dict[str, Any] = {"time_zone": None, "locale": None, "unsubscribed": []}
    assert (await cal.client.put(PREFS, json=cleared, headers=cal.auth(ana))).status_code == 200
    assert await _announced(cal, ana) == [*want, (None, None)]
    [row] = await cal.rows(
        "SELECT topic, key FROM outbox WHERE event_type = 'MailPreferencesChanged' "
        "ORDER BY id DESC LIMIT 1"
    )
    assert (row.topic, row.key) == ("kairos.calendar.people", str(ana))


async def test_a_choice_replacing_what_the_token_said_in_the_same_call_is_told_once(
    cal: Cal,
) -> None:
    bo = uuid.uuid4()
    said = cal.auth(bo, zoneinfo="Asia/Tokyo")
    choice: dict[str, Any] = {"time_zone": "America/Lima", "locale": None, "unsubscribed": []}
    assert (await cal.client.put(PREFS, json=choice, headers=said)).status_code == 200
    assert await _announced(cal, bo) == [("America/Lima", None)]
    # a first call whose token says what the person then chooses: one event, not two
    cy = uuid.uuid4()
    same: dict[str, Any] = {"time_zone": "Asia/Tokyo", "locale": None, "unsubscribed": []}
    assert (
        await cal.client.put(PREFS, json=same, headers=cal.auth(cy, zoneinfo="Asia/Tokyo"))
    ).status_code == 200
    assert await _announced(cal, cy) == [("Asia/Tokyo", None)]
