"""Cursor pagination for every list that can grow: ``limit`` and ``cursor`` in, a
:class:`Page` out (``items``, ``next_cursor``, ``has_more``), in a stable order.

The cursor is opaque to clients: the sort key of the last item given, as base64url JSON.
Repositories read ``limit + 1`` rows after that key (keyset pagination: no offset, so a
page never skips or repeats a row when rows are added meanwhile); :func:`page_of` cuts the
extra row off and makes the next cursor from the last row kept.

    @router.get("/things")
    async def things(page: PageQuery) -> Page[ThingOut]:
        rows = await repo.after(page.key(AwareDatetime, UUID), page.limit + 1)
        return page_of(rows, page.limit, lambda t: (t.at, t.id), ThingOut.of)
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar, overload
from uuid import UUID

from annotated_types import Ge, Lt
from fastapi import Depends, Query
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from kairos_platform.refusals import Invalid

T = TypeVar("T")
X = TypeVar("X")

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


class Page(BaseModel, Generic[T]):
    """One page of a list, oldest or soonest first unless the route says otherwise."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last."
    )
    has_more: bool


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def encode_cursor(key: Sequence[Any]) -> str:
    raw = json.dumps([_plain(v) for v in key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    """The sort key a cursor holds; 422 for anything this API did not give out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Invalid("`cursor` is not one this API gave out.", slug="bad-cursor") from exc
    if not isinstance(key, list):
        raise Invalid("`cursor` is not one this API gave out.", slug="bad-cursor")
    return key


@dataclass(frozen=True)
class PageRequest:
    limit: int
    #: the sort key to continue after (None: from the start)
    after: list[Any] | None

    def key(self, *types: Any) -> tuple[Any, ...] | None:
        """The cursor's key read as a tuple of ``types`` (pydantic types: ``str``,
        ``uuid.UUID``, ``AwareDatetime``, :data:`Serial`, ``str | None``...); None on the
        first page, 422 ``bad-cursor`` when it does not fit (a cursor of another list)."""
        if self.after is None:
            return None
        try:
            return _key_shape(types).validate_python(tuple(self.after))
        except ValidationError as exc:
            raise Invalid("`cursor` belongs to another list.", slug="bad-cursor") from exc


#: a serial id in a cursor: what a PostgreSQL bigint holds
Serial = Annotated[int, Ge(0), Lt(2**63)]


@functools.cache
def _key_shape(types: tuple[Any, ...]) -> TypeAdapter[tuple[Any, ...]]:
    return TypeAdapter(tuple[types])  # type: ignore[valid-type]


def keyset(columns: Sequence[Any], after: Sequence[Any] | None, descending: bool = False) -> Any:
    """The SQL condition "after this key" for rows ordered by ``columns`` (all ascending,
    or all descending); true when there is no key."""
    from sqlalchemy import true, tuple_

    if after is None:
        return true()
    row, key = tuple_(*columns), tuple_(*after)
    return row < key if descending else row > key


async def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = (
        DEFAULT_LIMIT
    ),
    cursor: Annotated[
        str | None,
        Query(max_length=500, description="`next_cursor` of the previous page."),
    ] = None,
) -> PageRequest:
    return PageRequest(limit, decode_cursor(cursor) if cursor else None)


PageQuery = Annotated[PageRequest, Depends(page_request)]


@overload
def page_of(rows: Sequence[T], limit: int, key: Callable[[T], Sequence[Any]]) -> Page[T]: ...
@overload
def page_of(
    rows: Sequence[T], limit: int, key: Callable[[T], Sequence[Any]], out: Callable[[T], X]
) -> Page[X]: ...
def page_of(
    rows: Sequence[Any],
    limit: int,
    key: Callable[[Any], Sequence[Any]],
    out: Callable[[Any], Any] | None = None,
) -> Page[Any]:
    """The page of ``rows`` (read ``limit + 1`` of them) and the cursor after its last,
    each kept row made an answer by ``out`` when given."""
    kept = list(rows[:limit])
    more = len(rows) > limit
    return Page[Any](
        items=[out(r) for r in kept] if out else kept,
        has_more=more,
        next_cursor=encode_cursor(key(kept[-1])) if more and kept else None,
    )
