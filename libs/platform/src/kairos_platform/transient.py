"""Which failures belong to the infrastructure (database or broker away) rather than to the
request or message: a consumer waits them out, an HTTP route answers 503 so the client
retries, instead of a 500 that blames the code."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc

# serialization failure, deadlock, admin shutdown, crash shutdown, cannot connect now
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (OSError, TimeoutError, ConnectionError, asyncpg.PostgresConnectionError)):
        return True
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return getattr(exc, "sqlstate", None) in TRANSIENT_SQLSTATES
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        ):
            return True
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in TRANSIENT_SQLSTATES
    if isinstance(exc, sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    return False
