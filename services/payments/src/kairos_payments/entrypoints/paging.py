"""The sort keys inside this service's page cursors (``kairos_platform.pagination``),
read back as the types the repositories compare: a cursor that decodes but does not hold
such a key is refused as any foreign cursor is (422 ``bad-cursor``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from kairos_platform.pagination import PageRequest, page_of
from kairos_platform.refusals import Invalid

R = TypeVar("R")
T = TypeVar("T")


def _bad() -> Invalid:
    return Invalid("`cursor` is not one this API gave out.", slug="bad-cursor")


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _bad()
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _bad() from exc
    if at.tzinfo is None:
        raise _bad()
    return at


def _uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise _bad()
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise _bad() from exc


def instant_and_id(page: PageRequest) -> tuple[datetime, uuid.UUID] | None:
    """A (created_at, id) key, or None on the first page."""
    if page.after is None:
        return None
    if len(page.after) != 2:
        raise _bad()
    return _instant(page.after[0]), _uuid(page.after[1])


def serial(page: PageRequest) -> int | None:
    """A serial id key, or None on the first page."""
    if page.after is None:
        return None
    if len(page.after) != 1 or type(page.after[0]) is not int or not 0 <= page.after[0] < 2**63:
        raise _bad()
    n: int = page.after[0]
    return n


def page_out(
    rows: Sequence[R],
    limit: int,
    key: Callable[[R], Sequence[Any]],
    out: Callable[[R], T],
) -> tuple[list[T], str | None, bool]:
    """The page of domain ``rows`` (``limit + 1`` read) as answers: (items, next_cursor,
    has_more), the cursor made from the last row kept."""
    found = page_of(rows, limit, key)
    return [out(r) for r in found.items], found.next_cursor, found.has_more
