"""A cursor's key is read back as the types the list sorts by, or refused as 422."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import AwareDatetime

from kairos_platform.pagination import PageRequest, Serial, decode_cursor, page_of
from kairos_platform.refusals import Invalid

AT, ID = datetime(2026, 12, 7, 9, 30, tzinfo=UTC), uuid.uuid4()


def test_a_key_comes_back_as_its_types() -> None:
    got = PageRequest(10, [AT.isoformat(), str(ID)]).key(AwareDatetime, uuid.UUID)
    assert got == (AT, ID)
    assert PageRequest(10, [41]).key(Serial) == (41,)
    assert PageRequest(10, [None, str(ID)]).key(str | None, uuid.UUID) == (None, ID)
    assert PageRequest(10, None).key(Serial) is None


@pytest.mark.parametrize(
    "after",
    [
        ["2026-12-07T09:30:00", str(ID)],  # no offset: not a key this API gave out
        [AT.isoformat()],  # too short
        [AT.isoformat(), "not-a-uuid"],
        [AT.isoformat(), str(ID), 3],  # too long
        [{"x": 1}, str(ID)],
    ],
)
def test_a_key_of_another_shape_is_a_bad_cursor(after: list[object]) -> None:
    with pytest.raises(Invalid) as refused:
        PageRequest(10, after).key(AwareDatetime, uuid.UUID)
    assert refused.value.slug == "bad-cursor"


@pytest.mark.parametrize("after", [[-1], [2**63], ["x"], [1.5]])
def test_a_serial_key_out_of_a_bigint_is_a_bad_cursor(after: list[object]) -> None:
    with pytest.raises(Invalid):
        PageRequest(10, after).key(Serial)


def test_a_page_makes_its_rows_answers_and_its_cursor_from_the_last_row_kept() -> None:
    rows = [(n, f"n{n}") for n in range(4)]
    page = page_of(rows, 3, lambda r: [r[0]], lambda r: r[1])
    assert page.items == ["n0", "n1", "n2"] and page.has_more
    assert page.next_cursor is not None and decode_cursor(page.next_cursor) == [2]
    last = page_of(rows[3:], 3, lambda r: [r[0]], lambda r: r[1])
    assert last.items == ["n3"] and not last.has_more and last.next_cursor is None
