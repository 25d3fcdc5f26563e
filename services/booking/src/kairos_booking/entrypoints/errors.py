"""Domain errors -> problem+json; a unit of work whose failure leaves nothing written."""

from __future__ import annotations

import contextlib
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

_PROBLEMS: dict[type[errors.DomainError], Callable[..., Problem]] = {
    errors.NotFound: not_found,
    errors.Forbidden: forbidden,
    errors.Conflict: conflict,
    errors.Gone: gone,
    errors.Invalid: unprocessable,
}


def problem_for(exc: errors.DomainError) -> Problem:
    return _PROBLEMS[type(exc)](exc.detail, slug=exc.slug)


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
        # a concurrent request won a unique race (e.g. the same mentee holding twice)
        raise conflict("This conflicts with a concurrent change.", slug="conflict") from exc
