"""Domain errors -> problem+json; a unit of work whose failure leaves nothing written."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from kairos_booking.domain import errors
from kairos_platform.problems import (
    Problem,
    conflict,
    forbidden,
    gone,
    not_found,
    unprocessable,
)

log = logging.getLogger("kairos.booking.http")

#: a unique (or exclusion) constraint refused the row: another request stored it first
_RACES = frozenset({"23505", "23P01"})

_PROBLEMS: dict[type[errors.DomainError], Callable[..., Problem]] = {
    errors.NotFound: not_found,
    errors.Forbidden: forbidden,
    errors.Conflict: conflict,
    errors.Gone: gone,
    errors.Invalid: unprocessable,
}


def problem_for(exc: errors.DomainError) -> Problem:
    return _PROBLEMS[type(exc)](exc.detail, slug=exc.slug)


def integrity_problem(exc: IntegrityError) -> Problem:
    """A unique race lost to a concurrent request is a conflict. Any other constraint the
    database refuses (a null, a check, a reference) is input validation let through: the
    request is refused as it stands, and the gap is logged to be closed."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in _RACES:
        return conflict("This conflicts with a concurrent change.", slug="conflict")
    log.error("a constraint refused input that validation let through: %s", exc.orig)
    return unprocessable("The request breaks a rule of the stored data.", slug="unstorable")


@contextlib.asynccontextmanager
async def unit_of_work(uow_factory: Callable[[], Any]) -> AsyncIterator[Any]:
    """A unit of work for one request. It rolls back unless the handler committed, so an
    error answer never leaves anything written."""
    try:
        async with uow_factory() as uow:
            yield uow
    except errors.DomainError as exc:
        raise problem_for(exc) from exc
    except IntegrityError as exc:
        raise integrity_problem(exc) from exc
