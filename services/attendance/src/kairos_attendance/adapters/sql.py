"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID


def among(column: Any, ids: Iterable[uuid.UUID]) -> Any:
    """``column = ANY(:ids)``: one array parameter instead of one per id, so the statement
    compiles once and is cached (IN with a thousand ids re-renders every time)."""
    param = bindparam(None, list(ids), type_=ARRAY(PG_UUID(as_uuid=True)))
    return column == any_(param)
